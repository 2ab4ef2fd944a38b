using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class LogQuantSearchTests
{
    /// <summary>
    /// S computed the plain way: each positive value through the schema's LogQuant rule (the reference
    /// quantizer), counted per level, S = -sum over non-zero levels of level * P * ln P.
    /// </summary>
    private static double BruteForceEntropy(float[] samples, int bits, int fsr, int step)
    {
        var spec = new LogQuantActivation { Bits = bits, Fsr = fsr, Step = step };
        float[] positive = samples.Where(v => v > 0).ToArray();
        return positive.Select(v => ReferenceQuantizers.LogQuant(v, spec)).Where(q => q > 0).GroupBy(q => q)
            .Sum(g => { double p = (double)g.Count() / positive.Length; return -g.Key * p * Math.Log(p); });
    }

    [Fact]
    public void The_search_picks_the_pair_of_largest_weighted_entropy()
    {
        // Four clumps at 16 log2 x = 10.3, 18.3, 26.3, 34.3 (values 1.56 .. 4.43), with counts 40, 30, 20, 10,
        // plus zeros and negatives, which only the zero level takes. No value sits on a cell edge.
        float[] samples = new[] { (10.3, 40), (18.3, 30), (26.3, 20), (34.3, 10) }
            .SelectMany(c => Enumerable.Repeat((float)Math.Pow(2, c.Item1 / 16), c.Item2))
            .Concat(Enumerable.Repeat(0f, 50)).Concat([-1f, -2f]).ToArray();
        foreach (int bits in new[] { 2, 3 })
        {
            var grid = new System.Collections.Generic.Dictionary<(int Fsr, int Step), double>();
            for (int st = 2; st <= 32; st += 2)
            {
                for (int f = -100; f <= 100; f++)
                {
                    grid[(f, st)] = BruteForceEntropy(samples, bits, f, st);
                }
            }

            double max = grid.Values.Max();
            (int fsr, int step, double entropy) = LogQuantSearch.Search(samples, bits)!.Value;

            // The brute force weighs by the float level the quantizer returns, the search by the level in double.
            Assert.Equal(max, entropy, 6);

            // Several pairs can tie (shifting fsr by a whole step below the data relabels nothing that counts):
            // the chosen one must be one of the best.
            Assert.Equal(max, grid[(fsr, step)], 9);
        }
    }

    [Fact]
    public void The_histogram_count_equals_the_quantizer_on_random_data()
    {
        var random = new Random(2);
        float[] samples = Enumerable.Range(0, 3000).Select(_ => (float)Math.Max(0, random.NextDouble() * 6 - 1)).ToArray();
        foreach ((int fsr, int step) in new[] { (-20, 8), (0, 2), (13, 16), (-64, 32) })
        {
            Assert.Equal(BruteForceEntropy(samples, 3, fsr, step), LogQuantSearch.WeightedEntropy(samples, 3, fsr, step), 6);
        }
    }

    [Fact]
    public void Calibration_without_a_positive_value_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new LogQuantSearch(3).Calibrate("fc2", [0f, -1f]));
        Assert.Contains("fc2", e.Message);
    }
}
