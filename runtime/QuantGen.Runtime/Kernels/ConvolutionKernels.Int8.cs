using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Conv2d with uniform weight codes of up to 8 bits (signed, no zero point) over a uniform input of up to 8 bits
/// on [0, hi], in integers: the kernel codes the whole input map itself (as <see cref="ActivationQuantizers.Uniform"/>
/// does), lays the codes out zero-padded as [y][x][channel] bytes, and every output is
/// product[o] * (integer dot of the codes) + bias[o], product = scale[o] * hi / (2^bits - 1).
/// Padding reads code 0, which is the value 0 because the range starts at 0: exact.
/// </summary>
/// <remarks>
/// Why channels last: four consecutive input channels at one (position, ky, kx) are four consecutive bytes, the
/// operand vpdpbusd multiplies by one output channel's four weights, so a position's patch needs no gathering:
/// each step broadcasts one 32-bit word of the code map. A pass computes 16 output channels (two vectors of 8
/// 32-bit sums) at 6 positions: 12 accumulators, two weight loads and six broadcasts per 12 vpdpbusd, within the 16
/// registers AVX-VNNI's VEX encoding can name (8 accumulators left the multiply-adds waiting on each other). The sums are exact (|dot| &lt;= 255 * 128 * k fits 32 bits).
/// Paths: AVX-VNNI (256-bit vpdpbusd), else AVX2 byte multiply-adds (ConvolutionKernels.Int8Bytes.cs: vpmaddubsw and
/// vpmaddwd, exact by splitting 8-bit codes), else the same steps with each byte isolated by shifts and multiplied in
/// 32-bit lanes (Vector256 without AVX2), else the scalar twin every path is tested against.
/// </remarks>
public static partial class ConvolutionKernels
{
    private const int Int8PassPositions = 6;

    /// <summary>The integer convolution's paths; tests force each one the machine supports.</summary>
    internal enum Int8Path
    {
        Best,
        AvxVnni256,
        Bytes256,
        Shifts256,
        Scalar,
    }

    /// <summary>Floats of scratch <see cref="Integer(ReadOnlySpan{float}, Span{float}, in Window, ReadOnlySpan{sbyte}, int, float, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> needs for window <paramref name="w"/>.</summary>
    public static int Int8ScratchFloats(in Window w) =>
        KernelGeometry.ConvInt8ScratchFloats(w.Channels, w.Height, w.Width, w.PaddingH, w.PaddingW);

    /// <summary>
    /// y[o, oy, ox] = bias[o] + product[o] * sum over (ky, kx, c) of W[o, c, ky, kx] * q[c, oy * strideH + ky - padH, ox * strideW + kx - padW],
    /// q the <paramref name="activationBits"/>-bit codes of x over [0, <paramref name="hi"/>] (padding reads 0).
    /// <paramref name="weights"/>: the codes in the layout of <see cref="KernelGeometry.ConvInt8Index"/>.
    /// </summary>
    public static void Integer(ReadOnlySpan<float> x, Span<float> y, in Window w, ReadOnlySpan<sbyte> weights, int activationBits, float hi, ReadOnlySpan<float> product, ReadOnlySpan<float> bias, Span<float> scratch) =>
        Integer(x, y, w, weights, activationBits, hi, product, bias, scratch, Int8Path.Best);

