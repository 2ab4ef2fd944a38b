using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The max pool kernel (row maxima vectorised along x, then each window's columns) against the definition,
/// one window element at a time: widths below and past each vector width, kernels 2 and 3, strides 1 to 3,
/// paddings 0 and 1, NaN inside some windows, and -0 next to +0.
/// </summary>
public sealed class MaxPoolKernelTests
{
    public static IEnumerable<object[]> Windows() =>
        from width in new[] { 2, 5, 8, 17, 33 }
        from kernel in new[] { 2, 3 }
        from stride in new[] { 1, 2, 3 }
        from padding in new[] { 0, 1 }
        where 2 * padding <= kernel && width + 2 * padding >= kernel
        select new object[] { width, kernel, stride, padding };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Max_pool_matches_the_definition(int width, int kernel, int stride, int padding)
    {
        var random = new Random((width * 97) + (kernel * 13) + (stride * 5) + padding);
        var w = new Window(3, 7, width, kernel, kernel, stride, stride, padding, padding);
        float[] x = TestModels.RandomFloats(random, w.Channels * w.Height * w.Width, -2f, 2f);
        x[random.Next(x.Length)] = float.NaN;
        x[random.Next(x.Length)] = -0f;
        var y = new float[w.Channels * w.OutHeight * w.OutWidth];
        SpatialKernels.MaxPool(x, y, w);
        for (int ch = 0; ch < w.Channels; ch++)
        {
            for (int oy = 0; oy < w.OutHeight; oy++)
            {
                for (int ox = 0; ox < w.OutWidth; ox++)
                {
                    float max = float.NegativeInfinity;
                    for (int ky = 0; ky < kernel; ky++)
                    {
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int iy = (oy * stride) - padding + ky, ix = (ox * stride) - padding + kx;
                            if (iy >= 0 && iy < w.Height && ix >= 0 && ix < width)
                            {
                                float v = x[(((ch * w.Height) + iy) * width) + ix];
                                max = float.IsNaN(v) || float.IsNaN(max) ? float.NaN : Math.Max(max, v);
                            }
                        }
                    }

                    float actual = y[(((ch * w.OutHeight) + oy) * w.OutWidth) + ox];
                    Assert.True(SameBits(max, actual), $"{width} wide, kernel {kernel}, stride {stride}, padding {padding}: y[{ch}, {oy}, {ox}] = {actual:R}, expected {max:R}");
                }
            }
        }
    }

    /// <summary>
    /// Windows of zeros of both signs in every order (and NaN, and -1): the maximum of -0 and +0 is +0 whichever comes
    /// first, of -0 alone -0, on the 2 x 2 path (8 wide: whole vectors) and the general one (kernel 3).
    /// </summary>
    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public void Max_pool_orders_signed_zeros_as_the_definition(int kernel, int stride)
    {
        float[] pattern = [-0f, 0f, 0f, -0f, -0f, -0f, -1f, -0f, float.NaN, -0f, 0f, -1f, -1f, -1f, -0f, -1f];
        var w = new Window(1, 4, 8, kernel, kernel, stride, stride, 0, 0);
        float[] x = Enumerable.Range(0, 32).Select(i => pattern[(i * 5) % pattern.Length]).ToArray();
        var y = new float[w.OutHeight * w.OutWidth];
        SpatialKernels.MaxPool(x, y, w);
        for (int oy = 0; oy < w.OutHeight; oy++)
        {
            for (int ox = 0; ox < w.OutWidth; ox++)
            {
                float max = float.NegativeInfinity;
                for (int ky = 0; ky < kernel; ky++)
                {
                    for (int kx = 0; kx < kernel; kx++)
                    {
                        float v = x[(((oy * stride) + ky) * 8) + (ox * stride) + kx];
                        max = float.IsNaN(v) || float.IsNaN(max) ? float.NaN : Math.Max(max, v);
                    }
                }

                Assert.True(SameBits(max, y[(oy * w.OutWidth) + ox]), $"kernel {kernel}: y[{oy}, {ox}] = {y[(oy * w.OutWidth) + ox]:R}, expected {max:R}");
            }
        }
    }

    /// <summary>Equal to the bit (float.Equals has -0 equal to +0).</summary>
    private static bool SameBits(float expected, float actual) =>
        BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);
}
