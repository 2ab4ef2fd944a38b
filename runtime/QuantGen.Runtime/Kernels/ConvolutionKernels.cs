using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

/// <summary>
/// Conv2d with float32 weights over all output positions at once, vectorised along the output positions:
/// the input map is copied once into a zero-padded map; then, for each run of up to 16 output positions (one
/// vector), a panel holds every (channel, ky, kx)'s input for those positions (for stride 1, short copies of
/// input rows), and eight output channels at a time multiply each panel vector by their weights, broadcast
/// from the blocked weight layout <see cref="KernelGeometry.ConvBlockedIndex"/> (32 consecutive bytes hold 8
/// channels' weights for one (channel, ky, kx)). The outputs of a pass are eight vectors of consecutive
/// positions of eight channels: they store straight into the [channel, y, x] output.
/// </summary>
/// <remarks>
/// Why this shape: the digits CNN's maps are 8 x 8, so a vector along one output row holds only 8 positions
/// and im2col spent as long gathering patches as multiplying. A panel of 16 positions is built once per run
/// and read by every output channel; each multiply-add takes its weight as a broadcast operand; eight
/// accumulators fit every ISA's registers, and with AVX-512's 32 a pass takes two panels (16 accumulators). Each output is bias + sum over (channel, ky, kx) in that order, one
/// multiply-add at a time, as the scalar twin and <see cref="SpatialKernels.Patch"/>'s order.
/// </remarks>
public static partial class ConvolutionKernels
{
    /// <summary>Output channels per pass, one block of the weight layout: eight accumulators and the panel vector fit even 16 registers.</summary>
    private const int PassChannels = KernelGeometry.ConvChannelBlock;

    /// <summary>Floats of scratch <see cref="Float"/> needs for window <paramref name="w"/>: the padded map and the panels.</summary>
    public static int ScratchFloats(in Window w) =>
        KernelGeometry.ConvScratchFloats(w.Channels, w.Height, w.Width, w.KernelH, w.KernelW, w.PaddingH, w.PaddingW);

