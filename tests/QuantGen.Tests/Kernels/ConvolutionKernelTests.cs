using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The float convolution against sums in double straight from the definition: widths below, at and past
/// each vector width (so full and partial panels of positions run), strides 1 and 2, paddings 0 to 2,
/// output channels within one block of 16 and across two (partial passes of eight), weights in the
/// generator's blocked layout.
/// </summary>
public sealed class ConvolutionKernelTests
{
    public static IEnumerable<object[]> Windows() =>
        from width in new[] { 3, 5, 8, 11, 17, 20 }
        from stride in new[] { 1, 2 }
        from padding in new[] { 0, 1, 2 }
        from outChannels in new[] { 5, 21 }
        where width + 2 * padding >= 3
        select new object[] { width, stride, padding, outChannels };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Float_convolution_matches_the_definition(int width, int stride, int padding, int outChannels)
    {
        var random = new Random((width * 31) + (stride * 7) + padding + outChannels);
        var w = new Window(3, 6, width, 3, 3, stride, stride, padding, padding);
        int positions = w.OutHeight * w.OutWidth;
        float[] x = TestModels.RandomFloats(random, w.Channels * w.Height * w.Width, -2f, 2f);
        float[] weights = TestModels.RandomFloats(random, outChannels * w.Channels * 9, -1f, 1f);
        float[] bias = TestModels.RandomFloats(random, outChannels, -0.5f, 0.5f);
        var y = new float[outChannels * positions];
        float[] blocked = WeightRepacking.ConvBlocked(weights, outChannels, w.Channels * 9);
        ConvolutionKernels.Float(x, y, w, blocked, bias, new float[ConvolutionKernels.ScratchFloats(w)]);
        for (int o = 0; o < outChannels; o++)
        {
            for (int oy = 0; oy < w.OutHeight; oy++)
            {
                for (int ox = 0; ox < w.OutWidth; ox++)
                {
                    double sum = bias[o], magnitude = Math.Abs(bias[o]);
                    for (int c = 0; c < w.Channels; c++)
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int iy = (oy * stride) - padding + ky, ix = (ox * stride) - padding + kx;
                                if (iy >= 0 && iy < w.Height && ix >= 0 && ix < width)
                                {
                                    double term = (double)weights[(((o * w.Channels) + c) * 9) + (ky * 3) + kx] * x[(((c * w.Height) + iy) * width) + ix];
                                    sum += term;
                                    magnitude += Math.Abs(term);
                                }
                            }
                        }
                    }

                    float actual = y[(o * positions) + (oy * w.OutWidth) + ox];
                    Assert.True(Math.Abs(actual - sum) <= 1e-5 * (1 + magnitude), $"{width} wide, stride {stride}, padding {padding}: y[{o}, {oy}, {ox}] = {actual:R}, expected {sum:R}");
                }
            }
        }
    }
}
