using System;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// Symmetric uniform k-bit weights (the textbook quantizer; e.g. Krishnamoorthi 2018, "Quantizing deep
/// convolutional networks for efficient inference", and PyTorch's symmetric observers):
/// scale = max|w| / (2^(k-1) - 1) per row or per tensor, q = clamp(round_half_even(w / scale), -qmax, qmax).
/// The grid is symmetric (the most negative code is unused), so k = 2 gives ternary weights.
/// </summary>
public sealed class UniformWeights(int bits, bool perRow) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        int qmax = (1 << (bits - 1)) - 1;
        int groups = perRow ? t.Rows : 1;
        int size = t.Values.Length / groups;
        var scales = new float[groups];
        var codes = new int[t.Values.Length];
        for (int g = 0; g < groups; g++)
        {
            ReadOnlySpan<float> w = t.Values.AsSpan(g * size, size);
            scales[g] = Scale(w, qmax);
            for (int i = 0; i < size; i++)
            {
                codes[g * size + i] = (int)Math.Clamp(MathF.Round(w[i] / scales[g], MidpointRounding.ToEven), -qmax, qmax);
            }
        }

        return Codecs.Uniform(bits, signed: true, scales, default, codes);
    }

    /// <summary>max|w| / qmax; an all-zero group keeps scale 1 (every code is 0 either way).</summary>
    internal static float Scale(ReadOnlySpan<float> w, int qmax)
    {
        float max = 0f;
        foreach (float v in w)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max > 0f ? max / qmax : 1f;
    }
}

/// <summary>
/// Affine (asymmetric) k-bit weights with a zero point, as ONNX QuantizeLinear defines them:
/// q = clamp(round_half_even(x / scale) + zp, qmin, qmax), x' = (q - zp) * scale, on signed codes
/// (qmin = -2^(k-1), qmax = 2^(k-1) - 1; k = 8 is int8). We follow ONNX and divide by the scale;
/// PyTorch multiplies by 1/scale, which can land one step away on a tie. The range per row or tensor
/// is [min(w, 0), max(w, 0)] so that 0 is exactly representable (zp is an integer).
/// </summary>
public sealed class AffineWeights(int bits, bool perRow) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        int qmin = -(1 << (bits - 1)), qmax = (1 << (bits - 1)) - 1;
        int groups = perRow ? t.Rows : 1;
        int size = t.Values.Length / groups;
        var scales = new float[groups];
        var zeroPoints = new int[groups];
        var codes = new int[t.Values.Length];
        for (int g = 0; g < groups; g++)
        {
            ReadOnlySpan<float> w = t.Values.AsSpan(g * size, size);
            float lo = 0f, hi = 0f;
            foreach (float v in w)
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }

            float scale = hi > lo ? (hi - lo) / (qmax - qmin) : 1f;
            int zp = (int)Math.Clamp(MathF.Round(qmin - lo / scale, MidpointRounding.ToEven), qmin, qmax);
            scales[g] = scale;
            zeroPoints[g] = zp;
            for (int i = 0; i < size; i++)
            {
                codes[g * size + i] = Code(w[i], scale, zp, bits);
            }
        }

        return Codecs.Uniform(bits, signed: true, scales, zeroPoints, codes);
    }

    /// <summary>ONNX QuantizeLinear on signed k-bit codes: clamp(round_half_even(x / scale) + zp, -2^(k-1), 2^(k-1) - 1).</summary>
    public static int Code(float x, float scale, int zeroPoint, int bits)
    {
        float q = MathF.Round(x / scale, MidpointRounding.ToEven) + zeroPoint;
        return (int)Math.Clamp(q, -(1 << (bits - 1)), (1 << (bits - 1)) - 1);
    }
}

/// <summary>
/// Stochastic rounding on the symmetric grid of <see cref="UniformWeights"/> (Gupta et al., "Deep
/// learning with limited numerical precision", ICML 2015): q = floor(w / scale + u), u ~ U[0, 1), so
/// E[q] = w / scale inside the grid: unbiased. Draws come from System.Random seeded with the run's
/// seed and the tensor's name, so a seed gives the same description on every run and machine.
/// </summary>
public sealed class StochasticWeights(int bits, int seed) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        int qmax = (1 << (bits - 1)) - 1;
        var random = new Random(TensorSeed(seed, t.Name));
        var scales = new float[t.Rows];
        var codes = new int[t.Values.Length];
        for (int r = 0; r < t.Rows; r++)
        {
            ReadOnlySpan<float> w = t.Values.AsSpan(r * t.Cols, t.Cols);
            scales[r] = UniformWeights.Scale(w, qmax);
            for (int c = 0; c < t.Cols; c++)
            {
                codes[r * t.Cols + c] = Math.Clamp(Round(w[c] / scales[r], random), -qmax, qmax);
            }
        }

        return Codecs.Uniform(bits, signed: true, scales, default, codes);
    }

    /// <summary>floor(v + u) with u uniform in [0, 1): up with probability frac(v), so the mean is v.</summary>
    public static int Round(float v, Random random) => (int)Math.Floor(v + random.NextDouble());

    /// <summary>Mixes the seed with the tensor's name (FNV-1a; string.GetHashCode differs between processes).</summary>
    internal static int TensorSeed(int seed, string name)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char ch in name)
        {
            h = (h ^ ch) * 16777619u;
        }

        return (int)(h & 0x7fffffff);
    }
}
