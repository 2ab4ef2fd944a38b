using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Multi-bit binary weights times online multi-bit binary activations, by xor and popcount over every
/// pair of weight plane p and activation plane j: for {-1, +1} vectors of n values, dot = n - 2 * popcount(w xor a).
/// y[r] = sum_p c[r, p] * sum_j beta_j * (n - 2 popcount(W_p[r] xor A_j)) + bias[r]; the coefficients
/// are applied once per row at the end, never per element.
/// </summary>
/// <remarks>
/// Layout of <c>weights</c>: [row][plane][<see cref="RowWords"/> 64-bit words], bit c of a row = column c
/// (set = +1), padded with zero bits to a multiple of 512 so every path reads whole vectors and no tail
/// loop exists. The activation planes are padded the same way; padding is 0 on both sides, so it never
/// counts as a disagreement and n stays the true column count.
/// Popcount: .NET 10 exposes neither VPOPCNTQ nor a vector PopCount here, so bytes are counted by two
/// nibble lookups (vpshufb) and summed with vpsadbw, four rows per pass so each activation vector is
/// loaded once for four rows. Paths: Vector512 (Avx512BW), Vector256 (Avx2), Vector128 (Ssse3, or on ARM64
/// AdvSimd: CNT counts each byte in one instruction and UADDLP/UADALP fold the bytes into 64-bit lanes), scalar POPCNT;
/// the counting loop is written once (Accumulate) over a struct per path (PopLanes512/256/128/1). On
/// AVX-512 the product keeps each row's partial counts in their lanes across plane pairs (Multiply512),
/// an epilogue the narrower paths do not have; its counting is the same shared loop.
/// </remarks>
public static class Xnor
{
    /// <summary>Rows handled per pass.</summary>
    private const int RowsPerPass = 4;

    /// <summary>64-bit words per row and plane: the columns rounded up to 512 bits.</summary>
    public static int RowWords(int cols) => KernelGeometry.XnorRowWords(cols);

    /// <summary>Floats of scratch <see cref="Dense"/> needs: the cleaned input, the reconstruction, the codes (padded) and the activation planes.</summary>
    public static int ScratchFloats(int cols, int activationBits) => KernelGeometry.XnorScratchFloats(cols, activationBits);

