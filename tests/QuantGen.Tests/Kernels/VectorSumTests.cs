using System;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// VectorMath.Sum makes the same additions on every path (IsaPathTests runs this on each), so a kernel's
/// sum(x) term, and with it the output, does not depend on the machine.
/// </summary>
public sealed class VectorSumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(512)]
    [InlineData(1027)]
    public void Sum_is_the_sixteen_lane_tree_bit_for_bit(int n)
    {
        // Magnitudes from 1e-3 to 1e3 of both signs, so a different order of additions rounds differently.
        var random = new Random(n + 7);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4)));
        }

        Assert.Equal(BitConverter.SingleToInt32Bits(SixteenLaneTree(x)), BitConverter.SingleToInt32Bits(VectorMath.Sum(x)));
        Assert.Equal(SumInDouble(x), VectorMath.Sum(x), Math.Max(1e-3, Math.Abs(SumInDouble(x)) * 1e-5));
    }

    /// <summary>The documented order, one addition at a time: lane l adds x[l], x[l + 16], ..., then the tree.</summary>
    private static float SixteenLaneTree(float[] x)
    {
        var lanes = new float[16];
        for (int i = 0; i < x.Length; i++)
        {
            lanes[i % 16] += x[i];
        }

        for (int width = 8; width > 0; width /= 2)
        {
            for (int l = 0; l < width; l++)
            {
                lanes[l] += lanes[l + width];
            }
        }

        return lanes[0];
    }

    private static double SumInDouble(float[] x)
    {
        double s = 0;
        foreach (float v in x)
        {
            s += v;
        }

        return s;
    }
}
