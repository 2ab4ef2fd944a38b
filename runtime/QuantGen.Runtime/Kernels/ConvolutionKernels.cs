using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

/// <summary>
/// Conv2d with float32 weights over all output positions at once. With stride 1 it convolves directly:
/// the input map is copied once into a zero-padded map, then for four output channels and one output row
/// at a time, every weight is broadcast and multiplied into the matching shifted run of an input row,
/// vectorised along the row (no patch is ever gathered). Other strides lay every patch out once
/// (<see cref="SpatialKernels.Im2Col"/>) and run <see cref="DenseKernels.FloatMany"/>.
/// </summary>
/// <remarks>
/// Why not im2col for stride 1: on the digits CNN (3 x 3 kernels over 8 x 8 maps) gathering the patches,
/// three floats per copy, took as long as the products themselves; the direct sweep reads each input row
/// where it lies. Results equal the reference's up to the order of additions (channel, ky, kx per output).
/// </remarks>
public static class ConvolutionKernels
{
    /// <summary>Floats of scratch <see cref="Float"/> needs for window <paramref name="w"/>: the padded map (stride 1) or every patch.</summary>
    public static int ScratchFloats(in Window w) =>
        KernelGeometry.ConvScratchFloats(w.Channels, w.Height, w.Width, w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PaddingH, w.PaddingW);

    /// <summary>
    /// y[o, oy, ox] = bias[o] + sum over (c, ky, kx) of weights[o, c, ky, kx] * x[c, oy + ky - padH, ox + kx - padW]
    /// (padding reads 0); weights row-major [out channel][channel, ky, kx] as PyTorch stores them.
    /// </summary>
    public static void Float(ReadOnlySpan<float> x, Span<float> y, in Window w, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> scratch)
    {
        int positions = w.OutHeight * w.OutWidth;
        int k = w.Channels * w.KernelH * w.KernelW;
        int outChannels = y.Length / positions;
        KernelChecks.AtLeast(weights.Length, (long)outChannels * k, nameof(weights));
        KernelChecks.AtLeast(scratch.Length, ScratchFloats(w), nameof(scratch));
        if (w.StrideH != 1 || w.StrideW != 1)
        {
            Span<float> patches = scratch.Slice(0, positions * k);
            SpatialKernels.Im2Col(x, patches, w);
            DenseKernels.FloatMany(patches, positions, y, weights, bias);
            return;
        }

        int ph = w.Height + 2 * w.PaddingH, pw = w.Width + 2 * w.PaddingW;
        Span<float> padded = scratch.Slice(0, w.Channels * ph * pw);
        Pad(x, padded, w, ph, pw);
        int ow = w.OutWidth;
        if (Vector512.IsHardwareAccelerated && ow >= Vector512<float>.Count)
        {
            Direct<Vector512<float>>(padded, y, w, weights, bias, ph, pw, Vector512<float>.Count);
        }
        else if (Vector256.IsHardwareAccelerated && ow >= Vector256<float>.Count)
        {
            Direct<Vector256<float>>(padded, y, w, weights, bias, ph, pw, Vector256<float>.Count);
        }
        else if (Vector128.IsHardwareAccelerated && ow >= Vector128<float>.Count)
        {
            Direct<Vector128<float>>(padded, y, w, weights, bias, ph, pw, Vector128<float>.Count);
        }
        else
        {
            DirectScalar(padded, y, w, weights, bias, ph, pw);
        }
    }

    private static void Pad(ReadOnlySpan<float> x, Span<float> padded, in Window w, int ph, int pw)
    {
        padded.Clear();
        for (int c = 0; c < w.Channels; c++)
        {
            for (int iy = 0; iy < w.Height; iy++)
            {
                x.Slice((c * w.Height + iy) * w.Width, w.Width).CopyTo(padded.Slice((c * ph + iy + w.PaddingH) * pw + w.PaddingW, w.Width));
            }
        }
    }

