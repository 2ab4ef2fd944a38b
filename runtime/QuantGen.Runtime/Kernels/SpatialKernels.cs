using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

/// <summary>
/// The geometry of a 2-D window sweep over a [channels, height, width] input (channel-major), as the
/// generator bakes it: kernel, stride and zero padding per axis, and the output size that follows.
/// </summary>
public readonly record struct Window(int Channels, int Height, int Width, int KernelH, int KernelW, int StrideH, int StrideW, int PaddingH, int PaddingW)
{
    /// <summary>Output rows: (height + 2 padding - kernel) / stride + 1.</summary>
    public int OutHeight => (Height + 2 * PaddingH - KernelH) / StrideH + 1;

    /// <summary>Output columns: (width + 2 padding - kernel) / stride + 1.</summary>
    public int OutWidth => (Width + 2 * PaddingW - KernelW) / StrideW + 1;
}

/// <summary>Conv2d as one matrix-vector product per output position (the dense kernels do the arithmetic), and MaxPool2d.</summary>
public static class SpatialKernels
{
    /// <summary>The receptive field of output position <paramref name="position"/> in [channel, ky, kx] order (PyTorch's weight order); padding reads 0.</summary>
    public static void Patch(ReadOnlySpan<float> x, Span<float> patch, in Window w, int position)
    {
        int oy = position / w.OutWidth, ox = position % w.OutWidth;
        int at = 0;
        for (int ch = 0; ch < w.Channels; ch++)
        {
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                int iy = oy * w.StrideH - w.PaddingH + ky;
                for (int kx = 0; kx < w.KernelW; kx++, at++)
                {
                    int ix = ox * w.StrideW - w.PaddingW + kx;
                    patch[at] = iy < 0 || iy >= w.Height || ix < 0 || ix >= w.Width ? 0f : x[(ch * w.Height + iy) * w.Width + ix];
                }
            }
        }
    }

    /// <summary>Writes one position's output channels into the [channel, y, x] output.</summary>
    public static void Scatter(ReadOnlySpan<float> column, Span<float> y, int position, int positions)
    {
        for (int o = 0; o < column.Length; o++)
        {
            y[o * positions + position] = column[o];
        }
    }

    /// <summary>
    /// The maximum of each window; padding never wins; NaN in a window gives NaN. Per output row, the window's
    /// input rows are first reduced to one row (vectorised along x), then each output takes the maximum of
    /// its columns of that row: the scalar loop over every window element cost a quarter of the digits CNN.
    /// </summary>
    public static void MaxPool(ReadOnlySpan<float> x, Span<float> y, in Window w)
    {
        int height = w.Height, width = w.Width, kernelH = w.KernelH, kernelW = w.KernelW;
        int strideH = w.StrideH, strideW = w.StrideW, padH = w.PaddingH, padW = w.PaddingW;
        int oh = w.OutHeight, ow = w.OutWidth;
        KernelChecks.AtLeast(x.Length, (long)w.Channels * height * width, nameof(x));
        KernelChecks.AtLeast(y.Length, (long)w.Channels * oh * ow, nameof(y));
        if (kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0)
        {
            MaxPool2x2(x, y, w.Channels, height, width, oh, ow);
            return;
        }

        float[]? rented = null;
        Span<float> rowMax = width <= 1024 ? stackalloc float[width] : (rented = new float[width]);
        for (int ch = 0; ch < w.Channels; ch++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                int top = oy * strideH - padH;
                int y0 = Math.Max(top, 0), y1 = Math.Min(top + kernelH, height);
                if (y0 >= y1)
                {
                    rowMax.Fill(float.NegativeInfinity);
                }
                else
                {
                    x.Slice((ch * height + y0) * width, width).CopyTo(rowMax);
                    for (int iy = y0 + 1; iy < y1; iy++)
                    {
                        VectorMath.MaxInto(x.Slice((ch * height + iy) * width, width), rowMax);
                    }
                }

                Span<float> outRow = y.Slice((ch * oh + oy) * ow, ow);
                for (int ox = 0; ox < ow; ox++)
                {
                    int left = ox * strideW - padW;
                    int x0 = Math.Max(left, 0), x1 = Math.Min(left + kernelW, width);
                    float max = float.NegativeInfinity;
                    for (int ix = x0; ix < x1; ix++)
                    {
                        max = VectorMath.Max(max, rowMax[ix]);
                    }

                    outRow[ox] = max;
                }
            }
        }

        GC.KeepAlive(rented);
    }

    /// <summary>
    /// The common 2 x 2 pool with stride 2 and no padding, for every output row of every channel in one loop: each step takes the maximum of two input rows over 8 columns, then of their
    /// column pairs (<see cref="VectorMath.PairMax4"/>), for 4 outputs; the columns past whole steps go one by one.
    /// </summary>
    private static void MaxPool2x2(ReadOnlySpan<float> x, Span<float> y, int channels, int height, int width, int oh, int ow)
    {
        int whole = Vector128.IsHardwareAccelerated ? ow / 4 * 4 : 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int ch = 0; ch < channels; ch++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                // Output row oy of channel ch reads input rows 2 oy and 2 oy + 1 of that channel.
                ref float top = ref Unsafe.Add(ref xr, ((ch * height) + (2 * oy)) * width);
                ref float bottom = ref Unsafe.Add(ref top, width);
                ref float output = ref Unsafe.Add(ref yr, ((ch * oh) + oy) * ow);
                for (int ox = 0; ox < whole; ox += 4)
                {
                    Vector128<float> a = VectorMath.Max(Vector128.LoadUnsafe(ref top, (nuint)(2 * ox)), Vector128.LoadUnsafe(ref bottom, (nuint)(2 * ox)));
                    Vector128<float> b = VectorMath.Max(Vector128.LoadUnsafe(ref top, (nuint)(2 * ox + 4)), Vector128.LoadUnsafe(ref bottom, (nuint)(2 * ox + 4)));
                    VectorMath.PairMax4(a, b).StoreUnsafe(ref output, (nuint)ox);
                }

                for (int ox = whole; ox < ow; ox++)
                {
                    float m = VectorMath.Max(Unsafe.Add(ref top, 2 * ox), Unsafe.Add(ref top, 2 * ox + 1));
                    m = VectorMath.Max(m, Unsafe.Add(ref bottom, 2 * ox));
                    Unsafe.Add(ref output, ox) = VectorMath.Max(m, Unsafe.Add(ref bottom, 2 * ox + 1));
                }
            }
        }
    }
}
