using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

public static partial class Xnor
{
    /// <summary>
    /// The AVX2 product, shaped as the AVX-512 one (<see cref="Multiply512"/>): a group's 8 rows are two vectors per word
    /// (rows 0-3 and 4-7, one 64-bit lane per row), each weight vector is loaded once and xored with up to four activation
    /// planes in turn, and the 8 rows' sums live in one Vector256 of floats, so no row pays a horizontal sum or a scalar
    /// epilogue. Bytes are counted by two nibble lookups (vpshufb). The float steps are the AVX-512 product's (a fused
    /// multiply-add of beta and n - 2 popcount per activation plane, then the coefficients), so both give the same bits.
    /// </summary>
    /// <remarks>
    /// The per-slice loop it replaces (<see cref="Group{L, V}"/>, still the 128-bit and scalar paths) paid, on the language
    /// model's rows of 64 and 256 columns (1 and 4 words), more for its per-row scalar epilogue and reloads than for the
    /// counting itself.
    /// </remarks>
    private static void Multiply256<TWords, TWeightBits>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
        where TWords : struct, IFixedCount
        where TWeightBits : struct, IFixedCount
    {
        switch (betas.Length)
        {
            case 2: Multiply256<TwoBits, TWords, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            case 3: Multiply256<ThreeBits, TWords, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            case 4: Multiply256<FourBits, TWords, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            default:
                // One bit, or wider activations (rare: the papers use 2 and 3 bits) one plane per pass over the weights.
                Multiply256<OneBit, TWords, TWeightBits>(activations, betas, cols, y, weights, weightBits, coefficients, bias);
                break;
        }
    }

    /// <remarks>
    /// Compiled once per activation plane count and, where a generated layer fixes them, per row words and weight planes:
    /// then the loops over words and planes have constant trip counts and the choice between the short-row and chunked
    /// counters is made at compile time. Stopwatch harness, the product alone, before -> compiled for the shape (the
    /// language model's matrices): 1024 x 64 (one word per row) 2.12 -> 1.68 us at 2 x 2 bits, 4.18 -> 3.42 at 3 x 3;
    /// 1024 x 128 3.00 -> 2.84 and 6.36 -> 5.81; 1024 x 256 4.88 -> 4.50 and 9.52 -> 9.24.
    /// </remarks>
    [SkipLocalsInit]
    private static void Multiply256<TBits, TWords, TWeightBits>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
        where TBits : struct, IBitCount
        where TWords : struct, IFixedCount
        where TWeightBits : struct, IFixedCount
    {
        int words = TWords.Value != 0 ? TWords.Value : RowWords(cols);
        int planes = TWeightBits.Value != 0 ? TWeightBits.Value : weightBits;
        bool shortRows = words <= MaxVectorsPerByteSum;
        int groups = KernelGeometry.XnorGroups(y.Length);
        int activationBits = betas.Length;
        // The table and n stay in registers, as in the AVX-512 product.
        Vector256<byte> table = Vector256.Create(Nibbles128());
        Vector256<byte> nibble = Vector256.Create((byte)0x0F);
        Vector256<int> n = Vector256.Create(cols);
        ref ulong a0 = ref MemoryMarshal.GetReference(activations);
        ref ulong w0 = ref MemoryMarshal.GetReference(weights);
        ref float c0 = ref MemoryMarshal.GetReference(coefficients);
        ref float beta0 = ref MemoryMarshal.GetReference(betas);
        // Short rows count against the activation words split into nibbles once per call (at most 31 words a plane, so at
        // most 2 KB a plane): every group then splits only its weights, once for all the activation planes.
        Span<Vector256<byte>> split = shortRows ? stackalloc Vector256<byte>[2 * words * activationBits] : default;
        ref Vector256<byte> s0 = ref MemoryMarshal.GetReference(split);
        if (shortRows)
        {
            SplitNibbles(activations.Slice(0, words * activationBits), nibble, split);
        }

        for (int g = 0; g < groups; g++)
        {
            Vector256<float> sums = Vector256<float>.Zero;
            for (int p = 0; p < planes; p++)
            {
                nint plane = (nint)g * planes + p;
                ref ulong w = ref Unsafe.Add(ref w0, plane * words * GroupRows);
                Vector256<float> terms = Vector256<float>.Zero;
                if (typeof(TBits) != typeof(OneBit))
                {
                    // All the activation planes in one pass (the dispatcher sends exactly TBits.Count): no loop over them,
                    // which on short rows cost as much as the counting (taken branches and spilled spans per group).
                    AddTerms256<TBits, TWords>(table, nibble, n, ref w, ref a0, ref s0, words, shortRows, ref beta0, ref terms);
                }
                else
                {
                    for (int j = 0; j < activationBits; j++)
                    {
                        AddTerms256<TBits, TWords>(table, nibble, n, ref w, ref Unsafe.Add(ref a0, (nint)j * words), ref Unsafe.Add(ref s0, (nint)j * 2 * words), words, shortRows, ref Unsafe.Add(ref beta0, j), ref terms);
                    }
                }

                sums += Vector256.LoadUnsafe(ref c0, (nuint)(plane * GroupRows)) * terms;
            }

            Store(sums, g * GroupRows, y, bias);
        }
    }

