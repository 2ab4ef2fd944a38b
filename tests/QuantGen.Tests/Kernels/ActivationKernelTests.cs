using System;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>ReLU on every length around the vector widths, in place and not: NaN stays NaN, -0 stays -0, bit for bit the scalar rule.</summary>
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
}
