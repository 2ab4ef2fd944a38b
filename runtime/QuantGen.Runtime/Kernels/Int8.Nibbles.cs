using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Weight codes of up to 4 bits stored two per byte (<see cref="KernelGeometry.Int4Index"/>, <see cref="KernelGeometry.Int4Nibble"/>):
/// half the bytes of the byte layout, read by the same loops. A step moves the low or high nibbles of a run to the top
/// of each byte (and flips the low ones' offset), where a signed byte is 16 times the code, so every path multiplies
/// them as it multiplies byte codes; the dot products come out 16 times too large (exact: |16 q_w| &lt;= 128, the byte
/// layout's bound) and are shifted back before the epilogue. AVX2 with inputs of up to 4 bits has its own loop
/// (<see cref="NibblesShort256"/>).
/// </summary>
public static partial class Int8
{
    /// <summary>Bytes per weight row of the nibble layout: the columns rounded up to 64, two per byte.</summary>
    public static int NibbleRowBytes(int cols) => KernelGeometry.Int4RowBytes(cols);

    /// <summary>Bytes of the weights of a <paramref name="rows"/> x <paramref name="cols"/> product in the nibble layout.</summary>
    public static long NibbleWeightBytes(int rows, int cols) => KernelGeometry.Int4WeightBytes(rows, cols);

    /// <summary>
    /// <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// with weight codes of -8..7 in the nibble layout (<see cref="NibbleRowBytes"/> per row): the same integer dot
    /// products and epilogue, so the same outputs, bit for bit, as the byte layout of the same codes.
    /// </summary>
    public static void DenseNibbles(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch) =>
        DenseNibbles(x, y, weights, activationBits, lo, hi, product, constant, perSum, bias, scratch, Path.Best);

