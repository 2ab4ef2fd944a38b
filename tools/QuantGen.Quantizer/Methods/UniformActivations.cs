using System;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// Uniform k-bit activations over a range calibrated on the layer's input (post-training calibration
/// as in Krishnamoorthi 2018). Symmetric: [0, m] for data that is never negative (after a ReLU), else
/// [-m, m], with m the <see cref="Coverage"/> quantile of |x|. Affine: [min(0, low quantile),
/// max(0, high quantile)], then moved so that 0 is exactly a level (an integer zero point), as PyTorch's
/// and ONNX's affine observers do, and written in ONNX's form (scale and zero point), so the input is
/// quantized as ONNX's QuantizeLinear does it: x / scale rounded half to even, then the zero point added.
/// </summary>
public sealed class UniformActivations(int bits, bool affine) : IActivationQuantizer
{
    /// <summary>The share of calibration values the range must cover; the rest are clipped.
    /// Clipping the top 0.1% keeps one outlier from stretching the grid for everything else.</summary>
    public const double Coverage = 0.999;

    public bool NeedsCalibration => true;

    public ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples)
    {
        float[] sorted = Finite(layer, samples);
        Array.Sort(sorted);
        float lo, hi;
        if (!affine)
        {
            float[] magnitudes = Array.ConvertAll(sorted, Math.Abs);
            Array.Sort(magnitudes);
            float m = Quantile(magnitudes, Coverage);
            (lo, hi) = sorted[0] >= 0f ? (0f, m) : (-m, m);
        }
        else
        {
            lo = Math.Min(0f, Quantile(sorted, 1 - Coverage));
            hi = Math.Max(0f, Quantile(sorted, Coverage));
        }

        if (!(hi > lo))
        {
            // Every value is 0: any range holds it; [0, 1] keeps the grid valid.
            (lo, hi) = (0f, 1f);
        }

        if (affine)
        {
            // ONNX's form: a scale and an integer zero point, x / scale rounded before the zero point is added.
            int n = (1 << bits) - 1;
            float scale = (hi - lo) / n;
            int zeroPoint = (int)MathF.Round(-lo / scale, MidpointRounding.ToEven);
            return new ActivationQuantizer { Uniform = new UniformActivation { Bits = bits, Lo = -zeroPoint * scale, Hi = (n - zeroPoint) * scale, Scale = scale, ZeroPoint = zeroPoint } };
        }

        return new ActivationQuantizer { Uniform = new UniformActivation { Bits = bits, Lo = lo, Hi = hi } };
    }

    internal static float[] Finite(string layer, ReadOnlySpan<float> samples)
    {
        var finite = new System.Collections.Generic.List<float>(samples.Length);
        foreach (float v in samples)
        {
            if (float.IsFinite(v))
            {
                finite.Add(v);
            }
        }

        if (finite.Count == 0)
        {
            throw new InvalidOperationException($"layer '{layer}': no finite calibration values on its input.");
        }

        return finite.ToArray();
    }

    private static float Quantile(float[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Round(q * (sorted.Length - 1)))];
}