    /// <summary>
    /// y[o, oy, ox] = bias[o] + sum over (c, ky, kx) of W[o, c, ky, kx] * x[c, oy * strideH + ky - padH, ox * strideW + kx - padW]
    /// (padding reads 0). <paramref name="weights"/> holds W in the blocked layout (<see cref="KernelGeometry.ConvBlockedIndex"/>,
    /// <see cref="KernelGeometry.ConvBlockedChannels"/> channels).
    /// </summary>
    public static void Float(ReadOnlySpan<float> x, Span<float> y, in Window w, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> scratch)
    {
        int positions = w.OutHeight * w.OutWidth;
        int k = w.Channels * w.KernelH * w.KernelW;
        int outChannels = y.Length / positions;
        KernelChecks.AtLeast(x.Length, (long)w.Channels * w.Height * w.Width, nameof(x));
        KernelChecks.AtLeast(weights.Length, (long)KernelGeometry.ConvBlockedChannels(outChannels) * k, nameof(weights));
        KernelChecks.AtLeast(bias.IsEmpty ? outChannels : bias.Length, outChannels, nameof(bias));
        KernelChecks.AtLeast(scratch.Length, ScratchFloats(w), nameof(scratch));
        int ph = w.Height + 2 * w.PaddingH, pw = w.Width + 2 * w.PaddingW;
        Span<float> padded = scratch.Slice(0, w.Channels * ph * pw);
        Span<float> panel = scratch.Slice(padded.Length, k * KernelGeometry.ConvPanelPositions);
        Pad(x, padded, w, ph, pw);
        if (Vector512.IsHardwareAccelerated)
        {
            Panels<FloatLanes512, Vector512<float>>(padded, panel, y, w, weights, bias, ph, pw);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Panels<FloatLanes256, Vector256<float>>(padded, panel, y, w, weights, bias, ph, pw);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Panels<FloatLanes128, Vector128<float>>(padded, panel, y, w, weights, bias, ph, pw);
        }
        else
        {
            Panels<FloatLanes1, float>(padded, panel, y, w, weights, bias, ph, pw);
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

    private static void Panels<L, V>(ReadOnlySpan<float> padded, Span<float> panel, Span<float> y, in Window w, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int ph, int pw)
        where L : struct, IFloatLanes<V>
        where V : struct
    {
        int lanes = L.Count;
        int positions = w.OutHeight * w.OutWidth;
        int k = w.Channels * w.KernelH * w.KernelW;
        int outChannels = y.Length / positions;
        // With 32 vector registers (AVX-512) a pass takes two panels: 16 accumulators, and each broadcast weight
        // feeds two multiply-adds (10 loads per 16 FMAs instead of 9 per 8).
        int group = lanes == 16 ? 2 : 1;
        ref float pr = ref MemoryMarshal.GetReference(panel);
        ref float pr2 = ref Unsafe.Add(ref pr, k * lanes);
        ref float wt = ref MemoryMarshal.GetReference(weights);
        Span<float> biases = stackalloc float[PassChannels];
        Span<float> partial = stackalloc float[PassChannels * 16];
        // One pass per output row read straight from the padded map, no panel: where a row of outputs is one vector
        // (stride 1, output width = lanes; the digits CNN's 8 x 8 maps on AVX2), (channel, ky, kx)'s inputs for the row's
        // positions are consecutive in the map. The copies into panels took 10 % of the digits CNN's step.
        bool direct = group == 1 && w.StrideW == 1 && w.OutWidth == lanes && k <= 4096;
        Span<int> offsets = direct ? stackalloc int[k] : default;
        if (direct)
        {
            for (int c = 0, i = 0; c < w.Channels; c++)
            {
                for (int ky = 0; ky < w.KernelH; ky++)
                {
                    for (int kx = 0; kx < w.KernelW; kx++, i++)
                    {
                        offsets[i] = ((c * ph) + ky) * pw + kx;
                    }
                }
            }
        }

        for (int p0 = 0; p0 < positions; p0 += group * lanes)
        {
            int count = Math.Min(lanes, positions - p0);
            if (direct)
            {
                ref float row = ref Unsafe.Add(ref MemoryMarshal.GetReference(padded), p0 / lanes * w.StrideH * pw);
                for (int o0 = 0; o0 < outChannels; o0 += PassChannels)
                {
                    int channels = Math.Min(PassChannels, outChannels - o0);
                    Biases(bias, o0, channels, biases);
                    PassOne<L, V, MapRows>(ref row, ref MemoryMarshal.GetReference(offsets), ref Unsafe.Add(ref wt, KernelGeometry.ConvBlockedIndex(o0, 0, k)), k, biases, y, positions, o0, channels, p0, count, partial);
                }

                continue;
            }

            int count2 = group == 2 ? Math.Clamp(positions - p0 - lanes, 0, lanes) : 0;
            BuildPanel(padded, panel, w, ph, pw, p0, count, lanes);
            if (count2 > 0)
            {
                BuildPanel(padded, panel.Slice(k * lanes), w, ph, pw, p0 + lanes, count2, lanes);
            }

            for (int o0 = 0; o0 < outChannels; o0 += PassChannels)
            {
                int channels = Math.Min(PassChannels, outChannels - o0);
                Biases(bias, o0, channels, biases);

                // Channels o0 .. o0 + 7: their block [k][8].
                ref float wb = ref Unsafe.Add(ref wt, KernelGeometry.ConvBlockedIndex(o0, 0, k));
                if (count2 > 0)
                {
                    PassTwo<L, V>(ref pr, ref pr2, ref wb, k, biases, y, positions, o0, channels, p0, count2, partial);
                }
                else
                {
                    PassOne<L, V, PanelRows>(ref pr, ref Unsafe.NullRef<int>(), ref wb, k, biases, y, positions, o0, channels, p0, count, partial);
                }
            }
        }
    }

    /// <summary>The pass's biases, zero past the last real channel.</summary>
    private static void Biases(ReadOnlySpan<float> bias, int o0, int channels, Span<float> biases)
    {
        for (int j = 0; j < PassChannels; j++)
        {
            biases[j] = j < channels && !bias.IsEmpty ? bias[o0 + j] : 0f;
        }
    }

    /// <summary>Where step i of a pass reads its vector of positions' inputs.</summary>
    private interface IPassRows
    {
        static abstract nuint At(ref int offsets, int i, int lanes);
    }

    /// <summary>A panel: step i's vector is row i.</summary>
    private readonly struct PanelRows : IPassRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nuint At(ref int offsets, int i, int lanes) => (nuint)(i * lanes);
    }

    /// <summary>The padded map itself: step i's vector starts at its (channel, ky, kx) offset from the row's origin.</summary>
    private readonly struct MapRows : IPassRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nuint At(ref int offsets, int i, int lanes) => (nuint)Unsafe.Add(ref offsets, i);
    }

