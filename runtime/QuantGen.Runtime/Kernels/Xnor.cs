using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// loaded once for four rows. Paths: Vector512 (Avx512BW), Vector256 (Avx2), Vector128 (Ssse3), scalar POPCNT.
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
        for (int i = 0; i < x.Length; i++)
        {
            clean[i] = float.IsFinite(x[i]) ? x[i] : 0f;
        }

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
        // Rows of at most ShortRowWords real words (128 columns) count faster with scalar POPCNT over those
        // words than with a 512-bit vector that is mostly row padding: the padding words are zero in weights
        // and activations alike, so skipping them changes no count. (CharLm's hidden-128 LSTM ran 4x slower
        // through the padded vector path than through a scalar popcount.)
        int realWords = (cols + 63) / 64;
        bool shortRows = realWords <= ShortRowWords;
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
                        ? CountScalar(ref w0, ref w1, ref w2, ref w3, ref a, realWords)
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
        Vector512<byte> lut = Vector512.Create(Nibbles128());
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
                    Vector512<ulong> t0 = Vector512<ulong>.Zero, t1 = t0, t2 = t0, t3 = t0;
                    for (int v0 = 0; v0 < vectors; v0 += MaxVectorsPerByteSum)
                    {
                        int end = Math.Min(vectors, v0 + MaxVectorsPerByteSum);
                        Vector512<byte> b0 = Vector512<byte>.Zero, b1 = b0, b2 = b0, b3 = b0;
                        for (int v = v0; v < end; v++)
                        {
                            nuint at = (nuint)(8 * v);
                            Vector512<ulong> x = Vector512.LoadUnsafe(ref a, at);
                            b0 += Pop(lut, Vector512.LoadUnsafe(ref w0, at) ^ x);
                            b1 += Pop(lut, Vector512.LoadUnsafe(ref w1, at) ^ x);
                            b2 += Pop(lut, Vector512.LoadUnsafe(ref w2, at) ^ x);
                            b3 += Pop(lut, Vector512.LoadUnsafe(ref w3, at) ^ x);
                        }

                        t0 += Avx512BW.SumAbsoluteDifferences(b0, Vector512<byte>.Zero).AsUInt64();
                        t1 += Avx512BW.SumAbsoluteDifferences(b1, Vector512<byte>.Zero).AsUInt64();
                        t2 += Avx512BW.SumAbsoluteDifferences(b2, Vector512<byte>.Zero).AsUInt64();
                        t3 += Avx512BW.SumAbsoluteDifferences(b3, Vector512<byte>.Zero).AsUInt64();
                    }

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
        Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? Count512(ref w0, ref w1, ref w2, ref w3, ref a, words)
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Count256(ref w0, ref w1, ref w2, ref w3, ref a, words)
        : Vector128.IsHardwareAccelerated && Ssse3.IsSupported ? Count128(ref w0, ref w1, ref w2, ref w3, ref a, words)
        : CountScalar(ref w0, ref w1, ref w2, ref w3, ref a, words);

    /// <summary>Real 64-bit words per row up to which <see cref="Multiply"/> counts with scalar POPCNT.</summary>
    private const int ShortRowWords = 2;

    // Byte counters hold at most 8 per vector, so they are summed (vpsadbw) at least every 31 vectors.
    private const int MaxVectorsPerByteSum = 31;

    private static Vector128<int> Count512(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words)
    {
        Vector512<byte> lut = Vector512.Create(Nibbles128());
        Vector512<ulong> t0 = Vector512<ulong>.Zero, t1 = t0, t2 = t0, t3 = t0;
        int vectors = words / 8;
        for (int v0 = 0; v0 < vectors; v0 += MaxVectorsPerByteSum)
        {
            int end = Math.Min(vectors, v0 + MaxVectorsPerByteSum);
            Vector512<byte> b0 = Vector512<byte>.Zero, b1 = b0, b2 = b0, b3 = b0;
            for (int v = v0; v < end; v++)
            {
                nuint at = (nuint)(8 * v);
                Vector512<ulong> x = Vector512.LoadUnsafe(ref a, at);
                b0 += Pop(lut, Vector512.LoadUnsafe(ref w0, at) ^ x);
                b1 += Pop(lut, Vector512.LoadUnsafe(ref w1, at) ^ x);
                b2 += Pop(lut, Vector512.LoadUnsafe(ref w2, at) ^ x);
                b3 += Pop(lut, Vector512.LoadUnsafe(ref w3, at) ^ x);
            }

            t0 += Avx512BW.SumAbsoluteDifferences(b0, Vector512<byte>.Zero).AsUInt64();
            t1 += Avx512BW.SumAbsoluteDifferences(b1, Vector512<byte>.Zero).AsUInt64();
            t2 += Avx512BW.SumAbsoluteDifferences(b2, Vector512<byte>.Zero).AsUInt64();
            t3 += Avx512BW.SumAbsoluteDifferences(b3, Vector512<byte>.Zero).AsUInt64();
        }

        if (words * 64 <= ushort.MaxValue)
        {
            // No row can count more than its words * 64 bits, so the four totals fit 16-bit fields of each
            // 64-bit lane without carrying into each other: one horizontal sum instead of four.
            ulong packed = Vector512.Sum(t0 | (t1 << 16) | (t2 << 32) | (t3 << 48));
            return Vector128.Create((int)(packed & 0xFFFF), (int)(packed >> 16 & 0xFFFF), (int)(packed >> 32 & 0xFFFF), (int)(packed >> 48));
        }

        return Vector128.Create((int)Vector512.Sum(t0), (int)Vector512.Sum(t1), (int)Vector512.Sum(t2), (int)Vector512.Sum(t3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Pop(Vector512<byte> lut, Vector512<ulong> v)
    {
        Vector512<byte> low = v.AsByte() & Vector512.Create((byte)0x0F);
        Vector512<byte> high = (v.AsUInt16() >>> 4).AsByte() & Vector512.Create((byte)0x0F);
        return Avx512BW.Shuffle(lut, low) + Avx512BW.Shuffle(lut, high);
    }

    private static Vector128<int> Count256(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words)
    {
        Vector256<byte> lut = Vector256.Create(Nibbles128());
        Vector256<ulong> t0 = Vector256<ulong>.Zero, t1 = t0, t2 = t0, t3 = t0;
        int vectors = words / 4;
        for (int v0 = 0; v0 < vectors; v0 += MaxVectorsPerByteSum)
        {
            int end = Math.Min(vectors, v0 + MaxVectorsPerByteSum);
            Vector256<byte> b0 = Vector256<byte>.Zero, b1 = b0, b2 = b0, b3 = b0;
            for (int v = v0; v < end; v++)
            {
                nuint at = (nuint)(4 * v);
                Vector256<ulong> x = Vector256.LoadUnsafe(ref a, at);
                b0 += Pop(lut, Vector256.LoadUnsafe(ref w0, at) ^ x);
                b1 += Pop(lut, Vector256.LoadUnsafe(ref w1, at) ^ x);
                b2 += Pop(lut, Vector256.LoadUnsafe(ref w2, at) ^ x);
                b3 += Pop(lut, Vector256.LoadUnsafe(ref w3, at) ^ x);
            }

            t0 += Avx2.SumAbsoluteDifferences(b0, Vector256<byte>.Zero).AsUInt64();
            t1 += Avx2.SumAbsoluteDifferences(b1, Vector256<byte>.Zero).AsUInt64();
            t2 += Avx2.SumAbsoluteDifferences(b2, Vector256<byte>.Zero).AsUInt64();
            t3 += Avx2.SumAbsoluteDifferences(b3, Vector256<byte>.Zero).AsUInt64();
        }

        return Vector128.Create((int)Vector256.Sum(t0), (int)Vector256.Sum(t1), (int)Vector256.Sum(t2), (int)Vector256.Sum(t3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Pop(Vector256<byte> lut, Vector256<ulong> v)
    {
        Vector256<byte> low = v.AsByte() & Vector256.Create((byte)0x0F);
        Vector256<byte> high = (v.AsUInt16() >>> 4).AsByte() & Vector256.Create((byte)0x0F);
        return Avx2.Shuffle(lut, low) + Avx2.Shuffle(lut, high);
    }

    private static Vector128<int> Count128(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words)
    {
        Vector128<byte> lut = Nibbles128();
        Vector128<ulong> t0 = Vector128<ulong>.Zero, t1 = t0, t2 = t0, t3 = t0;
        int vectors = words / 2;
        for (int v0 = 0; v0 < vectors; v0 += MaxVectorsPerByteSum)
        {
            int end = Math.Min(vectors, v0 + MaxVectorsPerByteSum);
            Vector128<byte> b0 = Vector128<byte>.Zero, b1 = b0, b2 = b0, b3 = b0;
            for (int v = v0; v < end; v++)
            {
                nuint at = (nuint)(2 * v);
                Vector128<ulong> x = Vector128.LoadUnsafe(ref a, at);
                b0 += Pop(lut, Vector128.LoadUnsafe(ref w0, at) ^ x);
                b1 += Pop(lut, Vector128.LoadUnsafe(ref w1, at) ^ x);
                b2 += Pop(lut, Vector128.LoadUnsafe(ref w2, at) ^ x);
                b3 += Pop(lut, Vector128.LoadUnsafe(ref w3, at) ^ x);
            }

            t0 += Sse2.SumAbsoluteDifferences(b0, Vector128<byte>.Zero).AsUInt64();
            t1 += Sse2.SumAbsoluteDifferences(b1, Vector128<byte>.Zero).AsUInt64();
            t2 += Sse2.SumAbsoluteDifferences(b2, Vector128<byte>.Zero).AsUInt64();
            t3 += Sse2.SumAbsoluteDifferences(b3, Vector128<byte>.Zero).AsUInt64();
        }

        return Vector128.Create((int)Vector128.Sum(t0), (int)Vector128.Sum(t1), (int)Vector128.Sum(t2), (int)Vector128.Sum(t3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pop(Vector128<byte> lut, Vector128<ulong> v)
    {
        Vector128<byte> low = v.AsByte() & Vector128.Create((byte)0x0F);
        Vector128<byte> high = (v.AsUInt16() >>> 4).AsByte() & Vector128.Create((byte)0x0F);
        return Ssse3.Shuffle(lut, low) + Ssse3.Shuffle(lut, high);
    }

    /// <summary>The scalar twin: one POPCNT (or its software fallback) per word.</summary>
    private static Vector128<int> CountScalar(ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, ref ulong a, int words)
    {
        int c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int i = 0; i < words; i++)
        {
            ulong x = Unsafe.Add(ref a, i);
            c0 += BitOperations.PopCount(Unsafe.Add(ref w0, i) ^ x);
            c1 += BitOperations.PopCount(Unsafe.Add(ref w1, i) ^ x);
            c2 += BitOperations.PopCount(Unsafe.Add(ref w2, i) ^ x);
            c3 += BitOperations.PopCount(Unsafe.Add(ref w3, i) ^ x);
        }

        return Vector128.Create(c0, c1, c2, c3);
    }

    /// <summary>The bit count of each nibble 0..15, the vpshufb table.</summary>
    private static Vector128<byte> Nibbles128() => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
}
