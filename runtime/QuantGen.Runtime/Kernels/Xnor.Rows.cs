using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The xor/popcount product over a row-major layout, [block of 32 rows][plane][byte of the row][32 rows]: one 256-bit
/// vector holds byte k of 32 rows, so every byte of a 128-bit lane meets the same activation byte, and that byte's two
/// nibble tables (<see cref="NibbleTables"/>) count 16 rows' nibbles per vpshufb with no xor at all. The word-interleaved
/// layout (<see cref="Multiply{TWords, TWeightBits}"/>) xors every weight vector with every activation plane and splits
/// the result into nibbles; here the weights are split once for all the planes and the tables stand for the xor. Planned
/// where AVX2 is the target (the AVX-512 product over the other layout is faster there); every machine runs it (AVX2, or a
/// scalar twin with the same counts and the same float steps, so the outputs are the same bits).
/// </summary>
public static partial class Xnor
{
    /// <summary>Rows of one block of the row-major layout.</summary>
    public const int RowsBlockRows = KernelGeometry.XnorRowsBlockRows;

    /// <summary>Bytes of a weight matrix in the row-major layout.</summary>
    public static long RowsPlaneBytes(int rows, int cols, int planes) => KernelGeometry.XnorRowsPlaneBytes(rows, cols, planes);

    /// <summary>Floats of the row-major layout's coefficients, [block][plane][32 rows].</summary>
    public static int RowsCoefficientFloats(int rows, int planes) => KernelGeometry.XnorRowsCoefficientFloats(rows, planes);

    /// <summary><see cref="DenseRows{TWeightBits}"/> with nothing fixed.</summary>
    public static void DenseRows(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch, Span<float> sharedCodes = default) =>
        DenseRows<FixedNone>(x, y, weights, weightBits, coefficients, bias, activationBits, cycles, scratch, sharedCodes);

    /// <summary>
    /// <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{ulong}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>
    /// over the row-major layout (<see cref="KernelGeometry.XnorRowsPlaneBytes"/>; coefficients [block][plane][32 rows]),
    /// compiled for the weight planes where <typeparamref name="TWeightBits"/> fixes them.
    /// </summary>
    public static void DenseRows<TWeightBits>(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch, Span<float> sharedCodes = default)
        where TWeightBits : struct, IFixedCount =>
        Coded<RowsProduct<TWeightBits>>(x, y, weights, weightBits, coefficients, bias, activationBits, cycles, scratch, sharedCodes);

