using System;
using System.Linq;
using Xunit;

namespace QuantGen.Tests.Api;

/// <summary>ArgMax, Softmax and TopK against obvious references, with ties, NaN and the edges.</summary>
public sealed class ScoresTests
{
    [Fact]
    public void ArgMax_is_the_first_index_of_the_largest_value()
    {
        Assert.Equal(2, Scores.ArgMax([0.1f, -3f, 7f, 6.9f]));
        Assert.Equal(0, Scores.ArgMax([-1f]));
        Assert.Equal(1, Scores.ArgMax([1f, 5f, 5f, 5f]));
        Assert.Equal(0, Scores.ArgMax([0f, -0f]));
        Assert.Equal(1, Scores.ArgMax([float.NegativeInfinity, float.PositiveInfinity, 3f]));
    }

    [Fact]
    public void ArgMax_gives_the_first_NaN_as_NumPy_and_PyTorch_do()
    {
        Assert.Equal(1, Scores.ArgMax([1f, float.NaN, 9f, float.NaN]));
        Assert.Equal(0, Scores.ArgMax([float.NaN, float.PositiveInfinity]));
    }

    [Fact]
    public void ArgMax_of_nothing_is_an_error_that_says_so()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Scores.ArgMax([]));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Softmax_matches_the_textbook_formula_in_double_and_does_not_overflow()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 50; trial++)
        {
            float[] logits = Enumerable.Range(0, 1 + random.Next(40)).Select(_ => (float)(random.NextDouble() * 40 - 20)).ToArray();
            double[] exp = logits.Select(x => Math.Exp(x)).ToArray();
            float[] actual = Scores.Softmax(logits);
            for (int i = 0; i < logits.Length; i++)
            {
                Assert.Equal(exp[i] / exp.Sum(), actual[i], 1e-6);
            }

            Assert.Equal(1.0, actual.Sum(p => (double)p), 1e-5);
        }

        // exp(1000) overflows float and double; subtracting the largest first does not.
        float[] large = Scores.Softmax([1000f, 1000f, 999f]);
        Assert.Equal(1 / (2 + Math.Exp(-1)), large[0], 1e-6);
        Assert.Equal(large[0], large[1]);
    }

    [Fact]
    public void Softmax_works_in_place_and_refuses_shifted_overlap_and_wrong_lengths()
    {
        float[] values = [1f, 2f, 3f];
        float[] expected = Scores.Softmax(values);
        Scores.Softmax(values, values);
        Assert.Equal(expected, values);

        float[] buffer = [1f, 2f, 3f, 4f];
        Assert.Throws<ArgumentException>(() => Scores.Softmax(buffer.AsSpan(0, 3), buffer.AsSpan(1, 3)));
        Assert.Throws<ArgumentException>(() => Scores.Softmax([1f, 2f], new float[3]));
    }

    [Fact]
    public void Softmax_edges_behave_as_documented()
    {
        Assert.Equal([0.5f, 0.5f, 0f], Scores.Softmax([2f, 2f, float.NegativeInfinity]));
        Assert.All(Scores.Softmax([1f, float.NaN]), p => Assert.True(float.IsNaN(p)));
        Assert.All(Scores.Softmax([1f, float.PositiveInfinity]), p => Assert.True(float.IsNaN(p)));
        Assert.All(Scores.Softmax([float.NegativeInfinity, float.NegativeInfinity]), p => Assert.True(float.IsNaN(p)));
        Assert.Empty(Scores.Softmax([]));
    }

    [Fact]
    public void TopK_agrees_with_sorting_everything_for_every_k_with_ties_and_NaN()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = 1 + random.Next(30);
            // Few distinct values, so that ties are common; now and then a NaN, an infinity or a -0.
            float[] scores = Enumerable.Range(0, n).Select(_ => random.Next(12) switch
            {
                0 => float.NaN,
                1 => float.NegativeInfinity,
                2 => -0f,
                _ => random.Next(-4, 5) * 0.5f,
            }).ToArray();
            int[] order = Enumerable.Range(0, n)
                .OrderByDescending(i => float.IsNaN(scores[i]))
                .ThenByDescending(i => float.IsNaN(scores[i]) ? 0f : scores[i])
                .ThenBy(i => i)
                .ToArray();
            for (int k = 0; k <= n; k++)
            {
                var indices = new int[k];
                var values = new float[k];
                Scores.TopK(scores, indices, values);
                Assert.Equal(order.Take(k), indices);
                Assert.Equal(order.Take(k).Select(i => scores[i]), values);
                Assert.Equal(order.Take(k).Select(i => (i, scores[i])), Scores.TopK(scores, k));
            }

            Assert.Equal(Scores.ArgMax(scores), Scores.TopK(scores, 1)[0].Index);
        }
    }

    [Fact]
    public void TopK_allocates_nothing()
    {
        float[] scores = Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i)).ToArray();
        var indices = new int[10];
        var values = new float[10];
        Scores.TopK(scores, indices, values);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Scores.TopK(scores, indices, values);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TopK_refuses_a_k_it_cannot_give_and_spans_of_different_lengths()
    {
        Assert.Throws<ArgumentException>(() => Scores.TopK([1f, 2f], new int[3], new float[3]));
        Assert.Throws<ArgumentException>(() => Scores.TopK([1f, 2f], new int[2], new float[1]));
        Assert.Throws<ArgumentException>(() => Scores.TopK([1f, 2f], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Scores.TopK([1f, 2f], -1));
    }
}
