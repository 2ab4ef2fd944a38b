using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// LogQuant activations with the weighted-entropy search of their parameters (Park et al. CVPR 2017,
/// Algorithm 2; official code EunhyeokPark/caffe-WQ, weight_log_quant_relu_layer.cu). With L = 2^k
/// levels, level 0 is zero and level i &gt;= 1 is 2^((fsr + (i - 1) step) / 16); a value takes level i when
/// round((16 log2 x - fsr) / step) = i - 1 (clamped to the top level; below the first level: zero),
/// which is the schema's LogQuant quantizer. The search tries every even step 2..32 and every fsr, and
/// keeps the first pair of largest weighted entropy S = -sum_{i&gt;=1} level_i P_i ln P_i, where P_i is the
/// share of positive calibration values on level i (level value as importance, zero level left out,
/// as the official code does). Counting is exact: the official histogram of floor(16 log2 x) has bins
/// whose edges are the cells' edges (fsr and step/2 are integers). The official scan starts fsr 40 bins
/// above the smallest value and stops when the top cell leaves the data, margins that keep its fixed
/// histogram in range and that leave no candidate at all for narrow data or many levels; this scan covers
/// every fsr whose first cell [fsr - step/2, fsr + step/2) meets the data's bins, a superset.
/// </summary>
public sealed class LogQuantSearch(int bits) : IActivationQuantizer
{
    public const int MinStep = 2;
    public const int MaxStep = 32;

    public bool NeedsCalibration => true;

    public ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples)
    {
        (int fsr, int step, _) = Search(samples, bits) ?? throw new InvalidOperationException($"layer '{layer}': LogQuant needs positive calibration values on its input and saw none.");
        return new ActivationQuantizer { LogQuant = new LogQuantActivation { Bits = bits, Fsr = fsr, Step = step } };
    }

    /// <summary>The (fsr, step) of largest weighted entropy, or null when no sample is positive.</summary>
    public static (int Fsr, int Step, double Entropy)? Search(ReadOnlySpan<float> samples, int bits)
    {
        Histogram? h = Histogram.Of(samples);
        if (h is null)
        {
            return null;
        }

        int levels = 1 << bits;
        (int Fsr, int Step, double Entropy) best = (h.First, MinStep, double.NegativeInfinity);
        for (int step = MinStep; step <= MaxStep; step += 2)
        {
            int halfStep = step / 2;
            for (int fsr = h.First - halfStep + 1; fsr <= h.Last + halfStep; fsr++)
            {
                double s = WeightedEntropy(h, levels, fsr, step);
                if (s > best.Entropy)
                {
                    best = (fsr, step, s);
                }
            }
        }

        return best;
    }

    /// <summary>S for one (fsr, step) on the samples' positive values (for tests and reports).</summary>
    public static double WeightedEntropy(ReadOnlySpan<float> samples, int bits, int fsr, int step)
    {
        Histogram? h = Histogram.Of(samples);
        return h is null ? 0 : WeightedEntropy(h, 1 << bits, fsr, step);
    }

    private static double WeightedEntropy(Histogram h, int levels, int fsr, int step)
    {
        int halfStep = step / 2;
        double s = 0;
        for (int i = 1; i < levels; i++)
        {
            // Level i's cell in units of 1/16 octave: [fsr + (i - 1) step - step/2, + step), the top one open above.
            int lo = fsr + halfStep * (2 * i - 3);
            long count = i == levels - 1 ? h.CountFrom(lo) : h.Count(lo, lo + step);
            if (count == 0)
            {
                continue;
            }

            double p = (double)count / h.Total;
            s -= Math.Pow(2, (fsr + (i - 1.0) * step) / 16.0) * p * Math.Log(p);
        }

        return s;
    }

    /// <summary>Counts of floor(16 log2 x) over the positive finite samples.</summary>
    private sealed class Histogram
    {
        private readonly long[] _cumulative; // _cumulative[b - First] = count of bins First..b - 1

        private Histogram(int first, long[] cumulative)
        {
            First = first;
            _cumulative = cumulative;
        }

        public int First { get; }
        public int Last => First + _cumulative.Length - 2;
        public long Total => _cumulative[^1];

        public static Histogram? Of(ReadOnlySpan<float> samples)
        {
            var bins = new List<int>();
            foreach (float x in samples)
            {
                if (x > 0f && float.IsFinite(x))
                {
                    bins.Add((int)Math.Floor(16.0 * Math.Log2(x)));
                }
            }

            if (bins.Count == 0)
            {
                return null;
            }

            int first = int.MaxValue, last = int.MinValue;
            foreach (int b in bins)
            {
                first = Math.Min(first, b);
                last = Math.Max(last, b);
            }

            var counts = new long[last - first + 2];
            foreach (int b in bins)
            {
                counts[b - first + 1]++;
            }

            for (int i = 1; i < counts.Length; i++)
            {
                counts[i] += counts[i - 1];
            }

            return new Histogram(first, counts);
        }

        /// <summary>Values with bin in [lo, hi).</summary>
        public long Count(int lo, int hi) => Below(hi) - Below(lo);

        public long CountFrom(int lo) => Total - Below(lo);

        private long Below(int bin) => _cumulative[Math.Clamp(bin - First, 0, _cumulative.Length - 1)];
    }
}