    /// <summary>TBits.Count activation planes against one weight plane of a group: the short-row or the chunked counters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerms256<TBits, TWords>(Vector256<byte> table, Vector256<byte> nibble, Vector256<int> n, ref ulong w, ref ulong a, ref Vector256<byte> split, int words, bool shortRows, ref float beta, ref Vector256<float> terms)
        where TBits : struct, IBitCount
        where TWords : struct, IFixedCount
    {
        if (shortRows)
        {
            AddTermsShort256<TBits, TWords>(table, nibble, n, ref w, ref split, words, ref beta, ref terms);
        }
        else
        {
            AddTerms256<TBits>(table, n, ref w, ref a, words, ref beta, ref terms);
        }
    }

    /// <summary>
    /// <see cref="AddTerms256{TBits}"/> for rows of at most <see cref="MaxVectorsPerByteSum"/> words (the language model's
    /// 64 and 256 columns, 1 and 4 words): the byte counters cannot overflow, so there is one loop and one vpsadbw per
    /// counter at the end, with no 64-bit counters kept alongside. With those and the chunk loop the JIT spilled a
    /// weight vector to the stack on every word, and on one-word rows the loop set-up cost more than the counting.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTermsShort256<TBits, TWords>(Vector256<byte> table, Vector256<byte> nibble, Vector256<int> n, ref ulong w, ref Vector256<byte> split, int words, ref float beta, ref Vector256<float> terms)
        where TBits : struct, IBitCount
        where TWords : struct, IFixedCount
    {
        int planes = TBits.Count;
        Vector256<byte> l0 = Vector256<byte>.Zero, l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        if (TWords.Value == 1)
        {
            // A row of one word, fixed by the generated layer: no loop (the JIT kept a one-trip loop's test and jumps).
            CountWord<TBits>(table, nibble, ref w, ref split, 1, 0, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
        }
        else
        {
            for (nuint v = 0; v < (nuint)words; v++)
            {
                CountWord<TBits>(table, nibble, ref w, ref split, (nuint)words, v, ref l0, ref h0, ref l1, ref h1, ref l2, ref h2, ref l3, ref h3);
            }
        }

        AddTerm256(ref terms, Lanes256(l0), Lanes256(h0), n, beta);
        if (planes > 1)
        {
            AddTerm256(ref terms, Lanes256(l1), Lanes256(h1), n, Unsafe.Add(ref beta, 1));
        }

        if (planes > 2)
        {
            AddTerm256(ref terms, Lanes256(l2), Lanes256(h2), n, Unsafe.Add(ref beta, 2));
        }

        if (planes > 3)
        {
            AddTerm256(ref terms, Lanes256(l3), Lanes256(h3), n, Unsafe.Add(ref beta, 3));
        }
    }

    /// <summary>Word <paramref name="v"/> of a group's weight plane against TBits.Count activation planes: each plane's bit counts
    /// added to its byte counters (rows 0-3 in l, 4-7 in h). The weight bytes are split into nibbles once for all the planes,
    /// and each plane's word comes split (<see cref="SplitNibbles"/>): popcount(w xor a) per byte is the sum of its two
    /// nibbles' counts, lo(w) xor lo(a) and hi(w) xor hi(a). The shift of the split is what costs on Zen 3, where shifts and
    /// byte shuffles share two pipes: one per weight vector here, one per weight vector and plane before.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CountWord<TBits>(
        Vector256<byte> table, Vector256<byte> nibble, ref ulong w, ref Vector256<byte> split, nuint words, nuint v,
        ref Vector256<byte> l0, ref Vector256<byte> h0, ref Vector256<byte> l1, ref Vector256<byte> h1,
        ref Vector256<byte> l2, ref Vector256<byte> h2, ref Vector256<byte> l3, ref Vector256<byte> h3)
        where TBits : struct, IBitCount
    {
        int planes = TBits.Count;
        ref ulong run = ref Unsafe.Add(ref w, v * GroupRows);
        Vector256<byte> low = Vector256.LoadUnsafe(ref run).AsByte(), high = Vector256.LoadUnsafe(ref run, 4).AsByte();
        Vector256<byte> lowLo = low & nibble, lowHi = (low.AsUInt16() >>> 4).AsByte() & nibble;
        Vector256<byte> highLo = high & nibble, highHi = (high.AsUInt16() >>> 4).AsByte() & nibble;
        ref Vector256<byte> x = ref Unsafe.Add(ref split, 2 * v);
        l0 += Avx2.Shuffle(table, lowLo ^ x) + Avx2.Shuffle(table, lowHi ^ Unsafe.Add(ref x, 1));
        h0 += Avx2.Shuffle(table, highLo ^ x) + Avx2.Shuffle(table, highHi ^ Unsafe.Add(ref x, 1));
        if (planes > 1)
        {
            x = ref Unsafe.Add(ref split, 2 * (words + v));
            l1 += Avx2.Shuffle(table, lowLo ^ x) + Avx2.Shuffle(table, lowHi ^ Unsafe.Add(ref x, 1));
            h1 += Avx2.Shuffle(table, highLo ^ x) + Avx2.Shuffle(table, highHi ^ Unsafe.Add(ref x, 1));
        }

        if (planes > 2)
        {
            x = ref Unsafe.Add(ref split, 2 * ((2 * words) + v));
            l2 += Avx2.Shuffle(table, lowLo ^ x) + Avx2.Shuffle(table, lowHi ^ Unsafe.Add(ref x, 1));
            h2 += Avx2.Shuffle(table, highLo ^ x) + Avx2.Shuffle(table, highHi ^ Unsafe.Add(ref x, 1));
        }

        if (planes > 3)
        {
            x = ref Unsafe.Add(ref split, 2 * ((3 * words) + v));
            l3 += Avx2.Shuffle(table, lowLo ^ x) + Avx2.Shuffle(table, lowHi ^ Unsafe.Add(ref x, 1));
            h3 += Avx2.Shuffle(table, highLo ^ x) + Avx2.Shuffle(table, highHi ^ Unsafe.Add(ref x, 1));
        }
    }