    /// <summary>
    /// Codes x with the alternating quantizer (bit-identical codes to <see cref="ActivationQuantizers.OnlineMultiBinary"/>),
    /// packs the activation planes, then y = W x by popcount. <paramref name="weights"/> as described above,
    /// <paramref name="coefficients"/> [row * weightBits + p] as in the description.
    /// </summary>
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch)
    {
        int cols = x.Length;
        int words = RowWords(cols);
        KernelChecks.AtLeast(weights.Length, KernelGeometry.XnorPlaneBytes(y.Length, cols, weightBits) / 8, nameof(weights));
        KernelChecks.AtLeast(coefficients.Length, (long)y.Length * weightBits, nameof(coefficients));
        KernelChecks.AtLeast(scratch.Length, ScratchFloats(cols, activationBits), nameof(scratch));
        Span<float> clean = scratch.Slice(0, cols);
        Span<float> reconstruction = scratch.Slice(cols, cols);
        int codeFloats = KernelGeometry.XnorCodeFloats(cols);
        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(2 * cols, codeFloats));
        Span<ulong> activations = MemoryMarshal.Cast<float, ulong>(scratch.Slice(2 * cols + codeFloats, KernelGeometry.XnorActivationPlaneFloats(cols, activationBits)));
        Span<float> betas = stackalloc float[activationBits];
        Encode(x, activationBits, cycles, betas, reconstruction, clean, codes);
        PackPlanes(codes, activationBits, words, activations);
        Multiply(activations, betas, cols, y, weights, weightBits, coefficients, bias);
    }

    /// <summary>The online alternating codes of x (non-finite values count as 0), one byte per value, zero past x.</summary>
    public static void Encode(ReadOnlySpan<float> x, int bits, int cycles, Span<float> betas, Span<float> reconstruction, Span<float> clean, Span<byte> codes)
    {
        VectorMath.FiniteOrZero(x, clean);

        AlternatingQuantizer.Quantize(clean, bits, cycles, betas, reconstruction, codes.Slice(0, x.Length));
        codes.Slice(x.Length).Clear();
    }

    /// <summary>Plane j, word w: bit k = bit j of codes[64 w + k]. <paramref name="codes"/> holds words * 64 bytes.</summary>
    public static void PackPlanes(ReadOnlySpan<byte> codes, int bits, int words, Span<ulong> planes)
    {
        ref byte c = ref MemoryMarshal.GetReference(codes);
        for (int j = 0; j < bits; j++)
        {
            for (int w = 0; w < words; w++)
            {
                nuint at = (nuint)(64 * w);
                ulong word;
                if (Vector512.IsHardwareAccelerated)
                {
                    // Shift bit j to the top of each byte, then take the 64 top bits at once.
                    word = Vector512.ExtractMostSignificantBits(Vector512.LoadUnsafe(ref c, at) << (7 - j));
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    word = Vector256.ExtractMostSignificantBits(Vector256.LoadUnsafe(ref c, at) << (7 - j))
                        | ((ulong)Vector256.ExtractMostSignificantBits(Vector256.LoadUnsafe(ref c, at + 32) << (7 - j)) << 32);
                }
                else if (Vector128.IsHardwareAccelerated)
                {
                    word = 0;
                    for (int q = 0; q < 4; q++)
                    {
                        word |= (ulong)Vector128.ExtractMostSignificantBits(Vector128.LoadUnsafe(ref c, at + (nuint)(16 * q)) << (7 - j)) << (16 * q);
                    }
                }
                else
                {
                    word = 0;
                    for (int k = 0; k < 64; k++)
                    {
                        word |= (ulong)((codes[64 * w + k] >> j) & 1) << k;
                    }
                }

                planes[j * words + w] = word;
            }
        }
    }

    /// <summary>The popcount product of packed activation planes (with their betas) and packed weights.</summary>
    public static void Multiply(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
    {
        // Rows of at most KernelGeometry.XnorShortRowWords real words (128 columns) count faster with scalar POPCNT over those
        // words than with a 512-bit vector that is mostly row padding: the padding words are zero in weights
        // and activations alike, so skipping them changes no count. (CharLm's hidden-128 LSTM ran 4x slower
        // through the padded vector path than through a scalar popcount.)
        int realWords = (cols + 63) / 64;
        bool shortRows = KernelGeometry.XnorShortRows(cols);
        if (!shortRows && Vector512.IsHardwareAccelerated && Avx512BW.IsSupported)
        {
            Multiply512(activations, betas, cols, y, weights, weightBits, coefficients, bias);
            return;
        }

        int rows = y.Length;
        int words = RowWords(cols);
        int activationBits = betas.Length;
        ref ulong w = ref MemoryMarshal.GetReference(weights);
        Vector128<float> n = Vector128.Create((float)cols);
        for (int r0 = 0; r0 < rows; r0 += RowsPerPass)
        {
            // The last pass repeats the last row instead of running a second, one-row loop.
            int r1 = Math.Min(r0 + 1, rows - 1), r2 = Math.Min(r0 + 2, rows - 1), r3 = Math.Min(r0 + 3, rows - 1);
            // Four rows' sums in one register: counts come back as a vector, so the per-pass epilogue is a few
            // vector instructions (the same float operations per row as a scalar loop would make).
            Vector128<float> sums = Vector128<float>.Zero;
            for (int p = 0; p < weightBits; p++)
            {
                ref ulong w0 = ref Unsafe.Add(ref w, ((nint)r0 * weightBits + p) * words);
                ref ulong w1 = ref Unsafe.Add(ref w, ((nint)r1 * weightBits + p) * words);
                ref ulong w2 = ref Unsafe.Add(ref w, ((nint)r2 * weightBits + p) * words);
                ref ulong w3 = ref Unsafe.Add(ref w, ((nint)r3 * weightBits + p) * words);
                Vector128<float> c = Vector128.Create(
                    coefficients[r0 * weightBits + p], coefficients[r1 * weightBits + p], coefficients[r2 * weightBits + p], coefficients[r3 * weightBits + p]);
                for (int j = 0; j < activationBits; j++)
                {
                    ref ulong a = ref Unsafe.AsRef(in activations[j * words]);
                    Vector128<float> counts = Vector128.ConvertToSingle(shortRows
                        ? Count<PopLanes1, ulong>(ref w0, ref w1, ref w2, ref w3, ref a, realWords)
                        : Count(ref w0, ref w1, ref w2, ref w3, ref a, words));
                    sums += c * (Vector128.Create(betas[j]) * (n - (counts + counts)));
                }
            }

            for (int k = 0; k < RowsPerPass && r0 + k < rows; k++)
            {
                y[r0 + k] = sums.GetElement(k) + (bias.IsEmpty ? 0f : bias[r0 + k]);
            }
        }
    }

    /// <summary>
    /// The AVX-512 product. Short rows (512 columns are one vector) made the per-pair horizontal sum of the
    /// counts cost as much as the counting itself, so here the partial counts of each row stay in their
    /// lanes: each lane's dot product m_lane - 2 C_pj(lane) (m_lane: the real columns the lane covers, an exact
    /// small integer as before) is weighted by c[r, p] * beta_j and accumulated per row over all plane pairs
    /// in float lanes, with one horizontal sum per row at the end instead of one per pair.
    /// </summary>
    private static void Multiply512(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
    {
        int rows = y.Length;
        int words = RowWords(cols);
        int vectors = words / 8;
        int activationBits = betas.Length;
        // SAD lane 2i counts word i of every vector (64 columns each); odd lanes hold the zero high halves.
        Span<float> columns = stackalloc float[16];
        columns.Clear();
        for (int i = 0; i < 8; i++)
        {
            for (int v = 0; v < vectors; v++)
            {
                columns[2 * i] += Math.Clamp(cols - (512 * v + 64 * i), 0, 64);
            }
        }

        Vector512<float> m = Vector512.Create((ReadOnlySpan<float>)columns);
        ref ulong w = ref MemoryMarshal.GetReference(weights);
        for (int r0 = 0; r0 < rows; r0 += RowsPerPass)
        {
            // The last pass repeats the last row instead of running a second, one-row loop.
            int r1 = Math.Min(r0 + 1, rows - 1), r2 = Math.Min(r0 + 2, rows - 1), r3 = Math.Min(r0 + 3, rows - 1);
            Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < weightBits; p++)
            {
                ref ulong w0 = ref Unsafe.Add(ref w, ((nint)r0 * weightBits + p) * words);
                ref ulong w1 = ref Unsafe.Add(ref w, ((nint)r1 * weightBits + p) * words);
                ref ulong w2 = ref Unsafe.Add(ref w, ((nint)r2 * weightBits + p) * words);
                ref ulong w3 = ref Unsafe.Add(ref w, ((nint)r3 * weightBits + p) * words);
                float c0 = coefficients[r0 * weightBits + p], c1 = coefficients[r1 * weightBits + p];
                float c2 = coefficients[r2 * weightBits + p], c3 = coefficients[r3 * weightBits + p];
                for (int j = 0; j < activationBits; j++)
                {
                    ref ulong a = ref Unsafe.AsRef(in activations[j * words]);
                    Accumulate<PopLanes512, Vector512<byte>>(ref w0, ref w1, ref w2, ref w3, ref a, words, out Vector512<byte> t0, out Vector512<byte> t1, out Vector512<byte> t2, out Vector512<byte> t3);

                    // A lane's count is below 2^31 (it counts at most one 64-bit word per vector), so its low
                    // 32 bits are the count and the high 32 bits are 0: both convert exactly.
                    float beta = betas[j];
                    s0 += (m - 2f * Vector512.ConvertToSingle(t0.AsInt32())) * Vector512.Create(c0 * beta);
                    s1 += (m - 2f * Vector512.ConvertToSingle(t1.AsInt32())) * Vector512.Create(c1 * beta);
                    s2 += (m - 2f * Vector512.ConvertToSingle(t2.AsInt32())) * Vector512.Create(c2 * beta);
                    s3 += (m - 2f * Vector512.ConvertToSingle(t3.AsInt32())) * Vector512.Create(c3 * beta);
                }
            }

            Vector128<float> sums = Vector128.Create(Vector512.Sum(s0), Vector512.Sum(s1), Vector512.Sum(s2), Vector512.Sum(s3));
            for (int k = 0; k < RowsPerPass && r0 + k < rows; k++)
            {
                y[r0 + k] = sums.GetElement(k) + (bias.IsEmpty ? 0f : bias[r0 + k]);
            }
        }
    }

    /// <summary>popcount(w_k xor a) over <paramref name="words"/> words for four rows; the fastest path the machine has.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Count(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words) =>
        Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? Count<PopLanes512, Vector512<byte>>(ref w0, ref w1, ref w2, ref w3, ref a, words)
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Count<PopLanes256, Vector256<byte>>(ref w0, ref w1, ref w2, ref w3, ref a, words)
        : Vector128.IsHardwareAccelerated && (Ssse3.IsSupported || AdvSimd.IsSupported) ? Count<PopLanes128, Vector128<byte>>(ref w0, ref w1, ref w2, ref w3, ref a, words)
        : Count<PopLanes1, ulong>(ref w0, ref w1, ref w2, ref w3, ref a, words);


    /// <summary>popcount(w_k xor a) over <paramref name="words"/> words for four rows, on the path L, reduced to four counts.</summary>
    private static Vector128<int> Count<L, V>(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words)
        where L : struct, IPopLanes<V>
        where V : struct
    {
        Accumulate<L, V>(ref w0, ref w1, ref w2, ref w3, ref a, words, out V t0, out V t1, out V t2, out V t3);
        if (words * 64 <= ushort.MaxValue)
        {
            // No row can count more than its words * 64 bits, so the four totals fit 16-bit fields of each
            // 64-bit lane without carrying into each other: one horizontal sum instead of four.
            ulong packed = L.Sum(L.Or(L.Or(t0, L.ShiftLeft(t1, 16)), L.Or(L.ShiftLeft(t2, 32), L.ShiftLeft(t3, 48))));
            return Vector128.Create((int)(packed & 0xFFFF), (int)(packed >> 16 & 0xFFFF), (int)(packed >> 32 & 0xFFFF), (int)(packed >> 48));
        }

        return Vector128.Create((int)L.Sum(t0), (int)L.Sum(t1), (int)L.Sum(t2), (int)L.Sum(t3));
    }

    /// <summary>
    /// The counting loop, written once for every path: per vector, xor with the activation vector loaded
    /// once for four rows, count bits per byte into byte counters, and fold the byte counters into 64-bit
    /// lane totals (t0..t3) before they can overflow. <paramref name="words"/> is a whole number of L's vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<L, V>(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words, out V t0, out V t1, out V t2, out V t3)
        where L : struct, IPopLanes<V>
        where V : struct
    {
        V lut = L.Table;
        t0 = L.Zero;
        t1 = t0;
        t2 = t0;
        t3 = t0;
        int vectors = words / L.Words;
        for (int v0 = 0; v0 < vectors; v0 += L.VectorsPerByteSum)
        {
            int end = Math.Min(vectors, v0 + L.VectorsPerByteSum);
            V b0 = L.Zero, b1 = b0, b2 = b0, b3 = b0;
            for (int v = v0; v < end; v++)
            {
                nuint at = (nuint)(L.Words * v);
                V x = L.Load(ref a, at);
                b0 = L.AddBytes(b0, L.Pop(lut, L.Xor(L.Load(ref w0, at), x)));
                b1 = L.AddBytes(b1, L.Pop(lut, L.Xor(L.Load(ref w1, at), x)));
                b2 = L.AddBytes(b2, L.Pop(lut, L.Xor(L.Load(ref w2, at), x)));
                b3 = L.AddBytes(b3, L.Pop(lut, L.Xor(L.Load(ref w3, at), x)));
            }

            t0 = L.AddTotals(t0, b0);
            t1 = L.AddTotals(t1, b1);
            t2 = L.AddTotals(t2, b2);
            t3 = L.AddTotals(t3, b3);
        }
    }

    /// <summary>The bit count of each nibble 0..15, the vpshufb table.</summary>
    private static Vector128<byte> Nibbles128() => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);

    /// <summary>
    /// One path of the popcount: V holds bytes while counting (bits per byte, summed per byte) and 64-bit
    /// lane totals after <see cref="AddTotals"/>. The JIT compiles <see cref="Accumulate{L, V}"/> once per struct.
    /// </summary>
    private interface IPopLanes<V>
        where V : struct
    {
        /// <summary>64-bit words per vector.</summary>
        static abstract int Words { get; }

        /// <summary>Vectors whose byte counts may be summed before the byte counters could overflow (8 per vector: 31).</summary>
        static abstract int VectorsPerByteSum { get; }

        static abstract V Zero { get; }

        /// <summary>The nibble table <see cref="Pop"/> looks up, made once per loop.</summary>
        static abstract V Table { get; }

        static abstract V Load(ref ulong source, nuint at);

        static abstract V Xor(V a, V b);

        /// <summary>The bit count of each byte (of each word, for the scalar path).</summary>
        static abstract V Pop(V table, V v);

        static abstract V AddBytes(V a, V b);

        /// <summary>totals + the sum of the byte counters of each 64-bit lane (vpsadbw against zero).</summary>
        static abstract V AddTotals(V totals, V bytes);

        static abstract V Or(V a, V b);

        /// <summary>Each 64-bit lane shifted left.</summary>
        static abstract V ShiftLeft(V v, int bits);

        /// <summary>The sum of the 64-bit lanes.</summary>
        static abstract ulong Sum(V totals);
    }

    // Byte counters hold at most 8 per vector, so they are summed (vpsadbw) at least every 31 vectors.
    private const int MaxVectorsPerByteSum = 31;

    private readonly struct PopLanes512 : IPopLanes<Vector512<byte>>
    {
        public static int Words => 8;

        public static int VectorsPerByteSum => MaxVectorsPerByteSum;

        public static Vector512<byte> Zero => Vector512<byte>.Zero;

        public static Vector512<byte> Table => Vector512.Create(Nibbles128());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Load(ref ulong source, nuint at) => Vector512.LoadUnsafe(ref source, at).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Xor(Vector512<byte> a, Vector512<byte> b) => a ^ b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Pop(Vector512<byte> table, Vector512<byte> v)
        {
            Vector512<byte> low = v & Vector512.Create((byte)0x0F);
            Vector512<byte> high = (v.AsUInt16() >>> 4).AsByte() & Vector512.Create((byte)0x0F);
            return Avx512BW.Shuffle(table, low) + Avx512BW.Shuffle(table, high);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> AddBytes(Vector512<byte> a, Vector512<byte> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> AddTotals(Vector512<byte> totals, Vector512<byte> bytes) =>
            (totals.AsUInt64() + Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt64()).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Or(Vector512<byte> a, Vector512<byte> b) => a | b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> ShiftLeft(Vector512<byte> v, int bits) => (v.AsUInt64() << bits).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Sum(Vector512<byte> totals) => Vector512.Sum(totals.AsUInt64());
    }

    private readonly struct PopLanes256 : IPopLanes<Vector256<byte>>
    {
        public static int Words => 4;

        public static int VectorsPerByteSum => MaxVectorsPerByteSum;

        public static Vector256<byte> Zero => Vector256<byte>.Zero;

        public static Vector256<byte> Table => Vector256.Create(Nibbles128());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Load(ref ulong source, nuint at) => Vector256.LoadUnsafe(ref source, at).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Xor(Vector256<byte> a, Vector256<byte> b) => a ^ b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Pop(Vector256<byte> table, Vector256<byte> v)
        {
            Vector256<byte> low = v & Vector256.Create((byte)0x0F);
            Vector256<byte> high = (v.AsUInt16() >>> 4).AsByte() & Vector256.Create((byte)0x0F);
            return Avx2.Shuffle(table, low) + Avx2.Shuffle(table, high);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> AddBytes(Vector256<byte> a, Vector256<byte> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> AddTotals(Vector256<byte> totals, Vector256<byte> bytes) =>
            (totals.AsUInt64() + Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt64()).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Or(Vector256<byte> a, Vector256<byte> b) => a | b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> ShiftLeft(Vector256<byte> v, int bits) => (v.AsUInt64() << bits).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Sum(Vector256<byte> totals) => Vector256.Sum(totals.AsUInt64());
    }

    private readonly struct PopLanes128 : IPopLanes<Vector128<byte>>
    {
        public static int Words => 2;

        public static int VectorsPerByteSum => MaxVectorsPerByteSum;

        public static Vector128<byte> Zero => Vector128<byte>.Zero;

        public static Vector128<byte> Table => Nibbles128();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Load(ref ulong source, nuint at) => Vector128.LoadUnsafe(ref source, at).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Xor(Vector128<byte> a, Vector128<byte> b) => a ^ b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Pop(Vector128<byte> table, Vector128<byte> v)
        {
            if (AdvSimd.IsSupported)
            {
                // ARM64 counts the bits of each byte in one instruction (CNT); the table goes unused.
                return AdvSimd.PopCount(v);
            }

            Vector128<byte> low = v & Vector128.Create((byte)0x0F);
            Vector128<byte> high = (v.AsUInt16() >>> 4).AsByte() & Vector128.Create((byte)0x0F);
            return Ssse3.Shuffle(table, low) + Ssse3.Shuffle(table, high);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> AddBytes(Vector128<byte> a, Vector128<byte> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> AddTotals(Vector128<byte> totals, Vector128<byte> bytes) =>
            AdvSimd.IsSupported
                // No sum of absolute differences on ARM64: pairwise widening adds, bytes -> 16 -> 32 bits, then added into the 64-bit totals.
                ? AdvSimd.AddPairwiseWideningAndAdd(totals.AsUInt64(), AdvSimd.AddPairwiseWidening(AdvSimd.AddPairwiseWidening(bytes))).AsByte()
                : (totals.AsUInt64() + Sse2.SumAbsoluteDifferences(bytes, Vector128<byte>.Zero).AsUInt64()).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Or(Vector128<byte> a, Vector128<byte> b) => a | b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> ShiftLeft(Vector128<byte> v, int bits) => (v.AsUInt64() << bits).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Sum(Vector128<byte> totals) => Vector128.Sum(totals.AsUInt64());
    }

    /// <summary>
    /// The scalar twin: one word per "vector", counted whole by POPCNT (or its software fallback), so the
    /// counters are 64-bit from the start and never need folding (one fold per 2^24 words keeps int math safe).
    /// </summary>
    private readonly struct PopLanes1 : IPopLanes<ulong>
    {
        public static int Words => 1;

        public static int VectorsPerByteSum => 1 << 24;

        public static ulong Zero => 0;

        public static ulong Table => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Load(ref ulong source, nuint at) => Unsafe.Add(ref source, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Xor(ulong a, ulong b) => a ^ b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Pop(ulong table, ulong v) => (ulong)BitOperations.PopCount(v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong AddBytes(ulong a, ulong b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong AddTotals(ulong totals, ulong bytes) => totals + bytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Or(ulong a, ulong b) => a | b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong ShiftLeft(ulong v, int bits) => v << bits;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Sum(ulong totals) => totals;
    }
}
