using System;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>The three multi-bit binary code methods compared by Xu et al. (ICLR 2018), row by row.</summary>
public enum MultiBitSearch
{
    /// <summary>Greedy (Guo et al., "Network Sketching", CVPR 2017): b_j = sign(r), alpha_j = mean|r|, r -= alpha_j b_j.</summary>
    Greedy,

    /// <summary>Refined greedy (Guo et al. 2017): after each new code b_j, all alphas so far by least squares, then the residual.</summary>
    Refined,

    /// <summary>Alternating (Xu et al., "Alternating Multi-bit Quantization for Recurrent Neural Networks", ICLR 2018): greedy start, then cycles of least-squares alphas and nearest-sum codes.</summary>
    Alternating,

    /// <summary>Alternating, then a search over where the nearest-sum groups are cut (<see cref="MultiBitSplitSearch"/>): closer to the least squared error.</summary>
    SplitSearch,
}

/// <summary>
/// Multi-bit binary weights, each row w ~ sum_j alpha_j b_j with b_j in {-1, +1} (MultiBinary codec).
/// The math is the runtime's <see cref="AlternatingQuantizer"/> on its portable (scalar) path, the algorithm that
/// quantizes activations online at run time: greedy is its greedy start (0 cycles), alternating adds
/// <paramref name="cycles"/> cycles (the paper's default 2); refined interleaves its least-squares step;
/// the split search goes on from alternating's result.
/// </summary>
public sealed class MultiBitWeights(int bits, MultiBitSearch search, int cycles = MultiBitWeights.DefaultCycles) : IWeightQuantizer
{
    /// <summary>Xu et al.: "two alternating cycles are sufficient".</summary>
    public const int DefaultCycles = 2;

    public Weights Quantize(WeightTensor t)
    {
        var alphas = new float[t.Rows * bits];
        var codes = new byte[t.Values.Length];
        var reconstruction = new float[t.Cols];
        for (int r = 0; r < t.Rows; r++)
        {
            ReadOnlySpan<float> row = t.Values.AsSpan(r * t.Cols, t.Cols);
            Span<float> rowAlphas = alphas.AsSpan(r * bits, bits);
            Span<byte> rowCodes = codes.AsSpan(r * t.Cols, t.Cols);
            if (search == MultiBitSearch.Refined)
            {
                Refined(row, bits, rowAlphas, rowCodes);
            }
            else if (search == MultiBitSearch.SplitSearch)
            {
                MultiBitSplitSearch.Code(row, bits, rowAlphas, rowCodes);
            }
            else
            {
                AlternatingQuantizer.QuantizePortable(row, bits, search == MultiBitSearch.Greedy ? 0 : cycles, rowAlphas, reconstruction, rowCodes);
            }
        }

        return Codecs.MultiBinary(t.Rows, t.Cols, bits, alphas, codes);
    }

    /// <summary>Refined greedy codes of one vector: b_j = sign of the residual (0 counts as +1), then alpha_0..alpha_j by least squares.</summary>
    public static void Refined(ReadOnlySpan<float> x, int bits, Span<float> alphas, Span<byte> codes)
    {
        int n = x.Length;
        var residual = x.ToArray();
        codes.Slice(0, n).Clear();
        alphas.Clear();
        for (int j = 0; j < bits; j++)
        {
            double meanAbs = 0;
            for (int i = 0; i < n; i++)
            {
                meanAbs += Math.Abs(residual[i]);
                if (residual[i] >= 0f)
                {
                    codes[i] |= (byte)(1 << j);
                }
            }

            // The greedy alpha is the start; least squares keeps it if the codes make the system singular.
            alphas[j] = n == 0 ? 0f : (float)(meanAbs / n);
            AlternatingQuantizer.FitAlphas(x, codes, j + 1, alphas.Slice(0, j + 1));
            for (int i = 0; i < n; i++)
            {
                residual[i] = x[i] - AlternatingQuantizer.Value((byte)(codes[i] & ((1 << (j + 1)) - 1)), alphas.Slice(0, j + 1));
            }
        }
    }
}

/// <summary>Alternating multi-bit codes of each input vector, computed at run time (Xu et al. 2018): nothing to calibrate.</summary>
public sealed class AlternatingActivation(int bits, int cycles = MultiBitWeights.DefaultCycles) : IActivationQuantizer
{
    public bool NeedsCalibration => false;

    public ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples) =>
        new ActivationQuantizer { OnlineMultiBinary = new OnlineMultiBinaryActivation { Bits = bits, Cycles = cycles } };
}