    /// <summary>Each activation word broadcast to a vector and split into its low and high nibbles (one byte each): word k
    /// of <paramref name="activations"/> becomes <paramref name="split"/>[2k] (low) and [2k + 1] (high).</summary>
    private static void SplitNibbles(ReadOnlySpan<ulong> activations, Vector256<byte> nibble, Span<Vector256<byte>> split)
    {
        for (int k = 0; k < activations.Length; k++)
        {
            Vector256<byte> word = Vector256.Create(activations[k]).AsByte();
            split[2 * k] = word & nibble;
            split[(2 * k) + 1] = (word.AsUInt16() >>> 4).AsByte() & nibble;
        }
    }

    /// <summary>For a group's weight plane <paramref name="w"/> and TBits.Count activation planes from <paramref name="a"/>
    /// (with their betas): adds beta_j * (n - 2 popcount(W xor A_j)) to each row's terms. Byte counters per plane and half
    /// group, summed into 64-bit lanes every 31 words (a word adds at most 8 per byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerms256<TBits>(Vector256<byte> table, Vector256<int> n, ref ulong w, ref ulong a, int words, ref float beta, ref Vector256<float> terms)
        where TBits : struct, IBitCount
    {
        int planes = TBits.Count;
        Vector256<ulong> l0 = Vector256<ulong>.Zero, l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        for (int v = 0; v < words;)
        {
            int end = Math.Min(words, v + MaxVectorsPerByteSum);
            Vector256<byte> bl0 = Vector256<byte>.Zero, bl1 = bl0, bl2 = bl0, bl3 = bl0, bh0 = bl0, bh1 = bl0, bh2 = bl0, bh3 = bl0;
            for (; v < end; v++)
            {
                Vector256<byte> low = Vector256.LoadUnsafe(ref w, (nuint)(v * GroupRows)).AsByte();
                Vector256<byte> high = Vector256.LoadUnsafe(ref w, (nuint)(v * GroupRows + 4)).AsByte();
                Vector256<byte> x = Vector256.Create(Unsafe.Add(ref a, v)).AsByte();
                bl0 += Pop256(table, low ^ x);
                bh0 += Pop256(table, high ^ x);
                if (planes > 1)
                {
                    x = Vector256.Create(Unsafe.Add(ref a, words + v)).AsByte();
                    bl1 += Pop256(table, low ^ x);
                    bh1 += Pop256(table, high ^ x);
                }

                if (planes > 2)
                {
                    x = Vector256.Create(Unsafe.Add(ref a, 2 * words + v)).AsByte();
                    bl2 += Pop256(table, low ^ x);
                    bh2 += Pop256(table, high ^ x);
                }

                if (planes > 3)
                {
                    x = Vector256.Create(Unsafe.Add(ref a, 3 * words + v)).AsByte();
                    bl3 += Pop256(table, low ^ x);
                    bh3 += Pop256(table, high ^ x);
                }
            }

            l0 += Lanes256(bl0);
            h0 += Lanes256(bh0);
            if (planes > 1)
            {
                l1 += Lanes256(bl1);
                h1 += Lanes256(bh1);
            }

            if (planes > 2)
            {
                l2 += Lanes256(bl2);
                h2 += Lanes256(bh2);
            }

            if (planes > 3)
            {
                l3 += Lanes256(bl3);
                h3 += Lanes256(bh3);
            }
        }

        AddTerm256(ref terms, l0, h0, n, beta);
        if (planes > 1)
        {
            AddTerm256(ref terms, l1, h1, n, Unsafe.Add(ref beta, 1));
        }

        if (planes > 2)
        {
            AddTerm256(ref terms, l2, h2, n, Unsafe.Add(ref beta, 2));
        }

        if (planes > 3)
        {
            AddTerm256(ref terms, l3, h3, n, Unsafe.Add(ref beta, 3));
        }
    }