    /// <summary>
    /// Four output channels and two output rows per pass, each row in vectors of <paramref name="lanes"/>
    /// (the last one overlapping the one before, as it computes the same outputs again).
    /// </summary>
    private static void Direct<V>(ReadOnlySpan<float> padded, Span<float> y, in Window w, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int ph, int pw, int lanes)
        where V : struct
    {
        int oh = w.OutHeight, ow = w.OutWidth, positions = oh * ow;
        int k = w.Channels * w.KernelH * w.KernelW;
        int outChannels = y.Length / positions;
        ref float xp = ref MemoryMarshal.GetReference(padded);
        ref float wt = ref MemoryMarshal.GetReference(weights);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (int o0 = 0; o0 < outChannels; o0 += 4)
        {
            // The last pass repeats the last channel rather than running a second loop.
            int o1 = Math.Min(o0 + 1, outChannels - 1), o2 = Math.Min(o0 + 2, outChannels - 1), o3 = Math.Min(o0 + 3, outChannels - 1);
            ref float w0 = ref Unsafe.Add(ref wt, o0 * k), w1 = ref Unsafe.Add(ref wt, o1 * k);
            ref float w2 = ref Unsafe.Add(ref wt, o2 * k), w3 = ref Unsafe.Add(ref wt, o3 * k);
            float b0 = bias.IsEmpty ? 0f : bias[o0], b1 = bias.IsEmpty ? 0f : bias[o1], b2 = bias.IsEmpty ? 0f : bias[o2], b3 = bias.IsEmpty ? 0f : bias[o3];
            // Two output rows per pass share each weight broadcast (the last pass of an odd count repeats a row).
            for (int oy0 = 0; oy0 < oh; oy0 += 2)
            {
                int oyA = Math.Min(oy0, oh - 1), oyB = Math.Min(oy0 + 1, oh - 1);
                for (int ox0 = 0; ox0 < ow; ox0 += lanes)
                {
                    int ox = Math.Min(ox0, ow - lanes);
                    V a0 = Splat<V>(b0), a1 = Splat<V>(b1), a2 = Splat<V>(b2), a3 = Splat<V>(b3);
                    V c0 = a0, c1 = a1, c2 = a2, c3 = a3;
                    int at = 0;
                    for (int c = 0; c < w.Channels; c++)
                    {
                        for (int ky = 0; ky < w.KernelH; ky++)
                        {
                            ref float rowA = ref Unsafe.Add(ref xp, ((c * ph) + oyA + ky) * pw + ox);
                            ref float rowB = ref Unsafe.Add(ref xp, ((c * ph) + oyB + ky) * pw + ox);
                            for (int kx = 0; kx < w.KernelW; kx++, at++)
                            {
                                V u = Load<V>(ref Unsafe.Add(ref rowA, kx)), v = Load<V>(ref Unsafe.Add(ref rowB, kx));
                                V s0 = Splat<V>(Unsafe.Add(ref w0, at)), s1 = Splat<V>(Unsafe.Add(ref w1, at));
                                V s2 = Splat<V>(Unsafe.Add(ref w2, at)), s3 = Splat<V>(Unsafe.Add(ref w3, at));
                                a0 = MultiplyAdd(s0, u, a0);
                                a1 = MultiplyAdd(s1, u, a1);
                                a2 = MultiplyAdd(s2, u, a2);
                                a3 = MultiplyAdd(s3, u, a3);
                                c0 = MultiplyAdd(s0, v, c0);
                                c1 = MultiplyAdd(s1, v, c1);
                                c2 = MultiplyAdd(s2, v, c2);
                                c3 = MultiplyAdd(s3, v, c3);
                            }
                        }
                    }

                    int pA = oyA * ow + ox, pB = oyB * ow + ox;
                    Store(a0, ref Unsafe.Add(ref yr, o0 * positions + pA));
                    Store(a1, ref Unsafe.Add(ref yr, o1 * positions + pA));
                    Store(a2, ref Unsafe.Add(ref yr, o2 * positions + pA));
                    Store(a3, ref Unsafe.Add(ref yr, o3 * positions + pA));
                    Store(c0, ref Unsafe.Add(ref yr, o0 * positions + pB));
                    Store(c1, ref Unsafe.Add(ref yr, o1 * positions + pB));
                    Store(c2, ref Unsafe.Add(ref yr, o2 * positions + pB));
                    Store(c3, ref Unsafe.Add(ref yr, o3 * positions + pB));
                }
            }
        }
    }

    /// <summary>The scalar twin: the same sums in the same order, one output at a time.</summary>
    private static void DirectScalar(ReadOnlySpan<float> padded, Span<float> y, in Window w, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int ph, int pw)
    {
        int oh = w.OutHeight, ow = w.OutWidth, positions = oh * ow;
        int k = w.Channels * w.KernelH * w.KernelW;
        int outChannels = y.Length / positions;
        for (int o = 0; o < outChannels; o++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    float sum = bias.IsEmpty ? 0f : bias[o];
                    int at = 0;
                    for (int c = 0; c < w.Channels; c++)
                    {
                        for (int ky = 0; ky < w.KernelH; ky++)
                        {
                            for (int kx = 0; kx < w.KernelW; kx++, at++)
                            {
                                sum = MathF.FusedMultiplyAdd(weights[o * k + at], padded[((c * ph) + oy + ky) * pw + ox + kx], sum);
                            }
                        }
                    }

                    y[o * positions + oy * ow + ox] = sum;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Splat<V>(float value) where V : struct =>
        typeof(V) == typeof(Vector512<float>) ? (V)(object)Vector512.Create(value)
        : typeof(V) == typeof(Vector256<float>) ? (V)(object)Vector256.Create(value)
        : (V)(object)Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Load<V>(ref float source) where V : struct =>
        typeof(V) == typeof(Vector512<float>) ? (V)(object)Vector512.LoadUnsafe(ref source)
        : typeof(V) == typeof(Vector256<float>) ? (V)(object)Vector256.LoadUnsafe(ref source)
        : (V)(object)Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V MultiplyAdd<V>(V a, V b, V acc) where V : struct =>
        typeof(V) == typeof(Vector512<float>) ? (V)(object)Vector512.FusedMultiplyAdd((Vector512<float>)(object)a, (Vector512<float>)(object)b, (Vector512<float>)(object)acc)
        : typeof(V) == typeof(Vector256<float>) ? (V)(object)Vector256.FusedMultiplyAdd((Vector256<float>)(object)a, (Vector256<float>)(object)b, (Vector256<float>)(object)acc)
        : (V)(object)Vector128.FusedMultiplyAdd((Vector128<float>)(object)a, (Vector128<float>)(object)b, (Vector128<float>)(object)acc);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<V>(V value, ref float destination) where V : struct
    {
        if (typeof(V) == typeof(Vector512<float>))
        {
            ((Vector512<float>)(object)value).StoreUnsafe(ref destination);
        }
        else if (typeof(V) == typeof(Vector256<float>))
        {
            ((Vector256<float>)(object)value).StoreUnsafe(ref destination);
        }
        else
        {
            ((Vector128<float>)(object)value).StoreUnsafe(ref destination);
        }
    }
}
