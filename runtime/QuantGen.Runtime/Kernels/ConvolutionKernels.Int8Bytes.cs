using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The integer convolution on AVX2 without VNNI: vpdpbusd's work in two instructions, vpmaddubsw (codes times weights,
/// adjacent pairs added into 16 bits) and vpmaddwd against ones (pairs of those into 32 bits). vpmaddubsw saturates a
/// pair sum past 32,767, which codes of up to 7 bits cannot reach (127 * 128 * 2 = 32,512). An 8-bit code c is split as
/// 128 h + l (h = c >> 7, l = c &amp; 127): l takes the same two steps, and h (0 or 1) times the weights, at most 256
/// per pair, accumulates in 16-bit lanes for up to 127 steps before it is widened and scaled by 128. Exact either way,
/// so the sums are the scalar twin's to the bit.
/// </summary>
/// <remarks>
/// Measured on the digits CNN's 16 -> 32 convolution (8 x 8, 3 x 3, 4-bit input): the shifts path isolated each byte
/// with two shifts and multiplied 32-bit lanes (vpmulld), one position at a time, which made this layer about three
/// times slower than the float convolution on an AVX2 machine. Three positions per pass (two for 8-bit codes, whose
/// 16-bit sums need registers of their own) share each weight load, within AVX2's 16 registers.
/// </remarks>
public static partial class ConvolutionKernels
{
    /// <summary>Steps a 16-bit lane of the high parts' sums takes before it could overflow (127 * 256 = 32,512).</summary>
    private const int HighPartSteps = 127;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PassBytes(ReadOnlySpan<byte> map, ref sbyte w0, int blockBytes, Span<float> y, in Window w, int outWidth, int cp, int pw, int positions, int o0, int channels, int p0, int count, ReadOnlySpan<float> factors, bool wide)
    {
        int step = wide ? 2 : 3;
        for (int i = 0; i < count; i += step)
        {
            int n = Math.Min(step, count - i);
            if (wide)
            {
                BytesWide(map, ref w0, blockBytes, y, w, outWidth, cp, pw, positions, o0, channels, p0 + i, n, factors);
            }
            else
            {
                BytesNarrow(map, ref w0, blockBytes, y, w, outWidth, cp, pw, positions, o0, channels, p0 + i, n, factors);
            }
        }
    }

