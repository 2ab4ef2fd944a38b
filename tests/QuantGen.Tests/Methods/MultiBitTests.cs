using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using Xunit;
using Xunit.Abstractions;

namespace QuantGen.Tests.Methods;

/// <summary>
/// Greedy, refined and alternating multi-bit codes against exhaustive searches. What the paper's
/// alternating minimisation guarantees, and what it does not, is spelled out test by test.
/// </summary>
public sealed class MultiBitTests(ITestOutputHelper output)
{
    /// <summary>
    /// The global optimum of 2-bit codes for x, over all codes AND coefficients, by brute force: every one
    /// of the 4^n code assignments with its own least-squares coefficients (for fixed codes the error is a
    /// convex quadratic in the coefficients, so least squares is its minimum; a singular system, b_2 = +-b_1
    /// everywhere, is one coefficient).
    /// </summary>
    private static double BruteForceTwoBit(float[] x)
    {
        int n = x.Length;
        double best = double.MaxValue;
        for (long assignment = 0; assignment < 1L << (2 * n); assignment++)
        {
            double g12 = 0, r1 = 0, r2 = 0;
            for (int i = 0; i < n; i++)
            {
                int s1 = (assignment >> (2 * i) & 1) != 0 ? 1 : -1, s2 = (assignment >> (2 * i + 1) & 1) != 0 ? 1 : -1;
                g12 += s1 * s2;
                r1 += s1 * x[i];
                r2 += s2 * x[i];
            }

            double det = (double)n * n - g12 * g12;
            double a1, a2;
            if (Math.Abs(det) < 0.5)
            {
                (a1, a2) = (r1 / n, 0);
            }
            else
            {
                a1 = (n * r1 - g12 * r2) / det;
                a2 = (n * r2 - g12 * r1) / det;
            }

            double error = 0;
            for (int i = 0; i < n; i++)
            {
                int s1 = (assignment >> (2 * i) & 1) != 0 ? 1 : -1, s2 = (assignment >> (2 * i + 1) & 1) != 0 ? 1 : -1;
                double d = x[i] - s1 * a1 - s2 * a2;
                error += d * d;
            }

            best = Math.Min(best, error);
        }

        return best;
    }

    /// <summary>
    /// The same optimum in O(n log n): 2-bit codes stand for the symmetric levels {+-c, +-d}, so the best
    /// code is a 2-means clustering of |x|, whose optimal clusters are contiguous in sorted order.
    /// </summary>
    private static double SortedSplitTwoBit(float[] x)
    {
        double[] m = x.Select(v => (double)Math.Abs(v)).OrderBy(v => v).ToArray();
        double best = double.MaxValue;
        for (int split = 0; split <= m.Length; split++)
        {
            double SumSquares(double[] part) => part.Length == 0 ? 0 : part.Sum(v => (v - part.Average()) * (v - part.Average()));
            best = Math.Min(best, SumSquares(m[..split]) + SumSquares(m[split..]));
        }

        return best;
    }

