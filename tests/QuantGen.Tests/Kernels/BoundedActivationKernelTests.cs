using System;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// Clip, LeakyRelu and Add on every length around the vector widths, in place and not, bit for bit the scalar
/// rule (NaN stays NaN, infinities clip); and the average pools against a plain sum. IsaPathTests runs these
/// on every instruction-set path.
/// </summary>
public sealed class BoundedActivationKernelTests
{
    private static readonly float[] Special = [float.NaN, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, -1e-40f, 7f, -7f];

    [Fact]
    public void Clip_leaky_relu_and_add_match_the_scalar_rule_on_every_length_in_place_or_not()
    {
        var random = new Random(5);
        for (int n = 0; n <= 70; n++)
        {
            float[] x = Input(random, n), other = Input(random, n);
            Check(x, v => v < -0.5f ? -0.5f : v > 6f ? 6f : v, (a, y) => Activations.Clip(a, y, -0.5f, 6f));
            Check(x, v => v < float.NegativeInfinity ? float.NegativeInfinity : v > 0.25f ? 0.25f : v, (a, y) => Activations.Clip(a, y, float.NegativeInfinity, 0.25f));
            Check(x, v => v < 0f ? 0.1f * v : v, (a, y) => Activations.LeakyRelu(a, y, 0.1f));
            Check(x, v => v < 0f ? -2f * v : v, (a, y) => Activations.LeakyRelu(a, y, -2f));

            var sum = new float[n];
            Activations.Add(x, other, sum);
            float[] inPlace = (float[])x.Clone();
            Activations.Add(inPlace, other, inPlace);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(x[i] + other[i]), BitConverter.SingleToInt32Bits(sum[i]));
                Assert.Equal(BitConverter.SingleToInt32Bits(x[i] + other[i]), BitConverter.SingleToInt32Bits(inPlace[i]));
            }
        }
    }

    [Theory]
    [InlineData(3, 7, 6, 3, 2, 1, true)]
    [InlineData(3, 7, 6, 3, 2, 1, false)]
    [InlineData(2, 5, 9, 2, 1, 0, false)]
    public void Average_pools_match_a_plain_sum(int channels, int height, int width, int kernel, int stride, int padding, bool countIncludePad)
    {
        var random = new Random(7);
        float[] x = TestModels.RandomFloats(random, channels * height * width, -2f, 2f);
        var w = new Window(channels, height, width, kernel, kernel, stride, stride, padding, padding);
        var y = new float[channels * w.OutHeight * w.OutWidth];
        AveragePooling.AvgPool(x, y, w, countIncludePad);
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < w.OutHeight; oy++)
            {
                for (int ox = 0; ox < w.OutWidth; ox++)
                {
                    double s = 0;
                    int inside = 0;
                    for (int ky = 0; ky < kernel; ky++)
                    {
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                            if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                            {
                                s += x[(c * height + iy) * width + ix];
                                inside++;
                            }
                        }
                    }

                    double expected = s / (countIncludePad ? kernel * kernel : inside);
                    Assert.Equal(expected, y[(c * w.OutHeight + oy) * w.OutWidth + ox], 5);
                }
            }
        }

        var means = new float[channels];
        AveragePooling.GlobalAvgPool(x, means, channels, height * width);
        for (int c = 0; c < channels; c++)
        {
            double s = 0;
            for (int i = 0; i < height * width; i++)
            {
                s += x[c * height * width + i];
            }

            Assert.Equal(s / (height * width), means[c], 5);
        }
    }

    private static float[] Input(Random random, int n)
    {
        float[] x = TestModels.RandomFloats(random, n, -3f, 3f);
        for (int i = 0; i < n; i += 5)
        {
            x[i] = Special[(i / 5) % Special.Length];
        }

        return x;
    }

    /// <summary>The kernel on x into a new array and in place, each element bit for bit <paramref name="rule"/>.</summary>
    private static void Check(float[] x, Func<float, float> rule, Action<float[], float[]> kernel)
    {
        var y = new float[x.Length];
        kernel(x, y);
        float[] inPlace = (float[])x.Clone();
        kernel(inPlace, inPlace);
        for (int i = 0; i < x.Length; i++)
        {
            int expected = BitConverter.SingleToInt32Bits(rule(x[i]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(y[i]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(inPlace[i]));
        }
    }
}
