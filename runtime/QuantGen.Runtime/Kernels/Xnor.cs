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
/// Layout of <c>weights</c>: rows in groups of <see cref="GroupRows"/> (8), [group][plane][word][row of the group]
/// of 64-bit words, bit c of a word = column 64 word + c (set = +1); columns padded with zero bits to a
/// multiple of 64, rows to a multiple of 8 (padding rows all zero). One Vector512 is one word of the 8 rows, so
/// each 64-bit lane counts one row and no row pays a horizontal sum; a row of 64 columns costs one word, not
/// the 512 bits a row-major vector layout pads it to. Coefficients are laid out the same way, [group][plane][row
/// of the group] (<see cref="KernelGeometry.XnorCoefficientFloats"/>), so 8 rows' coefficients are one load.
/// The activation planes are padded the same way as a row; padding is 0 on both sides, so it never counts
/// as a disagreement and n stays the true column count.
/// Popcount: .NET 10 exposes neither VPOPCNTQ nor a vector PopCount here, so bytes are counted by table lookups
/// and summed per 64-bit lane with vpsadbw. On AVX-512 with VBMI and GFNI a byte permute and an affine transform
/// count each xor result (Multiply512, Xnor.Avx512.cs); without them carry-save adders (vpternlog) fold the xor results
/// before nibble lookups (Xnor.CarrySave512.cs). AVX2 has the AVX-512 product's shape with two nibble lookups (vpshufb)
/// per vector (Multiply256, Xnor.Avx2.cs). The narrower paths count slice by slice:
/// Vector128 (Ssse3, or on ARM64 AdvSimd: CNT counts each byte in one instruction and UADDLP/UADALP fold the bytes
/// into 64-bit lanes), scalar POPCNT, written once (Group) over a struct per path (PopLanes128/1).
/// </remarks>
public static partial class Xnor
{
    /// <summary>Rows interleaved word by word in the weight layout: one Vector512 holds one word of each.</summary>
    public const int GroupRows = KernelGeometry.XnorGroupRows;

    /// <summary>64-bit words per row and plane: the columns rounded up to 64.</summary>
    public static int RowWords(int cols) => KernelGeometry.XnorRowWords(cols);

    /// <summary>Floats of scratch Dense needs: the cleaned input, the reconstruction, the codes (padded) and the activation planes.</summary>
    public static int ScratchFloats(int cols, int activationBits) => KernelGeometry.XnorScratchFloats(cols, activationBits);