    private static float[] RandomVector(Random random, int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();

    private static double Error(float[] x, MultiBitSearch search, int bits, int cycles = MultiBitWeights.DefaultCycles)
    {
        Weights w = new MultiBitWeights(bits, search, cycles).Quantize(new WeightTensor("t", x, 1, x.Length));
        float[] back = DequantizedWeights.Of(w, 1, x.Length);
        return x.Zip(back, (a, b) => (double)(a - b) * (a - b)).Sum();
    }

    [Fact]
    public void The_sorted_split_is_the_exhaustive_two_bit_optimum_over_codes_and_coefficients()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 40; trial++)
        {
            float[] x = RandomVector(random, 2 + trial % 6);
            Assert.Equal(BruteForceTwoBit(x), SortedSplitTwoBit(x), 9);
        }
    }

    [Fact]
    public void Alternating_two_bit_codes_against_the_exhaustive_optimum()
    {
        // What is proven here, on 300 random vectors of 3 to 7 values:
        // (1) no method goes below the exhaustive optimum (a check on the oracle and on the codec round trip);
        // (2) alternating (greedy start + 2 cycles, the paper's algorithm) is never worse than greedy;
        // (3) it is NOT always the global optimum: alternating minimisation is a Lloyd-type descent and
        //     can stop in a local minimum. The pinned 5-value vector below stays at 0.3562 where the optimum
        //     is 0.2126, and 50 cycles do not help: it is a fixed point. The paper claims no more
        //     (greedy start and two cycles "are sufficient" in practice); the runtime's online codes and
        //     these weights follow it. The share that reaches the optimum is printed, not asserted.
        var random = new Random(21);
        int optimal = 0, trials = 300;
        for (int trial = 0; trial < trials; trial++)
        {
            float[] x = RandomVector(random, 3 + trial % 5);
            double best = SortedSplitTwoBit(x);
            double alternating = Error(x, MultiBitSearch.Alternating, 2);
            double greedy = Error(x, MultiBitSearch.Greedy, 2);
            double refined = Error(x, MultiBitSearch.Refined, 2);
            Assert.True(alternating >= best - 1e-6 && greedy >= best - 1e-6 && refined >= best - 1e-6);
            Assert.True(alternating <= greedy * (1 + 1e-6) + 1e-9, $"trial {trial}: alternating {alternating} above greedy {greedy}");
            optimal += alternating <= best + 1e-6 ? 1 : 0;
        }

        output.WriteLine($"alternating (2 cycles) reached the exhaustive 2-bit optimum on {optimal} of {trials} vectors");

        float[] pinned = [-0.47f, -0.13f, 1.46f, 0.7f, -0.18f];
        double optimum = SortedSplitTwoBit(pinned);
        Assert.Equal(BruteForceTwoBit(pinned), optimum, 9);
        double stuck = Error(pinned, MultiBitSearch.Alternating, 2);
        double converged = Error(pinned, MultiBitSearch.Alternating, 2, cycles: 50);
        output.WriteLine($"pinned vector: alternating {stuck:F4}, after 50 cycles {converged:F4}, optimum {optimum:F4}");
        Assert.True(stuck > optimum + 0.1 && converged > optimum + 0.1, $"alternating {converged} reached the optimum {optimum}: update the doc of this test");
    }

    [Fact]
    public void Refined_coefficients_are_the_least_squares_ones_for_their_codes()
    {
        var random = new Random(8);
        for (int bits = 1; bits <= 4; bits++)
        {
            float[] x = RandomVector(random, 50);
            var alphas = new float[bits];
            var codes = new byte[x.Length];
            MultiBitWeights.Refined(x, bits, alphas, codes);
            double error = AlternatingQuantizer.SquaredError(x, codes, alphas);

            // Any nudge of any coefficient raises the error: the least-squares minimum for these codes.
            for (int j = 0; j < bits; j++)
            {
                foreach (float delta in new[] { -1e-3f, 1e-3f })
                {
                    float[] nudged = (float[])alphas.Clone();
                    nudged[j] += delta;
                    Assert.True(AlternatingQuantizer.SquaredError(x, codes, nudged) >= error - 1e-9, $"bits {bits}, alpha {j}");
                }
            }

            Assert.True(error <= Error(x, MultiBitSearch.Greedy, 1) + 1e-6);
        }
    }

    [Fact]
    public void Weights_are_coded_row_by_row_and_each_cycle_never_raises_the_error()
    {
        var random = new Random(3);
        float[] w = RandomVector(random, 4 * 40);
        for (int bits = 1; bits <= 3; bits++)
        {
            double previous = double.MaxValue;
            for (int cycles = 0; cycles <= 5; cycles++)
            {
                Weights codec = new MultiBitWeights(bits, MultiBitSearch.Alternating, cycles).Quantize(new WeightTensor("t", w, 4, 40));
                Assert.Equal(4 * bits, codec.MultiBinary.Coefficients.Count);
                float[] back = DequantizedWeights.Of(codec, 4, 40);
                double error = w.Zip(back, (a, b) => (double)(a - b) * (a - b)).Sum();
                Assert.True(error <= previous * (1 + 1e-6), $"bits {bits}: cycle {cycles} raised the error from {previous} to {error}");
                previous = error;
            }

            // Row r's reconstruction is the runtime's alternating quantizer on that row alone.
            Weights two = new MultiBitWeights(bits, MultiBitSearch.Alternating).Quantize(new WeightTensor("t", w, 4, 40));
            float[] decoded = DequantizedWeights.Of(two, 4, 40);
            var alphas = new float[bits];
            var row = new float[40];
            AlternatingQuantizer.QuantizePortable(w.AsSpan(80, 40), bits, 2, alphas, row, default);
            Assert.Equal(row, decoded.AsSpan(80, 40).ToArray());
        }
    }

    [Fact]
    public void Online_activations_name_the_bits_and_two_cycles()
    {
        ActivationQuantizer q = new AlternatingActivation(3).Calibrate("fc2", []);
        Assert.Equal(3, q.OnlineMultiBinary.Bits);
        Assert.Equal(2, q.OnlineMultiBinary.Cycles);
    }
}
