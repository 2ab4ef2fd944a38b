using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The xor/popcount convolution's pixel words (as <see cref="PixelWordsScalar"/> makes them) a vector of pixels at a
/// time: one loop, and per width a struct that loads one channel's codes of those pixels widened to 32-bit lanes, moves
/// a plane's bit into place and stores the words (<see cref="Pixels512"/>, <see cref="Pixels256"/>, <see cref="Pixels128"/>).
/// </summary>
public static partial class ConvolutionKernels
{
    private static void PixelWords<L, V>(ReadOnlySpan<byte> codes, Span<byte> pixels, in Window w, int planes, int chunks, int wordBytes, int pixelStride, int front)
        where L : struct, IPixelLanes<V>
        where V : struct
    {
        int area = w.Height * w.Width, wordBits = 8 * wordBytes;
        KernelChecks.AtLeast(codes.Length, (long)w.Channels * area + 16, nameof(codes));
        KernelChecks.AtLeast(pixels.Length, ((long)planes * chunks * pixelStride + 16) * wordBytes, nameof(pixels));
        ref byte c0 = ref MemoryMarshal.GetReference(codes);
        ref byte p0 = ref MemoryMarshal.GetReference(pixels);
        for (int k = 0; k < chunks; k++)
        {
            int last = Math.Min(w.Channels, (k + 1) * wordBits);
            for (int q = 0; q < area; q += L.Pixels)
            {
                V w0 = L.Zero, w1 = w0, w2 = w0, w3 = w0;
                for (int c = k * wordBits; c < last; c++)
                {
                    V v = L.Load(ref Unsafe.Add(ref c0, c * area + q));
                    int bit = c - k * wordBits;
                    V one = L.Bit(bit);
                    w0 = L.Insert(w0, v, 0, bit, one);
                    if (planes > 1)
                    {
                        w1 = L.Insert(w1, v, 1, bit, one);
                    }

                    if (planes > 2)
                    {
                        w2 = L.Insert(w2, v, 2, bit, one);
                    }

                    if (planes > 3)
                    {
                        w3 = L.Insert(w3, v, 3, bit, one);
                    }
                }

                // The words of pixels past the map (q + L.Pixels > area) land in the plane's room after it (a multiple of
                // 16 words), never counted.
                int at = k * pixelStride + front + q;
                L.Store(w0, ref p0, at, wordBytes);
                if (planes > 1)
                {
                    L.Store(w1, ref p0, at + chunks * pixelStride, wordBytes);
                }

                if (planes > 2)
                {
                    L.Store(w2, ref p0, at + 2 * chunks * pixelStride, wordBytes);
                }

                if (planes > 3)
                {
                    L.Store(w3, ref p0, at + 3 * chunks * pixelStride, wordBytes);
                }
            }
        }
    }

    /// <summary>One width of <see cref="PixelWords{L, V}"/>: V holds one 32-bit word per pixel.</summary>
    private interface IPixelLanes<V>
        where V : struct
    {
        /// <summary>Pixels per step.</summary>
        static abstract int Pixels { get; }

        static abstract V Zero { get; }

        /// <summary>The code bytes of <see cref="Pixels"/> consecutive pixels of one channel, widened to 32 bits.</summary>
        static abstract V Load(ref byte codes);

        /// <summary>1 &lt;&lt; <paramref name="bit"/> in every lane.</summary>
        static abstract V Bit(int bit);

        /// <summary>words with bit <paramref name="plane"/> of each code moved to bit <paramref name="bit"/> (<paramref name="one"/> = 1 &lt;&lt; bit).</summary>
        static abstract V Insert(V words, V codes, int plane, int bit, V one);

        /// <summary>The words into pixel words <paramref name="word"/>.., narrowed to 16 bits for 16-bit words.</summary>
        static abstract void Store(V words, ref byte p0, int word, int wordBytes);
    }

    /// <summary>16 pixels (AVX-512): one vpternlog per plane and channel.</summary>
    private readonly struct Pixels512 : IPixelLanes<Vector512<uint>>
    {
        public static int Pixels => 16;

        public static Vector512<uint> Zero => Vector512<uint>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<uint> Load(ref byte codes) => Avx512F.ConvertToVector512UInt32(Vector128.LoadUnsafe(ref codes));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<uint> Bit(int bit) => Vector512.Create(1u << bit);

        /// <summary>(codes >> plane) &lt;&lt; bit, kept by one, or-ed in: vpternlog a | (b &amp; c).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<uint> Insert(Vector512<uint> words, Vector512<uint> codes, int plane, int bit, Vector512<uint> one) =>
            Avx512F.TernaryLogic(words, (codes >> plane) << bit, one, 0xF8);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<uint> words, ref byte p0, int word, int wordBytes)
        {
            if (wordBytes == 2)
            {
                Avx512F.ConvertToVector256UInt16(words).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref p0), (nuint)word);
            }
            else
            {
                words.StoreUnsafe(ref Unsafe.As<byte, uint>(ref p0), (nuint)word);
            }
        }
    }

    /// <summary>8 pixels (AVX2): half the steps of <see cref="Pixels128"/>.</summary>
    private readonly struct Pixels256 : IPixelLanes<Vector256<uint>>
    {
        public static int Pixels => 8;

        public static Vector256<uint> Zero => Vector256<uint>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<uint> Load(ref byte codes) =>
            Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref codes)).AsByte()).AsUInt32();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<uint> Bit(int bit) => Vector256.Create(1u << bit);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<uint> Insert(Vector256<uint> words, Vector256<uint> codes, int plane, int bit, Vector256<uint> one) =>
            words | (((codes >> plane) << bit) & one);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<uint> words, ref byte p0, int word, int wordBytes)
        {
            if (wordBytes == 2)
            {
                Vector128.Narrow(words.GetLower(), words.GetUpper()).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref p0, word * 2)));
            }
            else
            {
                words.StoreUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref p0, word * 4)));
            }
        }
    }

    /// <summary>4 pixels with the portable vector operations every hardware-accelerated machine has (SSE, AdvSimd).</summary>
    private readonly struct Pixels128 : IPixelLanes<Vector128<uint>>
    {
        public static int Pixels => 4;

        public static Vector128<uint> Zero => Vector128<uint>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<uint> Load(ref byte codes) =>
            Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref codes)).AsByte()));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<uint> Bit(int bit) => Vector128.Create(1u << bit);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<uint> Insert(Vector128<uint> words, Vector128<uint> codes, int plane, int bit, Vector128<uint> one) =>
            words | (((codes >> plane) << bit) & one);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector128<uint> words, ref byte p0, int word, int wordBytes)
        {
            if (wordBytes == 2)
            {
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref p0, word * 2), Vector128.Narrow(words, words).AsUInt64().ToScalar());
            }
            else
            {
                words.StoreUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref p0, word * 4)));
            }
        }
    }
}
