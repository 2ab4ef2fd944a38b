using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>Activation quantizers fitted to the values a layer saw on calibration data.</summary>
public static class ActivationCalibration
{
    /// <summary>The share of calibration values the uniform range must cover; the rest are clipped.
    /// Clipping the top 0.1% keeps one outlier from stretching the grid for everything else.</summary>
    public const double Coverage = 0.999;

    /// <summary>k-bit uniform levels over [lo, hi]: lo = 0 for non-negative data (after ReLU), else the
    /// lower quantile; hi the upper <see cref="Coverage"/> quantile.</summary>
    public static ActivationQuantizer Uniform(IReadOnlyList<float> samples, int bits)
    {
        float[] sorted = samples.Where(float.IsFinite).OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No finite calibration values.", nameof(samples));
        }

        float lo = sorted[0] >= 0f ? 0f : Quantile(sorted, 1 - Coverage);
        float hi = Quantile(sorted, Coverage);
        if (!(hi > lo))
        {
            hi = lo + 1f;
        }

        return new ActivationQuantizer { Uniform = new UniformActivation { Bits = bits, Lo = lo, Hi = hi } };
    }

    /// <summary>Alternating multi-bit codes computed per input vector at run time.</summary>
    public static ActivationQuantizer OnlineAlternating(int bits, int cycles = 2) =>
        new ActivationQuantizer { OnlineMultiBinary = new OnlineMultiBinaryActivation { Bits = bits, Cycles = cycles } };

    private static float Quantile(float[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Round(q * (sorted.Length - 1)))];
}