    /// <summary>Up to three positions of codes below 128; the last one repeats to fill the pass, only real ones are stored.</summary>
    private static void BytesNarrow(ReadOnlySpan<byte> map, ref sbyte w0, int blockBytes, Span<float> y, in Window w, int outWidth, int cp, int pw, int positions, int o0, int channels, int p, int n, ReadOnlySpan<float> factors)
    {
        ref byte m = ref MemoryMarshal.GetReference(map);
        ref byte m0 = ref Unsafe.Add(ref m, Origin(w, outWidth, p, cp, pw));
        ref byte m1 = ref Unsafe.Add(ref m, Origin(w, outWidth, p + Math.Min(1, n - 1), cp, pw));
        ref byte m2 = ref Unsafe.Add(ref m, Origin(w, outWidth, p + Math.Min(2, n - 1), cp, pw));
        ref sbyte w1 = ref Unsafe.Add(ref w0, blockBytes);
        Vector256<short> ones = Vector256.Create((short)1);
        Vector256<int> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        int groups = cp / 4;
        nuint at = 0;
        for (int ky = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++)
            {
                nint o = (ky * pw + kx) * cp;
                for (int g = 0; g < groups; g++, at += 32, o += 4)
                {
                    Vector256<sbyte> u = Vector256.LoadUnsafe(ref w0, at), v = Vector256.LoadUnsafe(ref w1, at);
                    Vector256<byte> x = Word(ref m0, o);
                    a0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, u), ones);
                    b0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, v), ones);
                    x = Word(ref m1, o);
                    a1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, u), ones);
                    b1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, v), ones);
                    x = Word(ref m2, o);
                    a2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, u), ones);
                    b2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, v), ones);
                }
            }
        }

        ref float to = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), o0 * positions + p);
        StoreInt8(ref to, positions, channels, factors, a0, b0);
        if (n > 1) StoreInt8(ref Unsafe.Add(ref to, 1), positions, channels, factors, a1, b1);
        if (n > 2) StoreInt8(ref Unsafe.Add(ref to, 2), positions, channels, factors, a2, b2);
    }

    /// <summary>Up to two positions of 8-bit codes, each split into its low 7 bits and its top bit (see the class remarks).</summary>
    private static void BytesWide(ReadOnlySpan<byte> map, ref sbyte w0, int blockBytes, Span<float> y, in Window w, int outWidth, int cp, int pw, int positions, int o0, int channels, int p, int n, ReadOnlySpan<float> factors)
    {
        ref byte m = ref MemoryMarshal.GetReference(map);
        ref byte m0 = ref Unsafe.Add(ref m, Origin(w, outWidth, p, cp, pw));
        ref byte m1 = ref Unsafe.Add(ref m, Origin(w, outWidth, p + Math.Min(1, n - 1), cp, pw));
        ref sbyte w1 = ref Unsafe.Add(ref w0, blockBytes);
        Vector256<short> ones = Vector256.Create((short)1), scale = Vector256.Create((short)128);
        // The split in vector operations on the broadcast word (a 16-bit shift moves each byte's top bit to bit 0 of that
        // byte; the mask drops what crossed from the byte above).
        Vector256<byte> lowBits = Vector256.Create((byte)0x7F), topBit = Vector256.Create((byte)1);
        Vector256<int> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector256<short> ha0 = default, ha1 = default, hb0 = default, hb1 = default;
        int groups = cp / 4, steps = 0;
        nuint at = 0;
        for (int ky = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++)
            {
                nint o = (ky * pw + kx) * cp;
                for (int g = 0; g < groups; g++, at += 32, o += 4)
                {
                    Vector256<sbyte> u = Vector256.LoadUnsafe(ref w0, at), v = Vector256.LoadUnsafe(ref w1, at);
                    Vector256<byte> x = Word(ref m0, o);
                    Vector256<byte> low = x & lowBits, high = (x.AsUInt16() >>> 7).AsByte() & topBit;
                    a0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, u), ones);
                    b0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, v), ones);
                    ha0 += Avx2.MultiplyAddAdjacent(high, u);
                    hb0 += Avx2.MultiplyAddAdjacent(high, v);
                    x = Word(ref m1, o);
                    low = x & lowBits;
                    high = (x.AsUInt16() >>> 7).AsByte() & topBit;
                    a1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, u), ones);
                    b1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(low, v), ones);
                    ha1 += Avx2.MultiplyAddAdjacent(high, u);
                    hb1 += Avx2.MultiplyAddAdjacent(high, v);
                    if (++steps == HighPartSteps)
                    {
                        a0 += Avx2.MultiplyAddAdjacent(ha0, scale);
                        b0 += Avx2.MultiplyAddAdjacent(hb0, scale);
                        a1 += Avx2.MultiplyAddAdjacent(ha1, scale);
                        b1 += Avx2.MultiplyAddAdjacent(hb1, scale);
                        (ha0, hb0, ha1, hb1, steps) = (default, default, default, default, 0);
                    }
                }
            }
        }

        a0 += Avx2.MultiplyAddAdjacent(ha0, scale);
        b0 += Avx2.MultiplyAddAdjacent(hb0, scale);
        a1 += Avx2.MultiplyAddAdjacent(ha1, scale);
        b1 += Avx2.MultiplyAddAdjacent(hb1, scale);
        ref float to = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), o0 * positions + p);
        StoreInt8(ref to, positions, channels, factors, a0, b0);
        if (n > 1) StoreInt8(ref Unsafe.Add(ref to, 1), positions, channels, factors, a1, b1);
    }

    /// <summary>The 32-bit word of four channels' codes at <paramref name="o"/>, in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Word(ref byte m, nint o) => Vector256.Create(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref m, o))).AsByte();
}
