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
                    Assert.True(max.Equals(actual), $"{width} wide, kernel {kernel}, stride {stride}, padding {padding}: y[{ch}, {oy}, {ox}] = {actual:R}, expected {max:R}");
                }
            }
        }
    }
}