    /// <summary>Eight channels times one panel (or one output row of the map, <see cref="MapRows"/>). Its own method, so
    /// the JIT keeps the eight accumulators in registers (sharing locals with the two-panel loop made it store them to
    /// the stack on every step).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PassOne<L, V, R>(ref float panel, ref int offsets, ref float wb, int k, ReadOnlySpan<float> biases, Span<float> y, int positions, int o0, int channels, int p0, int count, Span<float> partial)
        where L : struct, IFloatLanes<V>
        where V : struct
        where R : struct, IPassRows
    {
        int lanes = L.Count;
        V a0 = L.Splat(biases[0]), a1 = L.Splat(biases[1]), a2 = L.Splat(biases[2]), a3 = L.Splat(biases[3]);
        V a4 = L.Splat(biases[4]), a5 = L.Splat(biases[5]), a6 = L.Splat(biases[6]), a7 = L.Splat(biases[7]);
        for (int i = 0; i < k; i++)
        {
            V u = L.Load(ref panel, R.At(ref offsets, i, lanes));
            ref float wi = ref Unsafe.Add(ref wb, i * KernelGeometry.ConvChannelBlock);
            a0 = L.MultiplyAdd(L.Splat(wi), u, a0);
            a1 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 1)), u, a1);
            a2 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 2)), u, a2);
            a3 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 3)), u, a3);
            a4 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 4)), u, a4);
            a5 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 5)), u, a5);
            a6 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 6)), u, a6);
            a7 = L.MultiplyAdd(L.Splat(Unsafe.Add(ref wi, 7)), u, a7);
        }

        StoreOutputs<L, V>(y, positions, o0, channels, p0, count, partial, a0, a1, a2, a3, a4, a5, a6, a7);
    }

    /// <summary>Eight channels times two panels (positions p0 .. p0 + 15, full, and the next <paramref name="count2"/>):
    /// 16 accumulators, each broadcast weight feeding two multiply-adds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PassTwo<L, V>(ref float panel, ref float panel2, ref float wb, int k, ReadOnlySpan<float> biases, Span<float> y, int positions, int o0, int channels, int p0, int count2, Span<float> partial)
        where L : struct, IFloatLanes<V>
        where V : struct
    {
        int lanes = L.Count;
        V a0 = L.Splat(biases[0]), a1 = L.Splat(biases[1]), a2 = L.Splat(biases[2]), a3 = L.Splat(biases[3]);
        V a4 = L.Splat(biases[4]), a5 = L.Splat(biases[5]), a6 = L.Splat(biases[6]), a7 = L.Splat(biases[7]);
        V b0 = a0, b1 = a1, b2 = a2, b3 = a3, b4 = a4, b5 = a5, b6 = a6, b7 = a7;
        for (int i = 0; i < k; i++)
        {
            V u = L.Load(ref panel, (nuint)(i * lanes)), v = L.Load(ref panel2, (nuint)(i * lanes));
            ref float wi = ref Unsafe.Add(ref wb, i * KernelGeometry.ConvChannelBlock);
            V s = L.Splat(wi);
            a0 = L.MultiplyAdd(s, u, a0);
            b0 = L.MultiplyAdd(s, v, b0);
            s = L.Splat(Unsafe.Add(ref wi, 1));
            a1 = L.MultiplyAdd(s, u, a1);
            b1 = L.MultiplyAdd(s, v, b1);
            s = L.Splat(Unsafe.Add(ref wi, 2));
            a2 = L.MultiplyAdd(s, u, a2);
            b2 = L.MultiplyAdd(s, v, b2);
            s = L.Splat(Unsafe.Add(ref wi, 3));
            a3 = L.MultiplyAdd(s, u, a3);
            b3 = L.MultiplyAdd(s, v, b3);
            s = L.Splat(Unsafe.Add(ref wi, 4));
            a4 = L.MultiplyAdd(s, u, a4);
            b4 = L.MultiplyAdd(s, v, b4);
            s = L.Splat(Unsafe.Add(ref wi, 5));
            a5 = L.MultiplyAdd(s, u, a5);
            b5 = L.MultiplyAdd(s, v, b5);
            s = L.Splat(Unsafe.Add(ref wi, 6));
            a6 = L.MultiplyAdd(s, u, a6);
            b6 = L.MultiplyAdd(s, v, b6);
            s = L.Splat(Unsafe.Add(ref wi, 7));
            a7 = L.MultiplyAdd(s, u, a7);
            b7 = L.MultiplyAdd(s, v, b7);
        }

        StoreOutputs<L, V>(y, positions, o0, channels, p0, lanes, partial, a0, a1, a2, a3, a4, a5, a6, a7);
        StoreOutputs<L, V>(y, positions, o0, channels, p0 + lanes, count2, partial, b0, b1, b2, b3, b4, b5, b6, b7);
    }

    /// <summary>Eight channels' outputs for <paramref name="count"/> positions from <paramref name="p0"/>: straight into
    /// y when all are real, else through <paramref name="partial"/>, only the real ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOutputs<L, V>(Span<float> y, int positions, int o0, int channels, int p0, int count, Span<float> partial, V a0, V a1, V a2, V a3, V a4, V a5, V a6, V a7)
        where L : struct, IFloatLanes<V>
        where V : struct
    {
        int lanes = L.Count;
        bool whole = count == lanes && channels == PassChannels;
        ref float to = ref whole ? ref Unsafe.Add(ref MemoryMarshal.GetReference(y), o0 * positions + p0) : ref MemoryMarshal.GetReference(partial);
        nuint stride = (nuint)(whole ? positions : lanes);
        L.Store(a0, ref to, 0);
        L.Store(a1, ref to, stride);
        L.Store(a2, ref to, 2 * stride);
        L.Store(a3, ref to, 3 * stride);
        L.Store(a4, ref to, 4 * stride);
        L.Store(a5, ref to, 5 * stride);
        L.Store(a6, ref to, 6 * stride);
        L.Store(a7, ref to, 7 * stride);
        if (!whole)
        {
            for (int j = 0; j < channels; j++)
            {
                partial.Slice(j * lanes, count).CopyTo(y.Slice((o0 + j) * positions + p0, count));
            }
        }
    }

    /// <summary>
    /// panel[i * lanes + q] = the padded map's value under (channel, ky, kx) = i for output position p0 + q
    /// (q &lt; count; the lanes past count are 0). Positions in one output row at stride 1 read consecutive
    /// values, so each row's run is copied in vectors.
    /// </summary>
    private static void BuildPanel(ReadOnlySpan<float> padded, Span<float> panel, in Window w, int ph, int pw, int p0, int count, int lanes)
    {
        int channels = w.Channels, kernelH = w.KernelH, kernelW = w.KernelW, strideH = w.StrideH, strideW = w.StrideW, ow = w.OutWidth;
        int k = channels * kernelH * kernelW;
        if (count < lanes)
        {
            panel.Slice(0, k * lanes).Clear();
        }

        ref float src = ref MemoryMarshal.GetReference(padded);
        ref float dst = ref MemoryMarshal.GetReference(panel);
        for (int q = 0; q < count;)
        {
            int p = p0 + q;
            int oy = p / ow, ox = p % ow;
            // A run: the rest of this output row, or of the panel.
            int run = Math.Min(ow - ox, count - q);
            ref float origin = ref Unsafe.Add(ref src, oy * strideH * pw + ox * strideW);
            ref float to = ref Unsafe.Add(ref dst, q);
            nuint step = (nuint)lanes;
            nuint at = 0;
            for (int c = 0; c < channels; c++)
            {
                for (int ky = 0; ky < kernelH; ky++)
                {
                    ref float row = ref Unsafe.Add(ref origin, (c * ph + ky) * pw);
                    if (strideW == 1 && run == 8 && Vector256.IsHardwareAccelerated)
                    {
                        // The digits CNN's case (8-wide maps): one 32-byte copy per (channel, ky, kx).
                        for (int kx = 0; kx < kernelW; kx++, at += step)
                        {
                            Vector256.LoadUnsafe(ref row, (nuint)kx).StoreUnsafe(ref to, at);
                        }
                    }
                    else
                    {
                        for (int kx = 0; kx < kernelW; kx++, at += step)
                        {
                            ref float from = ref Unsafe.Add(ref row, kx);
                            if (strideW == 1)
                            {
                                CopyRun(ref from, ref Unsafe.Add(ref to, at), run);
                            }
                            else
                            {
                                for (int r = 0; r < run; r++)
                                {
                                    Unsafe.Add(ref to, at + (nuint)r) = Unsafe.Add(ref from, r * strideW);
                                }
                            }
                        }
                    }
                }
            }

            q += run;
        }
    }

    /// <summary>Copies <paramref name="length"/> (at most 16) consecutive floats in the widest vectors that fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(ref float from, ref float to, int length)
    {
        int r = 0;
        if (Vector512.IsHardwareAccelerated && length == 16)
        {
            Vector512.LoadUnsafe(ref from).StoreUnsafe(ref to);
            return;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; r + 8 <= length; r += 8)
            {
                Vector256.LoadUnsafe(ref from, (nuint)r).StoreUnsafe(ref to, (nuint)r);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; r + 4 <= length; r += 4)
            {
                Vector128.LoadUnsafe(ref from, (nuint)r).StoreUnsafe(ref to, (nuint)r);
            }
        }

        for (; r < length; r++)
        {
            Unsafe.Add(ref to, r) = Unsafe.Add(ref from, r);
        }
    }
}
