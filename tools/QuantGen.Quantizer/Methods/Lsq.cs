using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// LSQ weights (Esser et al., "Learned Step Size Quantization", ICLR 2020): v' = clamp(round(v / s), -Q_N, Q_P) * s
/// with signed codes, Q_N = 2^(k-1), Q_P = 2^(k-1) - 1, one step s per tensor. s is the learned step
/// from the side file (key <c>LAYER.weights</c>, see <see cref="LsqSteps"/>) or else the paper's
/// initialisation 2 mean|v| / sqrt(Q_P). Rounding half to even. Uniform codec with scale s.
/// </summary>
public sealed class LsqWeights(int bits, IReadOnlyDictionary<string, float>? steps) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        int qn = 1 << (bits - 1), qp = (1 << (bits - 1)) - 1;
        float s = steps is not null && steps.TryGetValue(t.Name, out float learned) ? learned : InitialStep(t.Values, qp);
        var codes = new int[t.Values.Length];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = (int)Math.Clamp(MathF.Round(t.Values[i] / s, MidpointRounding.ToEven), -qn, qp);
        }

        return Codecs.Uniform(bits, signed: true, [s], default, codes);
    }

    /// <summary>2 mean|v| / sqrt(Q_P); 1 for an all-zero tensor (any step codes it as zeros).</summary>
    public static float InitialStep(ReadOnlySpan<float> v, int qp)
    {
        double sum = 0;
        long count = 0;
        foreach (float x in v)
        {
            if (float.IsFinite(x))
            {
                sum += Math.Abs(x);
                count++;
            }
        }

        float s = count == 0 ? 0f : (float)(2 * sum / count / Math.Sqrt(qp));
        return s > 0f ? s : 1f;
    }
}

/// <summary>
/// LSQ activations: unsigned (Q_N = 0, Q_P = 2^k - 1) when the calibration data is never negative, as
/// after a ReLU, else signed (Q_N = 2^(k-1), Q_P = 2^(k-1) - 1); the step is the learned one (side-file
/// key <c>LAYER.input</c>) or 2 mean|x| / sqrt(Q_P) over the calibration values. Emitted as the schema's
/// Uniform quantizer over [-Q_N s, Q_P s], whose levels are exactly the multiples of s. With a learned
/// step and no calibration data the input is taken as unsigned.
/// </summary>
public sealed class LsqActivation(int bits, float? learnedStep) : IActivationQuantizer
{
    public bool NeedsCalibration => learnedStep is null;

    public bool UsesCalibration => true;

    public ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples)
    {
        float[] values = learnedStep is not null && samples.IsEmpty ? [] : UniformActivations.Finite(layer, samples);
        bool signed = false;
        foreach (float v in values)
        {
            signed |= v < 0f;
        }

        int qn = signed ? 1 << (bits - 1) : 0;
        int qp = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        if (qp == 0)
        {
            throw new InvalidOperationException($"layer '{layer}': LSQ on an input with negative values needs at least 2 bits.");
        }

        float s = learnedStep ?? LsqWeights.InitialStep(values, qp);
        return new ActivationQuantizer { Uniform = new UniformActivation { Bits = bits, Lo = -qn * s, Hi = qp * s } };
    }
}