    internal static void DenseNibbles(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
    {
        CheckBits(activationBits);
        KernelChecks.AtLeast(weights.Length, KernelGeometry.Int4WeightBytes(y.Length, x.Length), nameof(weights));
        One<NibbleRuns>(x, y, ref Unsafe.As<byte, sbyte>(ref MemoryMarshal.GetReference(weights)), NibbleRowBytes(x.Length), activationBits, lo, hi, product, constant, perSum, bias, scratch, path);
    }

    /// <summary>The path <see cref="Path.Best"/> stands for on the nibble layout: AVX2's own loop for inputs of up to 4 bits
    /// wherever AVX2 runs (two masks and two vpmaddubsw per 64 columns; the AVX-VNNI path takes a shift, a mask and a flip
    /// before each vpdpbusd of 32), else what the byte layout takes.</summary>
    private static Path BestNibblePath(int activationBits) =>
        activationBits <= 4 && Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Path.Bytes256 : BestPath;

    /// <summary>How a layout keeps a row's weights in its 32-byte runs (the loops are written once over both layouts).</summary>
    private interface IRuns
    {
        /// <summary>The padded columns of a row of <paramref name="stride"/> bytes.</summary>
        static abstract int Columns(int stride);

        /// <summary>Where the run holding column <paramref name="c"/> (a multiple of 32) starts in a block, in bytes.</summary>
        static abstract nuint Run(nuint c);

        /// <summary>What a step of the chunk of 32 columns from <paramref name="c"/> needs to know of its half of the run: the
        /// left shift that brings the nibbles to the top of each byte (4 for the low ones, 0 for the high ones).</summary>
        static abstract int Half(nuint c);

        /// <summary>The step of weights for columns <paramref name="i"/>.. of a half of a row's run, as path L multiplies them.</summary>
        static abstract X Weights<L, V, X>(ref sbyte run, nuint i, int half)
            where L : struct, IProductLanes<V, X>
            where V : struct
            where X : struct;

        /// <summary>A block's four dot products from the sums of the products the path multiplied.</summary>
        static abstract Vector128<int> Finish(Vector128<int> sums);
    }

    /// <summary>One signed byte per code.</summary>
    private readonly struct ByteRuns : IRuns
    {
        public static int Columns(int stride) => stride;

        public static nuint Run(nuint c) => c * KernelGeometry.Int8BlockRows;

        public static int Half(nuint c) => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static X Weights<L, V, X>(ref sbyte run, nuint i, int half)
            where L : struct, IProductLanes<V, X>
            where V : struct
            where X : struct => L.Weights(ref run, i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Finish(Vector128<int> sums) => sums;
    }

    /// <summary>Two 4-bit codes per byte: columns 0..31 of a run in the low nibbles, 32..63 in the high ones.</summary>
    private readonly struct NibbleRuns : IRuns
    {
        public static int Columns(int stride) => 2 * stride;

        /// <summary>Branch-free (the JIT does not split a loop over the two halves): the high half's shift by 0 costs one instruction.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nuint Run(nuint c) => c / KernelGeometry.Int4Chunk * KernelGeometry.Int8RunBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Half(nuint c) => 4 - (int)((c & KernelGeometry.Int8Chunk) >> 3);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static X Weights<L, V, X>(ref sbyte run, nuint i, int half)
            where L : struct, IProductLanes<V, X>
            where V : struct
            where X : struct => L.Nibbles(ref run, i, half);

        /// <summary>Every product was 16 x code x weight, so every sum is a multiple of 16: the arithmetic shift is exact.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Finish(Vector128<int> sums) => Vector128.ShiftRightArithmetic(sums, 4);
    }

    /// <summary>
    /// Each byte shifted left by <paramref name="shift"/> (the two nibbles of a byte share a 16-bit lane, so the mask clears
    /// what crossed from the lower byte), then the low nibbles' offset of 8 flipped into two's complement: 16 x the code
    /// (<see cref="KernelGeometry.Int4Nibble"/>; shift 4 puts 0x80 in the xor, shift 0 nothing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Nibbles256(Vector256<byte> v, int shift) =>
        (Vector256.ShiftLeft(v.AsUInt16(), shift).AsByte() & Vector256.Create((byte)0xF0)) ^ Vector256.Create((byte)(shift << 5));

    /// <inheritdoc cref="Nibbles256"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Nibbles128(Vector128<byte> v, int shift) =>
        (Vector128.ShiftLeft(v.AsUInt16(), shift).AsByte() & Vector128.Create((byte)0xF0)) ^ Vector128.Create((byte)(shift << 5));

    /// <inheritdoc cref="Nibbles256"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector64<byte> Nibbles64(Vector64<byte> v, int shift) =>
        (Vector64.ShiftLeft(v.AsUInt16(), shift).AsByte() & Vector64.Create((byte)0xF0)) ^ Vector64.Create((byte)(shift << 5));

    /// <inheritdoc cref="Nibbles256"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NibbleScalar(int b, int shift) => (sbyte)(((b << shift) & 0xF0) ^ (shift << 5));

    /// <summary>
    /// Runs of 64 columns whose 16-bit sums in <see cref="NibblesShort256"/> cannot overflow. With n = 2^bits - 1, a run adds
    /// to each 16-bit lane a low pair (16 x code x (q + 8): 0 to 2 x 16n x 15) and a high pair (code x 16 q: -2 x 128n to
    /// 2 x 112n), so at most 2n (240 + 112) and at least -256n: 3 runs at 4 bits, 46 at 1 bit.
    /// </summary>
    private static int NibbleShortRuns(int activationBits) => short.MaxValue / (2 * ((1 << activationBits) - 1) * (240 + 112));

    /// <summary>
    /// <see cref="Path.Bytes256"/> on the nibble layout for inputs of up to 4 bits: two masks per run and row instead of
    /// shifts. The low nibbles (q + 8, never negative) multiply 16 x the codes (at most 240, still a byte: vpmaddubsw's
    /// unsigned operand), the high nibbles (16 q as signed bytes) the codes, so both halves' products are 16 times theirs and
    /// share the 16-bit sums (widened every <paramref name="steps"/> runs, see <see cref="NibbleShortRuns"/>). The dot product is
    /// that sum / 16 less 8 x the sum of the codes in low halves.
    /// </summary>
    private static void NibblesShort256(
        ref sbyte w, ref byte a, int stride, int steps, Span<float> y, int sum,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
    {
        const int Chunk = KernelGeometry.Int8Chunk;
        Vector256<short> one = Vector256.Create((short)1);
        Vector256<byte> low = Vector256.Create((byte)0x0F), high = Vector256.Create((byte)0xF0);
        nuint runs = (nuint)(stride / Chunk);
        Vector128<int> offset = Vector128.Create(8 * LowHalfSum(ref a, runs));
        for (int r0 = 0; r0 < y.Length; r0 += RowsPerPass)
        {
            ref byte block = ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref w, (nint)r0 * stride));
            Vector256<int> s0 = Vector256<int>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (nuint u0 = 0; u0 < runs; u0 += (nuint)steps)
            {
                nuint end = Math.Min(runs, u0 + (nuint)steps);
                Vector256<short> h0 = Vector256<short>.Zero, h1 = h0, h2 = h0, h3 = h0;
                for (nuint u = u0; u < end; u++)
                {
                    // Codes below 16: the 16-bit shift moves no bit across a byte.
                    Vector256<byte> xl = Vector256.ShiftLeft(Vector256.LoadUnsafe(ref a, u * KernelGeometry.Int4Chunk).AsUInt16(), 4).AsByte();
                    Vector256<byte> xh = Vector256.LoadUnsafe(ref a, (u * KernelGeometry.Int4Chunk) + Chunk);
                    ref byte run = ref Unsafe.Add(ref block, u * KernelGeometry.Int8RunBytes);

                    // Each row's load next to its use: loaded together, the JIT keeps two of them on the stack.
                    h0 += NibblePairs256(xl, xh, Vector256.LoadUnsafe(ref run), low, high);
                    h1 += NibblePairs256(xl, xh, Vector256.LoadUnsafe(ref run, Chunk), low, high);
                    h2 += NibblePairs256(xl, xh, Vector256.LoadUnsafe(ref run, 2 * Chunk), low, high);
                    h3 += NibblePairs256(xl, xh, Vector256.LoadUnsafe(ref run, 3 * Chunk), low, high);
                }

                s0 += Avx2.MultiplyAddAdjacent(h0, one);
                s1 += Avx2.MultiplyAddAdjacent(h1, one);
                s2 += Avx2.MultiplyAddAdjacent(h2, one);
                s3 += Avx2.MultiplyAddAdjacent(h3, one);
            }

            Epilogue(Vector128.ShiftRightArithmetic(Sum4Avx2(s0, s1, s2, s3), 4) - offset, r0, sum, y, product, constant, perSum, bias);
        }
    }

    /// <summary>A run's row: 16 x (low nibbles times the codes of the first 32 columns, high nibbles times the rest), in pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> NibblePairs256(Vector256<byte> xl16, Vector256<byte> xh, Vector256<byte> v, Vector256<byte> low, Vector256<byte> high) =>
        Avx2.MultiplyAddAdjacent(xl16, (v & low).AsSByte()) + Avx2.MultiplyAddAdjacent(xh, (v & high).AsSByte());

    /// <summary>The sum of the codes in the first 32 columns of every run of 64 (vpsadbw against zero).</summary>
    private static int LowHalfSum(ref byte a, nuint runs)
    {
        Vector256<ulong> total = Vector256<ulong>.Zero;
        for (nuint u = 0; u < runs; u++)
        {
            total += Avx2.SumAbsoluteDifferences(Vector256.LoadUnsafe(ref a, u * KernelGeometry.Int4Chunk), Vector256<byte>.Zero).AsUInt64();
        }

        return (int)Vector256.Sum(total);
    }
}