    /// <summary>
    /// Codes x with the alternating quantizer (bit-identical codes to <see cref="ActivationQuantizers.OnlineMultiBinary"/>),
    /// packs the activation planes, then y = W x by popcount. <paramref name="weights"/> as described above,
    /// <paramref name="coefficients"/> in the kernel's layout (see the remarks).
    /// </summary>
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch) =>
        Dense(x, y, weights, weightBits, coefficients, bias, activationBits, cycles, scratch, default);

    /// <summary>
    /// <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{ulong}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float})"/>
    /// with a slot that two kernels reading the same vector share (<see cref="KernelGeometry.XnorSharedCodesFloats"/>
    /// floats, zeroed or left by an earlier call): when it holds codes of an input equal to x bit for bit, they are used
    /// as they are (coding is deterministic, so they are the codes x would get); otherwise x is coded into it.
    /// </summary>
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch, Span<float> sharedCodes) =>
        Dense<FixedNone, FixedNone>(x, y, weights, weightBits, coefficients, bias, activationBits, cycles, scratch, sharedCodes);

    /// <summary>
    /// <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{ulong}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>
    /// compiled for one layer's shape: <typeparamref name="TWords"/> fixes the words per row (<see cref="RowWords"/> of
    /// x's length) and <typeparamref name="TWeightBits"/> the weight planes, each <see cref="FixedNone"/> to leave it to
    /// the arguments. The same products bit for bit; on AVX2 the loops over words and planes then have constant trip
    /// counts (<see cref="Multiply256{TWords, TWeightBits}"/>). A fixed count that the arguments contradict throws.
    /// </summary>
    public static void Dense<TWords, TWeightBits>(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch, Span<float> sharedCodes = default)
        where TWords : struct, IFixedCount
        where TWeightBits : struct, IFixedCount =>
        Coded<WordsProduct<TWords, TWeightBits>>(x, y, MemoryMarshal.AsBytes(weights), weightBits, coefficients, bias, activationBits, cycles, scratch, sharedCodes);

    /// <summary>
    /// Codes x (or takes its codes from <paramref name="sharedCodes"/>, as <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{ulong}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float}, Span{float})"/>
    /// describes) and multiplies its planes by the weights in the layout of <typeparamref name="TProduct"/>.
    /// </summary>
    private static void Coded<TProduct>(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch, Span<float> sharedCodes)
        where TProduct : struct, IPlaneProduct
    {
        int cols = x.Length;
        if (!sharedCodes.IsEmpty)
        {
            int planeFloats = KernelGeometry.XnorActivationPlaneFloats(cols, activationBits);
            KernelChecks.AtLeast(sharedCodes.Length, KernelGeometry.XnorSharedCodesFloats(cols, activationBits), nameof(sharedCodes));
            Span<ulong> planes = MemoryMarshal.Cast<float, ulong>(sharedCodes.Slice(0, planeFloats));
            Span<float> shared = sharedCodes.Slice(planeFloats, activationBits);
            ref float marker = ref sharedCodes[planeFloats + activationBits];
            Span<float> key = sharedCodes.Slice(planeFloats + activationBits + 1, cols);
            if (BitConverter.SingleToInt32Bits(marker) != FilledMarker || !MemoryMarshal.AsBytes(x).SequenceEqual(MemoryMarshal.AsBytes((ReadOnlySpan<float>)key)))
            {
                KernelChecks.AtLeast(scratch.Length, ScratchFloats(cols, activationBits), nameof(scratch));
                CodeAndPack(x, activationBits, cycles, scratch, shared, planes);
                x.CopyTo(key);
                marker = BitConverter.Int32BitsToSingle(FilledMarker);
            }

            TProduct.Multiply(planes, shared, cols, y, weights, weightBits, coefficients, bias);
            return;
        }

        KernelChecks.AtLeast(scratch.Length, ScratchFloats(cols, activationBits), nameof(scratch));
        int planeAt = 2 * cols + KernelGeometry.XnorCodeFloats(cols);
        Span<ulong> activations = MemoryMarshal.Cast<float, ulong>(scratch.Slice(planeAt, KernelGeometry.XnorActivationPlaneFloats(cols, activationBits)));
        Span<float> betas = stackalloc float[activationBits];
        CodeAndPack(x, activationBits, cycles, scratch, betas, activations);
        TProduct.Multiply(activations, betas, cols, y, weights, weightBits, coefficients, bias);
    }

    /// <summary>A product of packed activation planes (with their betas) and weights in one layout: the coding in front of it
    /// (<see cref="Coded{TProduct}"/>) is the same for every layout.</summary>
    private interface IPlaneProduct
    {
        static abstract void Multiply(
            ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
            ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias);
    }

    /// <summary>The word-interleaved layout ([group of 8 rows][plane][word][8 rows]).</summary>
    private readonly struct WordsProduct<TWords, TWeightBits> : IPlaneProduct
        where TWords : struct, IFixedCount
        where TWeightBits : struct, IFixedCount
    {
        public static void Multiply(
            ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
            ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias) =>
            Multiply<TWords, TWeightBits>(activations, betas, cols, y, MemoryMarshal.Cast<byte, ulong>(weights), weightBits, coefficients, bias);
    }

    /// <summary>Codes x (<see cref="Encode"/>, in the first part of the kernel's scratch) and packs its planes into <paramref name="planes"/>.</summary>
    private static void CodeAndPack(ReadOnlySpan<float> x, int activationBits, int cycles, Span<float> scratch, Span<float> betas, Span<ulong> planes)
    {
        int cols = x.Length;
        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(2 * cols, KernelGeometry.XnorCodeFloats(cols)));
        Encode(x, activationBits, cycles, betas, scratch.Slice(cols, cols), scratch.Slice(0, cols), codes);
        PackPlanes(codes, activationBits, RowWords(cols), planes);
    }

    /// <summary>Marks a filled slot: a NaN whose payload spells "QG", which no coding writes and zeroed memory is not.</summary>
    private const int FilledMarker = 0x7FC05147;

    /// <summary>The online alternating codes of x (non-finite values count as 0), one byte per value, zero past x.</summary>
    public static void Encode(ReadOnlySpan<float> x, int bits, int cycles, Span<float> betas, Span<float> reconstruction, Span<float> clean, Span<byte> codes)
    {
        // All of codes (padded to whole words) goes to the coder, which then codes in place; the bytes past x are
        // cleared after, as padding must be. x itself where it is all finite (the coder says), else a copy with the
        // non-finite values zeroed: the same codes either way, as a finite x is its own copy.
        if (!AlternatingQuantizer.TryQuantizeFinite(x, bits, cycles, betas, reconstruction, codes))
        {
            VectorMath.FiniteOrZero(x, clean);
            AlternatingQuantizer.Quantize(clean, bits, cycles, betas, reconstruction, codes);
        }

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
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias) =>
        Multiply<FixedNone, FixedNone>(activations, betas, cols, y, weights, weightBits, coefficients, bias);

    /// <summary>
    /// <see cref="Multiply(ReadOnlySpan{ulong}, ReadOnlySpan{float}, int, Span{float}, ReadOnlySpan{ulong}, int, ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    /// compiled for one shape (as <see cref="Dense{TWords, TWeightBits}"/>).
    /// </summary>
    public static void Multiply<TWords, TWeightBits>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
        where TWords : struct, IFixedCount
        where TWeightBits : struct, IFixedCount
    {
        FixedCount.Check<TWords>(RowWords(cols), "words per row", nameof(cols));
        FixedCount.Check<TWeightBits>(weightBits, "weight planes", nameof(weightBits));
        int rows = y.Length;
        int groups = KernelGeometry.XnorGroups(rows);
        KernelChecks.AtLeast(activations.Length, (long)betas.Length * RowWords(cols), nameof(activations));
        KernelChecks.AtLeast(weights.Length, KernelGeometry.XnorPlaneBytes(rows, cols, weightBits) / 8, nameof(weights));
        KernelChecks.AtLeast(coefficients.Length, KernelGeometry.XnorCoefficientFloats(rows, weightBits), nameof(coefficients));
        if (Vector512.IsHardwareAccelerated && Avx512BW.IsSupported && Avx512DQ.IsSupported)
        {
            Multiply512(activations, betas, cols, y, weights, weightBits, coefficients, bias);
            return;
        }

        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            Multiply256<TWords, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias);
            return;
        }

        Span<float> sums = stackalloc float[GroupRows];
        for (int g = 0; g < groups; g++)
        {
            if (Vector128.IsHardwareAccelerated && (Ssse3.IsSupported || AdvSimd.IsSupported))
            {
                Group<PopLanes128, Vector128<byte>>(activations, betas, cols, g, weights, weightBits, coefficients, sums);
            }
            else
            {
                Group<PopLanes1, ulong>(activations, betas, cols, g, weights, weightBits, coefficients, sums);
            }

            int first = g * GroupRows;
            for (int i = 0; i < GroupRows && first + i < rows; i++)
            {
                y[first + i] = sums[i] + (bias.IsEmpty ? 0f : bias[first + i]);
            }
        }
    }

    /// <summary>A group's 8 sums plus bias into y from row <paramref name="first"/> on; the rows past y's end are dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> sums, int first, Span<float> y, ReadOnlySpan<float> bias)
    {
        if (first + GroupRows <= y.Length)
        {
            if (!bias.IsEmpty)
            {
                sums += Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)first);
            }

            sums.StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)first);
            return;
        }

        for (int i = 0; first + i < y.Length; i++)
        {
            y[first + i] = sums.GetElement(i) + (bias.IsEmpty ? 0f : bias[first + i]);
        }
    }

    /// <summary>
    /// One group of 8 rows on a narrower path: a vector holds one word of L.Words rows, so the group is
    /// counted in 8 / L.Words slices, each lane's total again one row's; plain per-vector popcounts.
    /// </summary>
    private static void Group<L, V>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, int g,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, Span<float> sums)
        where L : struct, IPopLanes<V>
        where V : struct
    {
        int words = RowWords(cols);
        sums.Clear();
        V table = L.Table;
        for (int p = 0; p < weightBits; p++)
        {
            nint plane = (nint)g * weightBits + p;
            ref ulong w = ref Unsafe.Add(ref MemoryMarshal.GetReference(weights), plane * words * GroupRows);
            for (int j = 0; j < betas.Length; j++)
            {
                ref ulong a = ref Unsafe.AsRef(in activations[j * words]);
                for (int s = 0; s < GroupRows; s += L.Words)
                {
                    V totals = L.Zero;
                    for (int v0 = 0; v0 < words; v0 += L.VectorsPerByteSum)
                    {
                        int end = Math.Min(words, v0 + L.VectorsPerByteSum);
                        V bytes = L.Zero;
                        for (int v = v0; v < end; v++)
                        {
                            V x = L.Xor(L.Load(ref w, (nuint)(v * GroupRows + s)), L.Broadcast(Unsafe.Add(ref a, v)));
                            bytes = L.AddBytes(bytes, L.Pop(table, x));
                        }

                        totals = L.AddTotals(totals, bytes);
                    }

                    for (int i = 0; i < L.Words; i++)
                    {
                        float count = L.Lane(totals, i);
                        sums[s + i] += coefficients[(int)plane * GroupRows + s + i] * betas[j] * (cols - (count + count));
                    }
                }
            }
        }
    }

    /// <summary>The bit count of each nibble 0..15, the vpshufb table.</summary>
    private static Vector128<byte> Nibbles128() => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);

    /// <summary>
    /// One path of the popcount: V holds bytes while counting (bits per byte, summed per byte) and 64-bit
    /// lane totals after <see cref="AddTotals"/>. The JIT compiles <see cref="Group{L, V}"/> once per struct.
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

        /// <summary><see cref="Words"/> consecutive words from source + at.</summary>
        static abstract V Load(ref ulong source, nuint at);

        static abstract V Xor(V a, V b);

        /// <summary>The bit count of each byte (of each word, for the scalar path).</summary>
        static abstract V Pop(V table, V v);

        static abstract V AddBytes(V a, V b);

        /// <summary>totals + the sum of the byte counters of each 64-bit lane (vpsadbw against zero).</summary>
        static abstract V AddTotals(V totals, V bytes);

        /// <summary>The word in every 64-bit lane.</summary>
        static abstract V Broadcast(ulong word);

        /// <summary>64-bit lane <paramref name="i"/> of the totals.</summary>
        static abstract ulong Lane(V totals, int i);
    }

    // Byte counters hold at most 8 per vector, so they are summed (vpsadbw) at least every 31 vectors.
    private const int MaxVectorsPerByteSum = 31;

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
        public static Vector128<byte> Broadcast(ulong word) => Vector128.Create(word).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Lane(Vector128<byte> totals, int i) => totals.AsUInt64().GetElement(i);
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
        public static ulong Broadcast(ulong word) => word;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Lane(ulong totals, int i) => totals;
    }
}
