using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Methods;

/// <summary>
/// The split-search weight coder: never worse than the paper's two alternating cycles, the least squared error at
/// 2 bits (checked against every cut of the sorted magnitudes scored by the runtime's own least squares), and much
/// closer to it at 3 bits.
/// </summary>
public sealed class MultiBitSplitSearchTests
{
    [Fact]
    public void At_two_bits_it_finds_the_least_squared_error()
    {
        var random = new Random(8);
        for (int row = 0; row < 12; row++)
        {
            float[] x = Enumerable.Range(0, 60 + row).Select(_ => (float)Gaussian(random)).ToArray();
            var alphas = new float[2];
            var codes = new byte[x.Length];
            MultiBitSplitSearch.Code(x, 2, alphas, codes);
            double found = AlternatingQuantizer.SquaredError(x, codes, alphas);
            Assert.True(found <= BestTwoBitError(x) * (1 + 1e-6), $"row {row}: {found} vs {BestTwoBitError(x)}");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void It_is_never_worse_than_two_alternating_cycles_and_better_on_average(int bits)
    {
        var random = new Random(bits);
        double alternatingTotal = 0, searchTotal = 0;
        for (int row = 0; row < 10; row++)
        {
            float[] x = Enumerable.Range(0, 256 + 7 * row).Select(_ => (float)Gaussian(random)).ToArray();
            var alphas = new float[bits];
            var codes = new byte[x.Length];
            AlternatingQuantizer.QuantizePortable(x, bits, 2, alphas, new float[x.Length], codes);
            double alternating = AlternatingQuantizer.SquaredError(x, codes, alphas);
            MultiBitSplitSearch.Code(x, bits, alphas, codes);
            double search = AlternatingQuantizer.SquaredError(x, codes, alphas);
            Assert.True(search <= alternating, $"bits {bits}, row {row}: {search} > {alternating}");
            // The codes are the nearest sums of the alphas written (what the reconstruction will be).
            Assert.All(Enumerable.Range(0, x.Length), i => Assert.True(codes[i] < 1 << bits));
            alternatingTotal += alternating;
            searchTotal += search;
        }

        Assert.True(searchTotal < 0.99 * alternatingTotal, $"bits {bits}: search {searchTotal} vs alternating {alternatingTotal}");
    }

    /// <summary>Every cut of the sorted |x| into a lower group (code +alpha_1 -alpha_2) and an upper one (+alpha_1 +alpha_2), negatives complemented, with the runtime's least-squares alphas.</summary>
    private static double BestTwoBitError(float[] x)
    {
        int[] order = Enumerable.Range(0, x.Length).OrderBy(i => Math.Abs(x[i])).ToArray();
        double best = double.PositiveInfinity;
        for (int cut = 0; cut <= x.Length; cut++)
        {
            var codes = new byte[x.Length];
            for (int s = 0; s < x.Length; s++)
            {
                int i = order[s];
                byte pattern = (byte)(s < cut ? 0b01 : 0b11);
                codes[i] = x[i] >= 0 ? pattern : (byte)(~pattern & 0b11);
            }

            var alphas = new float[] { 1f, 0.5f };
            AlternatingQuantizer.FitAlphas(x, codes, 2, alphas);
            best = Math.Min(best, AlternatingQuantizer.SquaredError(x, codes, alphas));
        }

        return best;
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
