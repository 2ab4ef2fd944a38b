using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// HWGQ binary weights (Cai et al. CVPR 2017; official code zhaoweicai/hwgq, BinaryInnerProduct with
/// use_alpha): per output row alpha = mean|w|, b = +1 where w &gt;= 0, else -1. One bit, MultiBinary.
/// </summary>
public sealed class HwgqWeights : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        var alphas = new float[t.Rows];
        var codes = new byte[t.Values.Length];
        for (int r = 0; r < t.Rows; r++)
        {
            double sum = 0;
            for (int c = 0; c < t.Cols; c++)
            {
                float w = t.Values[r * t.Cols + c];
                sum += Math.Abs(w);
                codes[r * t.Cols + c] = (byte)(w >= 0f ? 1 : 0);
            }

            alphas[r] = (float)(sum / t.Cols);
        }

        return Codecs.MultiBinary(t.Rows, t.Cols, 1, alphas, codes);
    }
}

/// <summary>Which positive centers an <see cref="HwgqActivation"/> uses, all for a unit Gaussian.</summary>
public enum HwgqCenters
{
    /// <summary>2^k - 1 evenly spaced centers i * D, D from Lloyd's algorithm (the official "3ne" at 2 bits).</summary>
    EvenlySpaced,

    /// <summary>2^k - 1 free Lloyd-Max centers.</summary>
    LloydMax,

    /// <summary>
    /// The official code's two-center non-uniform quantizer "2n" (examples/imagenet/alex-hwgq-2n-clip-step-160k:
    /// <c>centers: 0.453 centers: 1.51</c>): three output values 0, 0.453, 1.51, held in 2 bits. The constants are
    /// the prototxt's, not recomputed (Lloyd-Max gives 0.452780 and 1.510418), so a model matches the official one.
    /// </summary>
    Official2n,
}

/// <summary>
/// HWGQ activations: x &lt;= 0 -> 0, positive x -> the nearest of the positive half-wave Gaussian centers
/// (<see cref="HwgqCenters"/>), with the Caffe rule of the official QuantLayer: 0 &lt; x &lt;= t_1 -> q_1.
/// Emitted as thresholds [0, t_1, ...] and levels [0, q_1, ...].
/// Scale: the centers are for a unit Gaussian because HWGQ puts batch normalisation before each
/// quantizer. A float model has no such normalisation, so the centers are multiplied by sigma, the
/// root mean square of the positive calibration values of this input: if the layer's input is
/// max(z, 0) with z ~ N(0, sigma^2), then E[x^2 | x &gt; 0] = sigma^2 exactly, however many values the
/// ReLU zeroes (the mean or the share of zeros would need the Gaussian to be centred as well).
/// </summary>
public sealed class HwgqActivation(int bits, HwgqCenters kind) : IActivationQuantizer
{
    /// <summary>The "2n" centers as the official prototxt writes them.</summary>
    public static IReadOnlyList<double> Official2nCenters { get; } = [0.453, 1.51];

    public HwgqActivation(int bits, bool lloydMax)
        : this(bits, lloydMax ? HwgqCenters.LloydMax : HwgqCenters.EvenlySpaced)
    {
    }

    public bool NeedsCalibration => true;

    public ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples)
    {
        double sumSquares = 0;
        long positives = 0;
        foreach (float x in samples)
        {
            if (x > 0f && float.IsFinite(x))
            {
                sumSquares += (double)x * x;
                positives++;
            }
        }

        if (positives == 0)
        {
            throw new InvalidOperationException($"layer '{layer}': HWGQ needs positive calibration values on its input and saw none.");
        }

        double sigma = Math.Sqrt(sumSquares / positives);
        double[] centers = Centers(bits, kind);
        var t = new ThresholdActivation { Bits = bits };
        t.Thresholds.Add(0f);
        t.Levels.Add(0f);
        for (int i = 0; i < centers.Length; i++)
        {
            t.Levels.Add((float)(centers[i] * sigma));
            if (i + 1 < centers.Length)
            {
                t.Thresholds.Add((float)(0.5 * (centers[i] + centers[i + 1]) * sigma));
            }
        }

        return new ActivationQuantizer { Thresholds = t };
    }

    /// <summary>The 2^k - 1 positive centers for a unit Gaussian: i * D, or Lloyd-Max.</summary>
    public static double[] Centers(int bits, bool lloydMax) => Centers(bits, lloydMax ? HwgqCenters.LloydMax : HwgqCenters.EvenlySpaced);

    /// <summary>The positive centers for a unit Gaussian: 2^k - 1 of them, or the official "2n" pair.</summary>
    public static double[] Centers(int bits, HwgqCenters kind)
    {
        int count = (1 << bits) - 1;
        if (kind == HwgqCenters.Official2n)
        {
            return Official2nCenters.ToArray();
        }

        if (kind == HwgqCenters.LloydMax)
        {
            return HalfWaveGaussian.LloydMaxCenters(count);
        }

        double step = HalfWaveGaussian.UniformStep(count);
        return Enumerable.Range(1, count).Select(i => i * step).ToArray();
    }
}
