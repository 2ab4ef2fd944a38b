using System;

namespace QuantGen.Runtime;

/// <summary>AvgPool2d and GlobalAvgPool2d on channel-major [channels, height, width] values.</summary>
public static class AveragePooling
{
    /// <summary>
    /// The mean of each window, summed in float32 and divided once: by the window's size with
    /// <paramref name="countIncludePad"/> (padding counts as zeros, PyTorch's default), else by the number of
    /// positions inside the input.
    /// </summary>
    public static void AvgPool(ReadOnlySpan<float> x, Span<float> y, in Window w, bool countIncludePad)
    {
        int oh = w.OutHeight, ow = w.OutWidth;
        KernelChecks.AtLeast(x.Length, (long)w.Channels * w.Height * w.Width, nameof(x));
        KernelChecks.AtLeast(y.Length, (long)w.Channels * oh * ow, nameof(y));
        for (int ch = 0; ch < w.Channels; ch++)
        {
            ReadOnlySpan<float> plane = x.Slice(ch * w.Height * w.Width, w.Height * w.Width);
            for (int oy = 0; oy < oh; oy++)
            {
                int top = oy * w.StrideH - w.PaddingH;
                int y0 = Math.Max(top, 0), y1 = Math.Min(top + w.KernelH, w.Height);
                for (int ox = 0; ox < ow; ox++)
                {
                    int left = ox * w.StrideW - w.PaddingW;
                    int x0 = Math.Max(left, 0), x1 = Math.Min(left + w.KernelW, w.Width);
                    float sum = 0f;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            sum += plane[iy * w.Width + ix];
                        }
                    }

                    int count = countIncludePad ? w.KernelH * w.KernelW : (y1 - y0) * (x1 - x0);
                    y[(ch * oh + oy) * ow + ox] = sum / count;
                }
            }
        }
    }

    /// <summary>The mean of each channel's <paramref name="positions"/> values, summed in float32.</summary>
    public static void GlobalAvgPool(ReadOnlySpan<float> x, Span<float> y, int channels, int positions)
    {
        KernelChecks.AtLeast(x.Length, (long)channels * positions, nameof(x));
        KernelChecks.AtLeast(y.Length, channels, nameof(y));
        for (int ch = 0; ch < channels; ch++)
        {
            y[ch] = VectorMath.Sum(x.Slice(ch * positions, positions)) / positions;
        }
    }
}
