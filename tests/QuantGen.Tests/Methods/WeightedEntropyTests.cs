using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class WeightedEntropyTests
{
    private static float[] GaussianWeights(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(0.1 * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()))).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Levels_are_mirrored_and_each_weight_keeps_its_sign(int bits)
    {
        float[] w = GaussianWeights(3000, bits);
        Weights codec = new WeightedEntropyWeights(bits).Quantize(new WeightTensor("fc.weights", w, 30, 100));
        float[] levels = codec.Levels.Levels.ToArray();
        Assert.Equal(1 << bits, levels.Length);
        for (int i = 0; i < levels.Length; i++)
        {
            Assert.Equal(-levels[i], levels[levels.Length - 1 - i]);
        }

        float[] back = DequantizedWeights.Of(codec, 30, 100);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i] >= 0, back[i] > 0);
        }
    }

    [Fact]
    public void One_bit_is_plus_or_minus_the_root_mean_square()
    {
        float[] w = [0.1f, -0.2f, 0.3f, -0.4f];
        Weights codec = new WeightedEntropyWeights(1).Quantize(new WeightTensor("t", w, 1, 4));
        float rms = (float)Math.Sqrt(w.Average(v => (double)v * v));
        Assert.Equal([-rms, rms], codec.Levels.Levels.ToArray());
    }

    [Fact]
    public void The_search_raises_the_weighted_entropy_from_equal_count_clusters()
    {
        float[] w = GaussianWeights(4000, 11);
        int bits = 3;
        WeightedEntropyWeights.Clustering c = WeightedEntropyWeights.Cluster(w, bits);
        Assert.True(c.FinalEntropy > c.InitialEntropy * 1.01, $"{c.InitialEntropy} -> {c.FinalEntropy}");

        // Recount independently from the final boundaries: S = -sum I_i P_i ln(P_i / 2) with importance w^2,
        // and each representative the root mean square of its cluster.
        int half = 1 << (bits - 1);
        int[] cluster = w.Select(v => c.ClusterOf(Math.Abs(v))).ToArray();
        double s = 0;
        for (int i = 0; i < half; i++)
        {
            double[] members = w.Where((_, n) => cluster[n] == i).Select(v => (double)v * v).ToArray();
            Assert.NotEmpty(members);
            double p = (double)members.Length / w.Length;
            s -= p * members.Average() * Math.Log(p / 2);
            Assert.Equal(Math.Sqrt(members.Average()), c.Representatives[i], 5);
        }

        Assert.Equal(c.FinalEntropy, s, 9);

        // Equal-count clusters, as the official initialisation, give the initial value.
        double[] sorted = w.Select(v => (double)v * v).OrderBy(v => v).ToArray();
        double s0 = 0;
        for (int i = 0; i < half; i++)
        {
            double[] members = sorted.Skip(w.Length * i / half).Take(w.Length * (i + 1) / half - w.Length * i / half).ToArray();
            double p = (double)members.Length / w.Length;
            s0 -= p * members.Average() * Math.Log(p / 2);
        }

        Assert.Equal(c.InitialEntropy, s0, 9);
    }

    [Fact]
    public void Small_magnitudes_share_one_big_cluster()
    {
        // The paper's observation: near-zero weights matter little, so the lowest cluster grows beyond an equal share.
        float[] w = GaussianWeights(4000, 12);
        WeightedEntropyWeights.Clustering c = WeightedEntropyWeights.Cluster(w, 3);
        int lowest = w.Count(v => c.ClusterOf(Math.Abs(v)) == 0);
        Assert.True(lowest > w.Length / 4, $"lowest cluster holds {lowest} of {w.Length}");
    }
}