    /// <summary>The bit count of each byte: two nibble lookups.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Pop256(Vector256<byte> table, Vector256<byte> v) => Pop256(table, Vector256.Create((byte)0x0F), v);

    /// <summary>The bit count of each byte, the nibble mask passed in (held in a register by the caller's loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Pop256(Vector256<byte> table, Vector256<byte> nibble, Vector256<byte> v) =>
        Avx2.Shuffle(table, v & nibble) + Avx2.Shuffle(table, (v.AsUInt16() >>> 4).AsByte() & nibble);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Lanes256(Vector256<byte> counts) => Avx2.SumAbsoluteDifferences(counts, Vector256<byte>.Zero).AsUInt64();

    /// <summary>terms += beta * (n - 2 popcount) for a group's 8 rows, rows 0-3 counted in <paramref name="low"/>'s 64-bit
    /// lanes and 4-7 in <paramref name="high"/>'s (counts below 2^31: their low halves are the counts).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerm256(ref Vector256<float> terms, Vector256<ulong> low, Vector256<ulong> high, Vector256<int> n, float beta)
    {
        // shufps takes the low halves: per 128-bit lane [low q0, low q1, high q0, high q1]; vpermq puts the rows in order.
        Vector256<float> halves = Avx.Shuffle(low.AsSingle(), high.AsSingle(), 0b10_00_10_00);
        Vector256<int> count = Avx2.Permute4x64(halves.AsDouble(), 0b11_01_10_00).AsInt32();
        terms = Vector256.FusedMultiplyAdd(Vector256.Create(beta), Vector256.ConvertToSingle(n - (count + count)), terms);
    }
}
