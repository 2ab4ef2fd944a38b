using System;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// ReLU on every length around the vector widths, in place and not: NaN stays NaN, -0 stays -0, bit for bit the scalar
/// rule. Sigmoid, tanh and softmax (vector lanes, a padded last vector) close to the reference's double formulas, in
/// place or not, and each element independent of the span's length and its place in it.
/// </summary>
public sealed class ActivationKernelTests
{
    [Fact]
    public void Relu_keeps_nan_and_negative_zero_on_every_length_in_place_or_not()
    {
        var random = new Random(3);
        for (int n = 1; n <= 70; n++)
        {
            float[] x = TestModels.RandomFloats(random, n, -2f, 2f);
            float[] special = [float.NaN, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, -1e-40f];
            for (int i = 0; i < n; i += 5)
            {
                x[i] = special[(i / 5) % special.Length];
            }

            var y = new float[n];
            Activations.Relu(x, y);
            float[] inPlace = (float[])x.Clone();
            Activations.Relu(inPlace, inPlace);
            for (int i = 0; i < n; i++)
            {
                int expected = BitConverter.SingleToInt32Bits(x[i] < 0f ? 0f : x[i]);
                Assert.Equal(expected, BitConverter.SingleToInt32Bits(y[i]));
                Assert.Equal(expected, BitConverter.SingleToInt32Bits(inPlace[i]));
            }
        }
    }

    [Fact]
    public void Sigmoid_tanh_and_softmax_match_the_double_formulas_on_every_length_in_place_or_not()
    {
        var random = new Random(4);
        for (int n = 1; n <= 70; n++)
        {
            float[] x = TestModels.RandomFloats(random, n, -12f, 12f);
            float[] sigmoid = new float[n], tanh = new float[n], softmax = new float[n];
            Activations.Sigmoid(x, sigmoid);
            Activations.Tanh(x, tanh);
            Activations.Softmax(x, softmax);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in x)
            {
                max = Math.Max(max, v);
            }

            foreach (float v in x)
            {
                sum += Math.Exp(v - max);
            }

            for (int i = 0; i < n; i++)
            {
                AssertNear(1.0 / (1.0 + Math.Exp(-x[i])), sigmoid[i], $"sigmoid({x[i]:R}), length {n}");
                AssertNear(Math.Tanh(x[i]), tanh[i], $"tanh({x[i]:R}), length {n}");
                // x - max rounds in float before the exp (|x - max| up to 24 here): 1e-5 relative.
                AssertNear(Math.Exp(x[i] - max) / sum, softmax[i], $"softmax element {i}, length {n}", 1e-5);

                // The same value alone (a one-element span: the padded vector) gives the same bits.
                float[] one = new float[1];
                Activations.Tanh(x.AsSpan(i, 1), one);
                Assert.Equal(BitConverter.SingleToInt32Bits(tanh[i]), BitConverter.SingleToInt32Bits(one[0]));
                Activations.Sigmoid(x.AsSpan(i, 1), one);
                Assert.Equal(BitConverter.SingleToInt32Bits(sigmoid[i]), BitConverter.SingleToInt32Bits(one[0]));
            }

            float[] inPlace = (float[])x.Clone();
            Activations.Tanh(inPlace, inPlace);
            Assert.Equal(tanh, inPlace);
            inPlace = (float[])x.Clone();
            Activations.Softmax(inPlace, inPlace);
            Assert.Equal(softmax, inPlace);
        }
    }

    [Fact]
    public void Sigmoid_tanh_and_softmax_keep_nan_and_the_limits()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 100f, -100f];
        float[] s = new float[x.Length], t = new float[x.Length];
        Activations.Sigmoid(x, s);
        Activations.Tanh(x, t);
        Assert.True(float.IsNaN(s[0]) && float.IsNaN(t[0]));
        Assert.Equal([1f, 0f, 0.5f, 1f], s[1..5]);
        Assert.Equal([1f, -1f], t[1..3]);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(t[3]));
        float[] softmax = new float[3];
        Activations.Softmax([1000f, 1000f, -1000f], softmax);
        Assert.Equal([0.5f, 0.5f, 0f], softmax);
    }

    /// <summary>Within <paramref name="relative"/> (1e-6: a few float ulps) plus 1e-30 absolute.</summary>
    private static void AssertNear(double expected, float actual, string what, double relative = 1e-6) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected) + 1e-30, $"{what}: {actual:R}, double {expected:R}");
}