    internal static void Integer(ReadOnlySpan<float> x, Span<float> y, in Window w, ReadOnlySpan<sbyte> weights, int activationBits, float hi, ReadOnlySpan<float> product, ReadOnlySpan<float> bias, Span<float> scratch, Int8Path path)
    {
        if ((uint)(activationBits - 1) >= 8)
        {
            throw new ArgumentOutOfRangeException(nameof(activationBits), activationBits, "The integer convolution codes its input to 1..8 bits.");
        }

        int positions = w.OutHeight * w.OutWidth;
        int outChannels = y.Length / positions;
        int taps = w.KernelH * w.KernelW;
        int mapLength = w.Channels * w.Height * w.Width;
        KernelChecks.AtLeast(x.Length, mapLength, nameof(x));
        KernelChecks.AtLeast(weights.Length, KernelGeometry.ConvInt8WeightBytes(outChannels, w.Channels, taps), nameof(weights));
        KernelChecks.AtLeast(product.Length, outChannels, nameof(product));
        KernelChecks.AtLeast(bias.IsEmpty ? outChannels : bias.Length, outChannels, nameof(bias));
        KernelChecks.AtLeast(scratch.Length, Int8ScratchFloats(w), nameof(scratch));
        if (path == Int8Path.Best)
        {
            path = AvxVnni.IsSupported ? Int8Path.AvxVnni256
                : Avx2.IsSupported && Vector256.IsHardwareAccelerated ? Int8Path.Bytes256
                : Vector256.IsHardwareAccelerated ? Int8Path.Shifts256 : Int8Path.Scalar;
        }

        Span<byte> bytes = MemoryMarshal.AsBytes(scratch);
        int codesLength = (mapLength + 63) / 64 * 64;
        int cp = KernelGeometry.ConvInt8Channels(w.Channels);
        int ph = w.Height + 2 * w.PaddingH, pw = w.Width + 2 * w.PaddingW;
        Span<byte> map = bytes.Slice(codesLength, ph * pw * cp + 64);
        if (Avx512F.IsSupported && path != Int8Path.Scalar)
        {
            CodeChannelsLast512(x, activationBits, hi, map, w, cp, pw);
        }
        else
        {
            Span<byte> codes = bytes.Slice(0, codesLength);
            Int8Codes(x.Slice(0, mapLength), activationBits, hi, codes);
            ChannelsLast(codes, map, w, cp, pw);
        }

        int outWidth = w.OutWidth;
        Span<float> factors = stackalloc float[4 * KernelGeometry.ConvChannelBlock];
        for (int o0 = 0; o0 < outChannels; o0 += 2 * KernelGeometry.ConvChannelBlock)
        {
            int channels = Math.Min(2 * KernelGeometry.ConvChannelBlock, outChannels - o0);
            // This pass's products and biases, zero past the last channel, so the epilogue reads whole vectors.
            factors.Clear();
            product.Slice(o0, channels).CopyTo(factors);
            if (!bias.IsEmpty)
            {
                bias.Slice(o0, channels).CopyTo(factors.Slice(2 * KernelGeometry.ConvChannelBlock));
            }

            int blockBytes = taps * cp * KernelGeometry.ConvChannelBlock;
            ref sbyte w0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(weights), o0 / KernelGeometry.ConvChannelBlock * blockBytes);
            for (int p0 = 0; p0 < positions; p0 += Int8PassPositions)
            {
                int count = Math.Min(Int8PassPositions, positions - p0);
                switch (path)
                {
                    case Int8Path.AvxVnni256:
                        PassVnni(map, ref w0, blockBytes, y, w, outWidth, cp, pw, positions, o0, channels, p0, count, factors);
                        break;
                    case Int8Path.Bytes256:
                        PassBytes(map, ref w0, blockBytes, y, w, outWidth, cp, pw, positions, o0, channels, p0, count, factors, activationBits == 8);
                        break;
                    case Int8Path.Shifts256:
                        PassShifts(map, ref w0, blockBytes, y, w, outWidth, cp, pw, positions, o0, channels, p0, count, factors);
                        break;
                    default:
                        PassScalar(map, weights, y, w, outWidth, cp, pw, positions, o0, channels, p0, count, factors);
                        break;
                }
            }
        }
    }

    /// <summary>The quantizer's codes of the map, [channel, y, x] (the integer dense kernel's coding, so the same rounding).</summary>
    private static void Int8Codes(ReadOnlySpan<float> x, int bits, float hi, Span<byte> codes) => global::QuantGen.Runtime.Int8.Code(x, bits, 0f, hi, codes);

    /// <summary>
    /// The codes straight into the channels-last map: for each position, its (up to) 16 channels gathered (two AVX2 gathers), coded
    /// with <see cref="global::QuantGen.Runtime.Int8.Code512"/> (the same operations as the two-step path) and stored
    /// as 16 bytes. Lanes past the last channel code 0; where they run past the position's <paramref name="cp"/> bytes
    /// they write the next position's first bytes before that position is coded, or padding, which stays 0.
    /// </summary>
    private static unsafe void CodeChannelsLast512(ReadOnlySpan<float> x, int bits, float hi, Span<byte> map, in Window w, int cp, int pw)
    {
        map.Clear();
        int plane = w.Height * w.Width;
        Vector512<float> vlo = Vector512<float>.Zero, vhi = Vector512.Create(hi), vto = Vector512.Create(((1 << bits) - 1) / hi);
        fixed (float* source = x)
        {
            ref byte to = ref MemoryMarshal.GetReference(map);
            for (int yy = 0; yy < w.Height; yy++)
            {
                ref byte row = ref Unsafe.Add(ref to, ((yy + w.PaddingH) * pw + w.PaddingW) * cp);
                for (int xx = 0; xx < w.Width; xx++)
                {
                    // Positions in order, and a position's groups of 16 channels in order, so a store's spill past
                    // its bytes only ever lands where a later store (or padding) belongs.
                    for (int c0 = 0; c0 < w.Channels; c0 += 16)
                    {
                        // Lane j reads channel c0 + j, or channel c0 (then cleared) past the last channel.
                        Vector512<int> lane = Vector512<int>.Indices;
                        Vector512<int> real = Vector512.LessThan(lane, Vector512.Create(w.Channels - c0));
                        Vector512<int> offsets = Vector512.ConditionalSelect(real, lane * plane, Vector512<int>.Zero);
                        // .NET exposes the gathers of AVX2 only: two of eight lanes.
                        float* at = source + c0 * plane + yy * w.Width + xx;
                        Vector512<float> v = Vector512.Create(Avx2.GatherVector256(at, offsets.GetLower(), 4), Avx2.GatherVector256(at, offsets.GetUpper(), 4));
                        Vector512<int> q = global::QuantGen.Runtime.Int8.Code512(v, vlo, vhi, vto) & real;
                        Avx512F.ConvertToVector128Byte(q).StoreUnsafe(ref Unsafe.Add(ref row, xx * cp + c0));
                    }
                }
            }
        }
    }

    /// <summary>map[(y + padH) * pw + x + padW][c] = codes[c, y, x]; everything else (padding, spare channels) 0.</summary>
    private static void ChannelsLast(ReadOnlySpan<byte> codes, Span<byte> map, in Window w, int cp, int pw)
    {
        map.Clear();
        int plane = w.Height * w.Width, channels = w.Channels, width = w.Width;
        ref byte from = ref MemoryMarshal.GetReference(codes);
        ref byte to = ref MemoryMarshal.GetReference(map);
        for (int yy = 0; yy < w.Height; yy++)
        {
            ref byte row = ref Unsafe.Add(ref to, ((yy + w.PaddingH) * pw + w.PaddingW) * cp);
            int c = 0;
            if (Sse2.IsSupported)
            {
                for (; c + 16 <= channels; c += 16)
                {
                    int xx = 0;
                    for (; xx + 8 <= width; xx += 8)
                    {
                        Transpose16x8(ref Unsafe.Add(ref from, c * plane + yy * width + xx), plane, ref Unsafe.Add(ref row, xx * cp + c), cp);
                    }

                    for (; xx < width; xx++)
                    {
                        for (int k = c; k < c + 16; k++)
                        {
                            Unsafe.Add(ref row, xx * cp + k) = Unsafe.Add(ref from, k * plane + yy * width + xx);
                        }
                    }
                }
            }

            for (; c < channels; c++)
            {
                ref byte source = ref Unsafe.Add(ref from, c * plane + yy * width);
                for (int xx = 0; xx < width; xx++)
                {
                    Unsafe.Add(ref row, xx * cp + c) = Unsafe.Add(ref source, xx);
                }
            }
        }
    }

    /// <summary>
    /// Eight pixels of 16 channels (8 bytes per channel, <paramref name="plane"/> apart) to eight runs of 16 channel bytes
    /// (<paramref name="cp"/> apart): byte, 16-, 32- and 64-bit interleaves, 32 unpacks where the byte loop took 128 loads and
    /// 128 stores (on the digits CNN's 16-channel map that loop was 7 % of an 8-bit step).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16x8(ref byte from, int plane, ref byte to, int cp)
    {
        // a[k]: channels 2k and 2k + 1 interleaved, pixel by pixel.
        Vector128<byte> a0 = Pixels(ref from, plane, 0, 1), a1 = Pixels(ref from, plane, 2, 3), a2 = Pixels(ref from, plane, 4, 5), a3 = Pixels(ref from, plane, 6, 7);
        Vector128<byte> a4 = Pixels(ref from, plane, 8, 9), a5 = Pixels(ref from, plane, 10, 11), a6 = Pixels(ref from, plane, 12, 13), a7 = Pixels(ref from, plane, 14, 15);
        // b: four channels per pixel, pixels 0-3 (Low) and 4-7 (High).
        Vector128<ushort> b0 = Sse2.UnpackLow(a0.AsUInt16(), a1.AsUInt16()), b1 = Sse2.UnpackLow(a2.AsUInt16(), a3.AsUInt16());
        Vector128<ushort> b2 = Sse2.UnpackLow(a4.AsUInt16(), a5.AsUInt16()), b3 = Sse2.UnpackLow(a6.AsUInt16(), a7.AsUInt16());
        Vector128<ushort> e0 = Sse2.UnpackHigh(a0.AsUInt16(), a1.AsUInt16()), e1 = Sse2.UnpackHigh(a2.AsUInt16(), a3.AsUInt16());
        Vector128<ushort> e2 = Sse2.UnpackHigh(a4.AsUInt16(), a5.AsUInt16()), e3 = Sse2.UnpackHigh(a6.AsUInt16(), a7.AsUInt16());
        Store4(ref to, cp, b0, b1, b2, b3);
        Store4(ref Unsafe.Add(ref to, 4 * cp), cp, e0, e1, e2, e3);
    }

    /// <summary>8 bytes of channels <paramref name="c"/> and <paramref name="d"/> interleaved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pixels(ref byte from, int plane, int c, int d) =>
        Sse2.UnpackLow(
            Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref from, c * plane))).AsByte(),
            Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref from, d * plane))).AsByte());

    /// <summary>Four pixels' 16 channels from the four-channel groups (channels 0-3, 4-7, 8-11, 12-15 of each pixel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(ref byte to, int cp, Vector128<ushort> c0, Vector128<ushort> c4, Vector128<ushort> c8, Vector128<ushort> c12)
    {
        // Eight channels per pixel: pixels 0-1 (Low) and 2-3 (High), then all 16 per pixel.
        Vector128<uint> low0 = Sse2.UnpackLow(c0.AsUInt32(), c4.AsUInt32()), high0 = Sse2.UnpackHigh(c0.AsUInt32(), c4.AsUInt32());
        Vector128<uint> low8 = Sse2.UnpackLow(c8.AsUInt32(), c12.AsUInt32()), high8 = Sse2.UnpackHigh(c8.AsUInt32(), c12.AsUInt32());
        Sse2.UnpackLow(low0.AsUInt64(), low8.AsUInt64()).AsByte().StoreUnsafe(ref to);
        Sse2.UnpackHigh(low0.AsUInt64(), low8.AsUInt64()).AsByte().StoreUnsafe(ref Unsafe.Add(ref to, cp));
        Sse2.UnpackLow(high0.AsUInt64(), high8.AsUInt64()).AsByte().StoreUnsafe(ref Unsafe.Add(ref to, 2 * cp));
        Sse2.UnpackHigh(high0.AsUInt64(), high8.AsUInt64()).AsByte().StoreUnsafe(ref Unsafe.Add(ref to, 3 * cp));
    }

    /// <summary>Where position <paramref name="p"/>'s window starts in the channels-last map.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Origin(in Window w, int outWidth, int p, int cp, int pw)
    {
        // One division: the JIT does not share p / outWidth with p % outWidth, and a pass of two positions paid four.
        int oy = p / outWidth, ox = p - oy * outWidth;
        return (oy * w.StrideH * pw + ox * w.StrideW) * cp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PassVnni(ReadOnlySpan<byte> map, ref sbyte w0, int blockBytes, Span<float> y, in Window w, int outWidth, int cp, int pw, int positions, int o0, int channels, int p0, int count, ReadOnlySpan<float> factors)
    {
        // The last pass repeats its last position rather than running a second loop; only real ones are stored.
        ref byte m = ref MemoryMarshal.GetReference(map);
        ref byte m0 = ref Unsafe.Add(ref m, Origin(w, outWidth, p0, cp, pw));
        ref byte m1 = ref Unsafe.Add(ref m, Origin(w, outWidth, p0 + Math.Min(1, count - 1), cp, pw));
        ref byte m2 = ref Unsafe.Add(ref m, Origin(w, outWidth, p0 + Math.Min(2, count - 1), cp, pw));
        ref byte m3 = ref Unsafe.Add(ref m, Origin(w, outWidth, p0 + Math.Min(3, count - 1), cp, pw));
        ref byte m4 = ref Unsafe.Add(ref m, Origin(w, outWidth, p0 + Math.Min(4, count - 1), cp, pw));
        ref byte m5 = ref Unsafe.Add(ref m, Origin(w, outWidth, p0 + Math.Min(5, count - 1), cp, pw));
        ref sbyte w1 = ref Unsafe.Add(ref w0, blockBytes);
        Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<int> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default;
        int groups = cp / 4;
        int kernelH = w.KernelH, kernelW = w.KernelW;
        nuint at = 0;
        for (int ky = 0; ky < kernelH; ky++)
        {
            for (int kx = 0; kx < kernelW; kx++)
            {
                nint o = (ky * pw + kx) * cp;
                for (int g = 0; g < groups; g++, at += 32, o += 4)
                {
                    Vector256<sbyte> u = Vector256.LoadUnsafe(ref w0, at), v = Vector256.LoadUnsafe(ref w1, at);
                    Vector256<byte> x = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m0, o))).AsByte();
                    a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, u);
                    b0 = AvxVnni.MultiplyWideningAndAdd(b0, x, v);
                    x = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m1, o))).AsByte();
                    a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, u);
                    b1 = AvxVnni.MultiplyWideningAndAdd(b1, x, v);
                    x = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m2, o))).AsByte();
                    a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, u);
                    b2 = AvxVnni.MultiplyWideningAndAdd(b2, x, v);
                    x = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m3, o))).AsByte();
                    a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, u);
                    b3 = AvxVnni.MultiplyWideningAndAdd(b3, x, v);
                    x = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m4, o))).AsByte();
                    a4 = AvxVnni.MultiplyWideningAndAdd(a4, x, u);
                    b4 = AvxVnni.MultiplyWideningAndAdd(b4, x, v);
                    x = Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m5, o))).AsByte();
                    a5 = AvxVnni.MultiplyWideningAndAdd(a5, x, u);
                    b5 = AvxVnni.MultiplyWideningAndAdd(b5, x, v);
                }
            }
        }

        ref float to = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), o0 * positions + p0);
        StoreInt8(ref to, positions, channels, factors, a0, b0);
        if (count > 1) StoreInt8(ref Unsafe.Add(ref to, 1), positions, channels, factors, a1, b1);
        if (count > 2) StoreInt8(ref Unsafe.Add(ref to, 2), positions, channels, factors, a2, b2);
        if (count > 3) StoreInt8(ref Unsafe.Add(ref to, 3), positions, channels, factors, a3, b3);
        if (count > 4) StoreInt8(ref Unsafe.Add(ref to, 4), positions, channels, factors, a4, b4);
        if (count > 5) StoreInt8(ref Unsafe.Add(ref to, 5), positions, channels, factors, a5, b5);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PassShifts(ReadOnlySpan<byte> map, ref sbyte w0, int blockBytes, Span<float> y, in Window w, int outWidth, int cp, int pw, int positions, int o0, int channels, int p0, int count, ReadOnlySpan<float> factors)
    {
        ref byte m = ref MemoryMarshal.GetReference(map);
        ref sbyte w1 = ref Unsafe.Add(ref w0, blockBytes);
        int groups = cp / 4;
        for (int i = 0; i < count; i++)
        {
            ref byte mi = ref Unsafe.Add(ref m, Origin(w, outWidth, p0 + i, cp, pw));
            Vector256<int> a = default, b = default;
            nuint at = 0;
            for (int ky = 0; ky < w.KernelH; ky++)
            {
                for (int kx = 0; kx < w.KernelW; kx++)
                {
                    int offset = (ky * pw + kx) * cp;
                    for (int g = 0; g < groups; g++, at += 32)
                    {
                        int word = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref mi, offset + 4 * g));
                        Vector256<int> u = Vector256.LoadUnsafe(ref w0, at).AsInt32(), v = Vector256.LoadUnsafe(ref w1, at).AsInt32();
                        for (int j = 0; j < 4; j++)
                        {
                            // Byte j of every 32-bit word, sign-extended (weights) or zero-extended (codes).
                            Vector256<int> code = Vector256.Create((word >> (8 * j)) & 0xFF);
                            a += Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(u, 24 - 8 * j), 24) * code;
                            b += Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(v, 24 - 8 * j), 24) * code;
                        }
                    }
                }
            }

            StoreInt8(ref Unsafe.Add(ref MemoryMarshal.GetReference(y), o0 * positions + p0 + i), positions, channels, factors, a, b);
        }
    }

    /// <summary>The scalar twin: the same sums, one multiply at a time, in the same epilogue.</summary>
    private static void PassScalar(ReadOnlySpan<byte> map, ReadOnlySpan<sbyte> weights, Span<float> y, in Window w, int outWidth, int cp, int pw, int positions, int o0, int channels, int p0, int count, ReadOnlySpan<float> factors)
    {
        int taps = w.KernelH * w.KernelW;
        for (int i = 0; i < count; i++)
        {
            int origin = Origin(w, outWidth, p0 + i, cp, pw);
            for (int j = 0; j < channels; j++)
            {
                int o = o0 + j;
                int dot = 0;
                for (int ky = 0; ky < w.KernelH; ky++)
                {
                    for (int kx = 0; kx < w.KernelW; kx++)
                    {
                        int tap = ky * w.KernelW + kx;
                        for (int c = 0; c < w.Channels; c++)
                        {
                            dot += map[origin + (ky * pw + kx) * cp + c] * weights[KernelGeometry.ConvInt8Index(o, tap, c, taps, w.Channels)];
                        }
                    }
                }

                y[o * positions + p0 + i] = factors[j] * dot + factors[2 * KernelGeometry.ConvChannelBlock + j];
            }
        }
    }

    /// <summary>
    /// One position's outputs: two vectors of eight channels' sums, scaled and biased in float (product * dot + bias,
    /// one rounding each, as the scalar twin), stored <paramref name="positions"/> apart into [channel, position].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInt8(ref float to, int positions, int channels, ReadOnlySpan<float> factors, Vector256<int> a, Vector256<int> b)
    {
        ref float f = ref MemoryMarshal.GetReference(factors);
        StoreColumn(ref to, positions, channels,
            Vector256.LoadUnsafe(ref f) * Vector256.ConvertToSingle(a) + Vector256.LoadUnsafe(ref f, 16),
            Vector256.LoadUnsafe(ref f, 8) * Vector256.ConvertToSingle(b) + Vector256.LoadUnsafe(ref f, 24));
    }

    /// <summary>One position's 16 (or <paramref name="channels"/>) outputs, <paramref name="positions"/> apart in y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumn(ref float to, int positions, int channels, Vector256<float> first, Vector256<float> second)
    {
        if (channels == 2 * KernelGeometry.ConvChannelBlock)
        {
            StoreLanes(ref to, positions, first);
            StoreLanes(ref Unsafe.Add(ref to, KernelGeometry.ConvChannelBlock * positions), positions, second);
            return;
        }

        for (int j = 0; j < channels; j++)
        {
            Unsafe.Add(ref to, j * positions) = j < KernelGeometry.ConvChannelBlock ? first.GetElement(j) : second.GetElement(j - KernelGeometry.ConvChannelBlock);
        }
    }

    /// <summary>Eight lanes, <paramref name="positions"/> apart. Constant lane indices: in a loop, each GetElement went
    /// through a spill of the whole vector to the stack and a reload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(ref float to, int positions, Vector256<float> v)
    {
        Vector128<float> low = v.GetLower(), high = v.GetUpper();
        Unsafe.Add(ref to, 0) = low.ToScalar();
        Unsafe.Add(ref to, positions) = low.GetElement(1);
        Unsafe.Add(ref to, 2 * positions) = low.GetElement(2);
        Unsafe.Add(ref to, 3 * positions) = low.GetElement(3);
        Unsafe.Add(ref to, 4 * positions) = high.ToScalar();
        Unsafe.Add(ref to, 5 * positions) = high.GetElement(1);
        Unsafe.Add(ref to, 6 * positions) = high.GetElement(2);
        Unsafe.Add(ref to, 7 * positions) = high.GetElement(3);
    }
}
