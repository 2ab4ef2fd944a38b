using System;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// DoReFa-Net (Zhou et al., arXiv 1606.06160; official code tensorpack/examples/DoReFa-Net/dorefa.py).
/// Q_k(x) = round((2^k - 1) x) / (2^k - 1), rounding half to even as tf.round does.
/// Weights k &gt;= 2: x = tanh(w) / max|tanh w| * 0.5 + 0.5, w_q = 2 Q_k(x) - 1, i.e. the 2^k levels
/// 2j / (2^k - 1) - 1 of [-1, 1]; their zero point would be the half-integer (2^k - 1) / 2, so they go in
/// the Levels codec. k = 1: w_q = sign(w) * E with E = mean|w| over the tensor (MultiBinary, one bit;
/// w = 0 counts as +1 where tf.sign gives 0). The weights land in [-1, 1] whatever the float model's
/// scale: the method is meant for networks trained with it.
/// </summary>
public sealed class DoReFaWeights(int bits) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        if (bits == 1)
        {
            double sum = 0;
            foreach (float v in t.Values)
            {
                sum += Math.Abs(v);
            }

            float e = t.Values.Length == 0 ? 0f : (float)(sum / t.Values.Length);
            var coefficients = new float[t.Rows];
            Array.Fill(coefficients, e);
            return Codecs.MultiBinary(t.Rows, t.Cols, 1, coefficients, Array.ConvertAll(t.Values, v => (byte)(v >= 0f ? 1 : 0)));
        }

        int n = (1 << bits) - 1;
        var levels = new float[n + 1];
        for (int j = 0; j <= n; j++)
        {
            levels[j] = 2f * j / n - 1f;
        }

        return Codecs.Levels(bits, levels, Indices(t.Values, bits));
    }

    /// <summary>The level index j of each weight: w_q = 2 j / (2^k - 1) - 1.</summary>
    public static int[] Indices(ReadOnlySpan<float> w, int bits)
    {
        int n = (1 << bits) - 1;
        float maxTanh = 0f;
        foreach (float v in w)
        {
            maxTanh = Math.Max(maxTanh, Math.Abs(MathF.Tanh(v)));
        }

        var indices = new int[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            // An all-zero tensor has max|tanh w| = 0: x = 0.5 for every weight, as the limit.
            float x = maxTanh > 0f ? MathF.Tanh(w[i]) / maxTanh * 0.5f + 0.5f : 0.5f;
            indices[i] = (int)MathF.Round(x * n, MidpointRounding.ToEven);
        }

        return indices;
    }

    /// <summary>DoReFa's Q_k(x) = round((2^k - 1) x) / (2^k - 1).</summary>
    public static float Q(float x, int bits)
    {
        float n = (1 << bits) - 1;
        return MathF.Round(x * n, MidpointRounding.ToEven) / n;
    }
}

/// <summary>DoReFa activations: Q_k(clip(x, 0, 1)), exactly the schema's Uniform quantizer over [0, 1]. Fixed: no calibration.</summary>
public sealed class DoReFaActivation(int bits) : IActivationQuantizer
{
    public bool NeedsCalibration => false;

    public ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples) =>
        new ActivationQuantizer { Uniform = new UniformActivation { Bits = bits, Lo = 0f, Hi = 1f } };
}

/// <summary>
/// The bit-RNN weight quantizer (He et al., "Effective Quantization Methods for Recurrent Neural
/// Networks", arXiv 1611.10176; official code hqqasw/bit-rnn): s = 2.5 * mean|tanh W| over the tensor,
/// W_q = (Q_k(clip(tanh(W) / s, -1/2, 1/2) + 1/2) - 1/2) * s: the 2^k levels (j / (2^k - 1) - 1/2) * s
/// in the Levels codec. Meant for LSTM/GRU weights; it applies to any weight tensor.
/// </summary>
public sealed class BitRnnWeights(int bits) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        int n = (1 << bits) - 1;
        double sum = 0;
        foreach (float v in t.Values)
        {
            sum += Math.Abs(Math.Tanh(v));
        }

        float s = (float)(2.5 * sum / Math.Max(1, t.Values.Length));
        if (!(s > 0f))
        {
            s = 1f; // all-zero tensor: every weight is the level nearest 0 whatever s is
        }

        var levels = new float[n + 1];
        for (int j = 0; j <= n; j++)
        {
            levels[j] = ((float)j / n - 0.5f) * s;
        }

        var indices = new int[t.Values.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            float x = Math.Clamp(MathF.Tanh(t.Values[i]) / s, -0.5f, 0.5f) + 0.5f;
            indices[i] = (int)MathF.Round(x * n, MidpointRounding.ToEven);
        }

        return Codecs.Levels(bits, levels, indices);
    }
}