    /// <summary>The row-major layout as a product behind the shared coding.</summary>
    private readonly struct RowsProduct<TWeightBits> : IPlaneProduct
        where TWeightBits : struct, IFixedCount
    {
        public static void Multiply(
            ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
            ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias) =>
            MultiplyRows<TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias);
    }

    /// <summary>The popcount product of packed activation planes (with their betas) and weights in the row-major layout.</summary>
    public static void MultiplyRows(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias) =>
        MultiplyRows<FixedNone>(activations, betas, cols, y, weights, weightBits, coefficients, bias);

    private static void MultiplyRows<TWeightBits>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
        where TWeightBits : struct, IFixedCount
    {
        FixedCount.Check<TWeightBits>(weightBits, "weight planes", nameof(weightBits));
        KernelChecks.AtLeast(activations.Length, (long)betas.Length * RowWords(cols), nameof(activations));
        KernelChecks.AtLeast(weights.Length, KernelGeometry.XnorRowsPlaneBytes(y.Length, cols, weightBits), nameof(weights));
        KernelChecks.AtLeast(coefficients.Length, KernelGeometry.XnorRowsCoefficientFloats(y.Length, weightBits), nameof(coefficients));
        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            switch (betas.Length)
            {
                case 2: Rows256<TwoBits, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
                case 3: Rows256<ThreeBits, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
                case 4: Rows256<FourBits, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
                default: Rows256<OneBit, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            }

            return;
        }

        RowsScalar(activations, betas, cols, y, weights, weightBits, coefficients, bias);
    }

    /// <summary>The scalar twin: per row, plane and activation plane the count of differing bits, then the AVX2 path's
    /// float steps in its order (a fused multiply-add of beta and n - 2 count per activation plane, the coefficient times
    /// that sum added per weight plane, then the bias).</summary>
    internal static void RowsScalar(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
    {
        int words = RowWords(cols), rowBytes = 8 * words;
        ReadOnlySpan<byte> a = MemoryMarshal.AsBytes(activations);
        for (int r = 0; r < y.Length; r++)
        {
            float sum = 0f;
            for (int p = 0; p < weightBits; p++)
            {
                float terms = 0f;
                for (int j = 0; j < betas.Length; j++)
                {
                    int count = 0;
                    for (int k = 0; k < rowBytes; k++)
                    {
                        count += BitOperations.PopCount((uint)(weights[(int)KernelGeometry.XnorRowsByteIndex(r, p, k, weightBits, words)] ^ a[(j * rowBytes) + k]));
                    }

                    terms = MathF.FusedMultiplyAdd(betas[j], cols - (2 * count), terms);
                }

                sum += coefficients[KernelGeometry.XnorRowsCoefficientIndex(r, p, weightBits)] * terms;
            }

            y[r] = sum + (bias.IsEmpty ? 0f : bias[r]);
        }
    }

    /// <summary>
    /// The AVX2 product: two blocks (64 rows) per pass, so each table load serves both; per byte of the row, the blocks'
    /// weight bytes split into nibbles once, then for each of TBits.Count activation planes two lookups per block (the
    /// activation byte's low and high tables), added into one byte tally per block and plane (at most 8 a byte, so folded
    /// into 32-bit counts every 31 bytes). More than four activation planes run one at a time (OneBit).
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void Rows256<TBits, TWeightBits>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
        where TBits : struct, IBitCount
        where TWeightBits : struct, IFixedCount
    {
        // Each activation byte's table address, once per call where they fit the stack (rows of up to 4,096 columns at 4
        // activation bits): in the counting loop a load, where computing it took a load, a shift and an add per plane and
        // byte (1024 x 256 at 3 x 3: 7.0 -> 6.7 us). Longer rows compute it there.
        int tables = betas.Length * 8 * RowWords(cols);
        if (tables <= MaxTablePointers)
        {
            Span<nint> pointers = stackalloc nint[tables];
            ref byte t0 = ref NibbleTables.Start();
            ref byte a = ref Unsafe.As<ulong, byte>(ref MemoryMarshal.GetReference(activations));
            for (int i = 0; i < tables; i++)
            {
                pointers[i] = (nint)Unsafe.AsPointer(ref Unsafe.Add(ref t0, Unsafe.Add(ref a, i) * 32));
            }

            Rows256<TBits, TWeightBits, StoredTables>(activations, betas, cols, y, weights, weightBits, coefficients, bias, pointers);
        }
        else
        {
            Rows256<TBits, TWeightBits, ComputedTables>(activations, betas, cols, y, weights, weightBits, coefficients, bias, default);
        }
    }

    /// <summary>The most table addresses <see cref="Rows256{TBits, TWeightBits}"/> keeps on the stack (16 KB).</summary>
    private const int MaxTablePointers = 2048;

    [SkipLocalsInit]
    private static void Rows256<TBits, TWeightBits, TTables>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias, ReadOnlySpan<nint> pointers)
        where TBits : struct, IBitCount
        where TWeightBits : struct, IFixedCount
        where TTables : struct, ITableAddress
    {
        int planes = TWeightBits.Value != 0 ? TWeightBits.Value : weightBits;
        int rows = y.Length, rowBytes = 8 * RowWords(cols), blocks = KernelGeometry.XnorRowsBlocks(rows);
        int activationBits = betas.Length, step = TBits.Count;
        int blockBytes = planes * rowBytes * RowsBlockRows;
        // The counts of one pass: [block of the pair][activation plane of the step][4 x 8 rows].
        Span<Vector256<int>> countSpace = stackalloc Vector256<int>[2 * 4 * 4];
        ref Vector256<int> counts = ref MemoryMarshal.GetReference(countSpace);
        ref byte t0 = ref NibbleTables.Start();
        ref byte a0 = ref Unsafe.As<ulong, byte>(ref MemoryMarshal.GetReference(activations));
        ref nint p0 = ref MemoryMarshal.GetReference(pointers);
        ref byte w0 = ref MemoryMarshal.GetReference(weights);
        ref float c0 = ref MemoryMarshal.GetReference(coefficients);
        Vector256<int> n = Vector256.Create(cols);
        for (int b = 0; b < blocks; b += 2)
        {
            bool pair = b + 1 < blocks;
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (int p = 0; p < planes; p++)
            {
                ref byte first = ref Unsafe.Add(ref w0, ((nint)b * blockBytes) + ((nint)p * rowBytes * RowsBlockRows));
                // A lone last block counts against itself twice; its second copy is dropped.
                ref byte second = ref pair ? ref Unsafe.Add(ref first, blockBytes) : ref first;
                Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default, f0 = default, f1 = default, f2 = default, f3 = default;
                for (int j = 0; j < activationBits; j += step)
                {
                    CountPlanes<TBits, TTables>(ref t0, ref Unsafe.Add(ref a0, (nint)j * rowBytes), ref Unsafe.Add(ref p0, (nint)j * rowBytes), ref first, ref second, rowBytes, ref counts);
                    for (int q = 0; q < step; q++)
                    {
                        Vector256<float> beta = Vector256.Create(betas[j + q]);
                        ref Vector256<int> own = ref Unsafe.Add(ref counts, 4 * q);
                        e0 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (own + own)), e0);
                        e1 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (Unsafe.Add(ref own, 1) + Unsafe.Add(ref own, 1))), e1);
                        e2 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (Unsafe.Add(ref own, 2) + Unsafe.Add(ref own, 2))), e2);
                        e3 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (Unsafe.Add(ref own, 3) + Unsafe.Add(ref own, 3))), e3);
                        ref Vector256<int> other = ref Unsafe.Add(ref counts, 16 + (4 * q));
                        f0 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (other + other)), f0);
                        f1 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (Unsafe.Add(ref other, 1) + Unsafe.Add(ref other, 1))), f1);
                        f2 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (Unsafe.Add(ref other, 2) + Unsafe.Add(ref other, 2))), f2);
                        f3 = Vector256.FusedMultiplyAdd(beta, Vector256.ConvertToSingle(n - (Unsafe.Add(ref other, 3) + Unsafe.Add(ref other, 3))), f3);
                    }
                }

                ref float c = ref Unsafe.Add(ref c0, ((nint)b * planes + p) * RowsBlockRows);
                s0 += Vector256.LoadUnsafe(ref c) * e0;
                s1 += Vector256.LoadUnsafe(ref c, 8) * e1;
                s2 += Vector256.LoadUnsafe(ref c, 16) * e2;
                s3 += Vector256.LoadUnsafe(ref c, 24) * e3;
                if (pair)
                {
                    ref float d = ref Unsafe.Add(ref c, planes * RowsBlockRows);
                    s4 += Vector256.LoadUnsafe(ref d) * f0;
                    s5 += Vector256.LoadUnsafe(ref d, 8) * f1;
                    s6 += Vector256.LoadUnsafe(ref d, 16) * f2;
                    s7 += Vector256.LoadUnsafe(ref d, 24) * f3;
                }
            }

            int at = b * RowsBlockRows;
            Store(s0, at, y, bias);
            Store(s1, at + 8, y, bias);
            Store(s2, at + 16, y, bias);
            Store(s3, at + 24, y, bias);
            if (pair)
            {
                Store(s4, at + 32, y, bias);
                Store(s5, at + 40, y, bias);
                Store(s6, at + 48, y, bias);
                Store(s7, at + 56, y, bias);
            }
        }
    }

    /// <summary>
    /// The differing bits of two blocks' plane (<paramref name="first"/>, <paramref name="second"/>, [byte][32 rows]) and
    /// TBits.Count activation planes from <paramref name="a"/> (<paramref name="rowBytes"/> bytes each), as 32-bit counts:
    /// <paramref name="counts"/>[16 * block + 4 * plane + quarter] holds rows 8 * quarter .. + 7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CountPlanes<TBits, TTables>(ref byte t0, ref byte a, ref nint pointers, ref byte first, ref byte second, int rowBytes, ref Vector256<int> counts)
        where TBits : struct, IBitCount
        where TTables : struct, ITableAddress
    {
        int planes = TBits.Count;
        Vector256<byte> nibble = Vector256.Create((byte)0x0F);
        for (int k0 = 0; k0 < rowBytes; k0 += MaxVectorsPerByteSum)
        {
            int end = Math.Min(rowBytes, k0 + MaxVectorsPerByteSum);
            Vector256<byte> x0 = default, x1 = default, x2 = default, x3 = default, z0 = default, z1 = default, z2 = default, z3 = default;
            for (int k = k0; k < end; k++)
            {
                Vector256<byte> u = Vector256.LoadUnsafe(ref first, (nuint)(k * RowsBlockRows));
                Vector256<byte> v = Vector256.LoadUnsafe(ref second, (nuint)(k * RowsBlockRows));
                Vector256<byte> uLow = u & nibble, uHigh = (u.AsUInt16() >>> 4).AsByte() & nibble;
                Vector256<byte> vLow = v & nibble, vHigh = (v.AsUInt16() >>> 4).AsByte() & nibble;
                Count(TTables.Table(ref t0, ref a, ref pointers, k), uLow, uHigh, vLow, vHigh, ref x0, ref z0);
                if (planes > 1)
                {
                    Count(TTables.Table(ref t0, ref a, ref pointers, rowBytes + k), uLow, uHigh, vLow, vHigh, ref x1, ref z1);
                }

                if (planes > 2)
                {
                    Count(TTables.Table(ref t0, ref a, ref pointers, (2 * rowBytes) + k), uLow, uHigh, vLow, vHigh, ref x2, ref z2);
                }

                if (planes > 3)
                {
                    Count(TTables.Table(ref t0, ref a, ref pointers, (3 * rowBytes) + k), uLow, uHigh, vLow, vHigh, ref x3, ref z3);
                }
            }

            // One chunk: its byte tallies widen straight to the 32-bit counts. More: each chunk's tallies are added as 16-bit
            // halves (two unpacks, where widening to 32 bits took seven shuffles), widened once after the last chunk; rows
            // too long for 16-bit counts widen every chunk.
            bool initial = k0 == 0, last = end == rowBytes, halves = rowBytes > MaxVectorsPerByteSum && rowBytes <= MaxHalvesRowBytes;
            Tally(x0, ref counts, initial, last, halves);
            Tally(z0, ref Unsafe.Add(ref counts, 16), initial, last, halves);
            if (planes > 1)
            {
                Tally(x1, ref Unsafe.Add(ref counts, 4), initial, last, halves);
                Tally(z1, ref Unsafe.Add(ref counts, 20), initial, last, halves);
            }

            if (planes > 2)
            {
                Tally(x2, ref Unsafe.Add(ref counts, 8), initial, last, halves);
                Tally(z2, ref Unsafe.Add(ref counts, 24), initial, last, halves);
            }

            if (planes > 3)
            {
                Tally(x3, ref Unsafe.Add(ref counts, 12), initial, last, halves);
                Tally(z3, ref Unsafe.Add(ref counts, 28), initial, last, halves);
            }
        }
    }

    /// <summary>The longest row (in bytes) whose counts fit 16 bits: at most 8 a byte.</summary>
    private const int MaxHalvesRowBytes = ushort.MaxValue / 8;

    /// <summary>
    /// A chunk's 32 byte tallies (rows in order) into <paramref name="counts"/>, four vectors of 32-bit counts (rows 8q .. 8q + 7
    /// in vector q): widened and stored or added (<see cref="Fold"/>), or with <paramref name="halves"/> added as 16-bit halves in
    /// the first two vectors (the low bytes of each 128-bit lane, rows 0-7 and 16-23, then the high, rows 8-15 and 24-31;
    /// stored when <paramref name="initial"/>) and widened into the four after the <paramref name="last"/> chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tally(Vector256<byte> tally, ref Vector256<int> counts, bool initial, bool last, bool halves)
    {
        if (!halves)
        {
            Fold(tally, ref counts, initial);
            return;
        }

        Vector256<ushort> low = Avx2.UnpackLow(tally, Vector256<byte>.Zero).AsUInt16();
        Vector256<ushort> high = Avx2.UnpackHigh(tally, Vector256<byte>.Zero).AsUInt16();
        ref Vector256<ushort> sums = ref Unsafe.As<Vector256<int>, Vector256<ushort>>(ref counts);
        if (!initial)
        {
            low += sums;
            high += Unsafe.Add(ref sums, 1);
        }

        if (!last)
        {
            sums = low;
            Unsafe.Add(ref sums, 1) = high;
            return;
        }

        counts = Avx2.ConvertToVector256Int32(low.GetLower()).AsInt32();
        Unsafe.Add(ref counts, 1) = Avx2.ConvertToVector256Int32(high.GetLower()).AsInt32();
        Unsafe.Add(ref counts, 2) = Avx2.ConvertToVector256Int32(low.GetUpper()).AsInt32();
        Unsafe.Add(ref counts, 3) = Avx2.ConvertToVector256Int32(high.GetUpper()).AsInt32();
    }

    /// <summary>Adds the bits where an activation byte differs from each row's weight byte (given as nibbles) to the two
    /// blocks' tallies: the byte's low table (at <paramref name="table"/>) against the low nibbles, its high table against the high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Count(byte* table, Vector256<byte> uLow, Vector256<byte> uHigh, Vector256<byte> vLow, Vector256<byte> vHigh, ref Vector256<byte> first, ref Vector256<byte> second)
    {
        // vbroadcasti128 from memory is a load alone; Vector256.Create of a loaded Vector128 became a load and a vinserti128,
        // which takes a shuffle pipe from the lookups.
        Vector256<byte> low = Avx2.BroadcastVector128ToVector256(table);
        Vector256<byte> high = Avx2.BroadcastVector128ToVector256(table + 16);
        first += Avx2.Shuffle(low, uLow) + Avx2.Shuffle(high, uHigh);
        second += Avx2.Shuffle(low, vLow) + Avx2.Shuffle(high, vHigh);
    }

    /// <summary>Where the nibble tables of activation byte <c>index</c> start: read from the addresses stored once per call, or
    /// computed from the byte (the tables are pinned, so the addresses hold).</summary>
    private interface ITableAddress
    {
        static abstract unsafe byte* Table(ref byte t0, ref byte activations, ref nint pointers, int index);
    }

    private readonly struct StoredTables : ITableAddress
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe byte* Table(ref byte t0, ref byte activations, ref nint pointers, int index) => (byte*)Unsafe.Add(ref pointers, index);
    }

    private readonly struct ComputedTables : ITableAddress
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe byte* Table(ref byte t0, ref byte activations, ref nint pointers, int index) =>
            (byte*)Unsafe.AsPointer(ref t0) + ((nuint)Unsafe.Add(ref activations, index) << 5);
    }

    /// <summary>Widens 32 byte tallies (rows in order) into four vectors of 32-bit counts: stored when <paramref name="first"/>,
    /// else added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(Vector256<byte> tally, ref Vector256<int> counts, bool first)
    {
        Vector128<byte> low = tally.GetLower(), high = tally.GetUpper();
        Vector256<int> c0 = Avx2.ConvertToVector256Int32(low).AsInt32();
        Vector256<int> c1 = Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(low, 8)).AsInt32();
        Vector256<int> c2 = Avx2.ConvertToVector256Int32(high).AsInt32();
        Vector256<int> c3 = Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(high, 8)).AsInt32();
        if (!first)
        {
            c0 += counts;
            c1 += Unsafe.Add(ref counts, 1);
            c2 += Unsafe.Add(ref counts, 2);
            c3 += Unsafe.Add(ref counts, 3);
        }

        counts = c0;
        Unsafe.Add(ref counts, 1) = c1;
        Unsafe.Add(ref counts, 2) = c2;
        Unsafe.Add(ref counts, 3) = c3;
    }
}
