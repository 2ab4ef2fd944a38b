using System;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>A convolution straight from its definition, in double: the reference the convolution kernels' tests hold them to.</summary>
internal static class ConvolutionDefinition
{
    /// <summary>
    /// Checks y[o, oy, ox] against bias[o] + the sum over (c, ky, kx) inside the map of weight(o, c, ky * kernelW + kx)
    /// x input[c, iy, ix] (padding reads 0), within 1e-5 of the terms' magnitude.
    /// </summary>
    public static void AssertMatches(ReadOnlySpan<float> y, in Window w, int outChannels, Func<int, int, int, double> weight, ReadOnlySpan<float> input, ReadOnlySpan<float> bias)
    {
        int positions = w.OutHeight * w.OutWidth;
        for (int o = 0; o < outChannels; o++)
        {
            for (int oy = 0; oy < w.OutHeight; oy++)
            {
                for (int ox = 0; ox < w.OutWidth; ox++)
                {
                    double sum = bias[o], magnitude = Math.Abs(bias[o]);
                    for (int c = 0; c < w.Channels; c++)
                    {
                        for (int ky = 0; ky < w.KernelH; ky++)
                        {
                            for (int kx = 0; kx < w.KernelW; kx++)
                            {
                                int iy = (oy * w.StrideH) - w.PaddingH + ky, ix = (ox * w.StrideW) - w.PaddingW + kx;
                                if (iy >= 0 && iy < w.Height && ix >= 0 && ix < w.Width)
                                {
                                    double term = weight(o, c, (ky * w.KernelW) + kx) * input[(((c * w.Height) + iy) * w.Width) + ix];
                                    sum += term;
                                    magnitude += Math.Abs(term);
                                }
                            }
                        }
                    }

                    float actual = y[(o * positions) + (oy * w.OutWidth) + ox];
                    Assert.True(Math.Abs(actual - sum) <= 1e-5 * (1 + magnitude), $"y[{o}, {oy}, {ox}] = {actual:R}, expected {sum:R}");
                }
            }
        }
    }
}
