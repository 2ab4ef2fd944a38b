using System;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// Quantizers of the positive half of a unit Gaussian (HWGQ: Cai et al., "Deep Learning with Low
/// Precision by Half-wave Gaussian Quantization", CVPR 2017; official code zhaoweicai/hwgq, whose
/// prototxts give the centers: "3ne" = 0.538, 1.076, 1.614 and "2n" = 0.453, 1.51). Computed, not
/// copied: Lloyd's algorithm on the density 2 phi(x), x &gt; 0, with thresholds at the midpoints of
/// neighbouring centers and every positive x on some center (0 is left to x &lt;= 0 by the Caffe rule).
/// </summary>
public static class HalfWaveGaussian
{
    private const double Tolerance = 1e-13;
    private const int MaxIterations = 100_000;

    /// <summary>
    /// The step D of <paramref name="count"/> evenly spaced centers D, 2D, ..., count*D minimising the
    /// expected squared error: alternately thresholds t_i = (i + 1/2) D and the least-squares D for
    /// those cells, D = sum_i i E[x; cell i] / sum_i i^2 P(cell i). 1, 3, 7, 15 centers (1..4 bits with the
    /// zero level) give 0.797885, 0.538812, 0.321729, 0.184243.
    /// </summary>
    public static double UniformStep(int count)
    {
        double step = 1.0 / count;
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            double numerator = 0, denominator = 0;
            for (int i = 1; i <= count; i++)
            {
                double lo = i == 1 ? 0 : (i - 0.5) * step;
                double hi = i == count ? double.PositiveInfinity : (i + 0.5) * step;
                numerator += i * FirstMoment(lo, hi);
                denominator += (double)i * i * Mass(lo, hi);
            }

            double next = numerator / denominator;
            if (Math.Abs(next - step) < Tolerance)
            {
                return next;
            }

            step = next;
        }

        return step;
    }

    /// <summary>
    /// Lloyd-Max centers (free spacing): each center the mean of its cell, each threshold the midpoint of
    /// its neighbours, until nothing moves. Two centers give 0.452780 and 1.510418 (HWGQ's "2n").
    /// </summary>
    public static double[] LloydMaxCenters(int count)
    {
        var centers = new double[count];
        for (int i = 0; i < count; i++)
        {
            centers[i] = (i + 1.0) * 2.0 / count;
        }

        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            double moved = 0;
            double lo = 0;
            for (int i = 0; i < count; i++)
            {
                double hi = i == count - 1 ? double.PositiveInfinity : 0.5 * (centers[i] + centers[i + 1]);
                double next = FirstMoment(lo, hi) / Mass(lo, hi);
                moved = Math.Max(moved, Math.Abs(next - centers[i]));
                centers[i] = next;
                lo = hi;
            }

            if (moved < Tolerance)
            {
                break;
            }
        }

        return centers;
    }

    /// <summary>P(lo &lt; x &lt;= hi) under the half-normal 2 phi(x): 2 (Phi(hi) - Phi(lo)).</summary>
    private static double Mass(double lo, double hi) => UpperTail(lo) - UpperTail(hi);

    /// <summary>E[x; lo &lt; x &lt;= hi] under the half-normal: 2 (phi(lo) - phi(hi)).</summary>
    private static double FirstMoment(double lo, double hi) => 2 * (Phi(lo) - Phi(hi));

    private static double Phi(double x) => double.IsPositiveInfinity(x) ? 0 : Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>
    /// P(x &gt; a) for the half-normal, 1 - erf(a / sqrt 2), from the everywhere-convergent series of
    /// positive terms erf(z) = 2/sqrt(pi) e^(-z^2) sum_n 2^n z^(2n+1) / (1*3*...*(2n+1)); no cancellation,
    /// so about 1e-15 absolute, far below the 1e-6 the levels need. Beyond 9 the tail is below 1e-18.
    /// </summary>
    private static double UpperTail(double a)
    {
        if (a > 9 || double.IsPositiveInfinity(a))
        {
            return 0;
        }

        double z = a / Math.Sqrt(2);
        double term = z, sum = z;
        for (int n = 1; n < 1000 && term > 1e-17 * sum; n++)
        {
            term *= 2 * z * z / (2 * n + 1);
            sum += term;
        }

        return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-z * z) * sum;
    }
}
