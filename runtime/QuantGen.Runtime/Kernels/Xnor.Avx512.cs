using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

public static partial class Xnor
{
    /// <summary>
    /// The AVX-512 product. A vector is one word of a group's 8 rows, so each 64-bit lane's count is one row's
    /// and no row pays a horizontal sum; the 8 rows' sums live in one Vector256 of floats. Two groups are
    /// counted at once, so each broadcast activation word serves two weight vectors, and each weight vector is
    /// loaded once and xored with up to four activation planes in turn (<see cref="PermuteCounter.AddTerms{TBits}"/>).
    /// </summary>
    /// <remarks>
    /// Each xor result is counted directly, in four instructions: a two-table byte permute (vpermi2b) counts the
    /// low 7 bits of every byte and an affine transform (vgf2p8affineqb) moves the top bit down to be added.
    /// That is cheaper than the nibble lookups (six instructions) and than carry-save adders in front of them
    /// (<see cref="CarrySaveCounter"/>, kept for AVX-512 without VBMI and GFNI): at 2600x1300 3x3 37.7 -> 27 to 29 us,
    /// at the language model's 1024x256 2x2 2.0 -> 1.5 us and 3x3 4.2 -> 3.1 us (the kernel alone, thread time).
    /// </remarks>
    private static void Multiply512(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
    {
        if (!Avx512Vbmi.IsSupported || !Gfni.V512.IsSupported)
        {
            Multiply512<OneBit, CarrySaveCounter>(activations, betas, cols, y, weights, weightBits, coefficients, bias);
            return;
        }

        switch (betas.Length)
        {
            case 1: Multiply512<OneBit, PermuteCounter>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            case 2: Multiply512<TwoBits, PermuteCounter>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            case 3: Multiply512<ThreeBits, PermuteCounter>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            case 4: Multiply512<FourBits, PermuteCounter>(activations, betas, cols, y, weights, weightBits, coefficients, bias); break;
            default:
                // Wider activations (rare: the papers use 2 and 3 bits) one plane per pass over the weights.
                Multiply512<OneBit, PermuteCounter>(activations, betas, cols, y, weights, weightBits, coefficients, bias);
                break;
        }
    }

    /// <summary>The loop over pairs of 8-row groups and weight planes; <typeparamref name="TCounter"/> counts a plane
    /// against the activation planes, TBits.Count of them per pass over its words.</summary>
    private static void Multiply512<TBits, TCounter>(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
        where TBits : struct, IBitCount
        where TCounter : struct, IPlaneCounter
    {
        int words = RowWords(cols);
        int groups = KernelGeometry.XnorGroups(y.Length);
        int activationBits = betas.Length;
        // The tables and n stay in registers: as fields of a struct they were reloaded for every lookup.
        Vector512<byte> low = TCounter.Low, high = TCounter.High;
        Vector512<long> n = Vector512.Create((long)cols);
        ref ulong a0 = ref MemoryMarshal.GetReference(activations);
        ref ulong w0 = ref MemoryMarshal.GetReference(weights);
        ref float c0 = ref MemoryMarshal.GetReference(coefficients);
        ref float beta0 = ref MemoryMarshal.GetReference(betas);
        for (int g = 0; g < groups; g += 2)
        {
            // An odd last group is counted twice (as both groups of the pair) and its second result dropped.
            int next = Math.Min(g + 1, groups - 1);
            Vector256<float> sumsA = Vector256<float>.Zero, sumsB = sumsA;
            for (int p = 0; p < weightBits; p++)
            {
                nint planeA = (nint)g * weightBits + p, planeB = (nint)next * weightBits + p;
                ref ulong wA = ref Unsafe.Add(ref w0, planeA * words * GroupRows);
                ref ulong wB = ref Unsafe.Add(ref w0, planeB * words * GroupRows);
                Vector256<float> termsA = Vector256<float>.Zero, termsB = termsA;
                for (int j = 0; j < activationBits; j += TBits.Count)
                {
                    TCounter.AddTerms<TBits>(low, high, n, ref wA, ref wB, ref Unsafe.Add(ref a0, (nint)j * words), words, ref Unsafe.Add(ref beta0, j), ref termsA, ref termsB);
                }

                sumsA += Vector256.LoadUnsafe(ref c0, (nuint)(planeA * GroupRows)) * termsA;
                sumsB += Vector256.LoadUnsafe(ref c0, (nuint)(planeB * GroupRows)) * termsB;
            }

            Store(sumsA, g * GroupRows, y, bias);
            if (next != g)
            {
                Store(sumsB, next * GroupRows, y, bias);
            }
        }
    }

    /// <summary>Word v of a group's 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Load(ref ulong w, int v) => Vector512.LoadUnsafe(ref Unsafe.Add(ref w, v * GroupRows)).AsByte();

    /// <summary>Counts one weight plane of two groups against activation planes and adds beta * (n - 2 popcount) per
    /// plane to the rows' terms; the two tables are held in registers by the caller.</summary>
    private interface IPlaneCounter
    {
        static abstract Vector512<byte> Low { get; }

        static abstract Vector512<byte> High { get; }

        static abstract void AddTerms<TBits>(Vector512<byte> low, Vector512<byte> high, Vector512<long> n, ref ulong wA, ref ulong wB, ref ulong a, int words, ref float beta, ref Vector256<float> termsA, ref Vector256<float> termsB)
            where TBits : struct, IBitCount;
    }

    /// <summary>With VBMI and GFNI: each weight vector xored with TBits.Count activation planes and every result
    /// counted by a byte permute and an affine transform.</summary>
    private readonly struct PermuteCounter : IPlaneCounter
    {
        public static Vector512<byte> Low => CountTableLow;

        public static Vector512<byte> High => CountTableHigh;

        /// <summary>
        /// For two groups' weight plane (wA, wB) and TBits.Count activation planes from <paramref name="a"/> (with
        /// their betas): adds beta_j * (n - 2 popcount(W xor A_j)) to each row's terms. One byte counter per plane and
        /// group: a word adds at most 8 per byte, so they are summed into 64-bit lanes every 31 words.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddTerms<TBits>(Vector512<byte> low, Vector512<byte> high, Vector512<long> n, ref ulong wA, ref ulong wB, ref ulong a, int words, ref float beta, ref Vector256<float> termsA, ref Vector256<float> termsB)
            where TBits : struct, IBitCount
        {
            int planes = TBits.Count;
            Vector512<ulong> tA0 = Vector512<ulong>.Zero, tA1 = tA0, tA2 = tA0, tA3 = tA0, tB0 = tA0, tB1 = tA0, tB2 = tA0, tB3 = tA0;
            for (int v = 0; v < words;)
            {
                int end = Math.Min(words, v + MaxVectorsPerByteSum);
                Vector512<byte> a0 = Vector512<byte>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (; v < end; v++)
                {
                    Vector512<byte> weightA = Load(ref wA, v), weightB = Load(ref wB, v);
                    Vector512<byte> x = Vector512.Create(Unsafe.Add(ref a, v)).AsByte();
                    a0 += Pop(low, high, weightA ^ x);
                    b0 += Pop(low, high, weightB ^ x);
                    if (planes > 1)
                    {
                        x = Vector512.Create(Unsafe.Add(ref a, words + v)).AsByte();
                        a1 += Pop(low, high, weightA ^ x);
                        b1 += Pop(low, high, weightB ^ x);
                    }

                    if (planes > 2)
                    {
                        x = Vector512.Create(Unsafe.Add(ref a, 2 * words + v)).AsByte();
                        a2 += Pop(low, high, weightA ^ x);
                        b2 += Pop(low, high, weightB ^ x);
                    }

                    if (planes > 3)
                    {
                        x = Vector512.Create(Unsafe.Add(ref a, 3 * words + v)).AsByte();
                        a3 += Pop(low, high, weightA ^ x);
                        b3 += Pop(low, high, weightB ^ x);
                    }
                }

                tA0 += Lanes(a0);
                tB0 += Lanes(b0);
                if (planes > 1)
                {
                    tA1 += Lanes(a1);
                    tB1 += Lanes(b1);
                }

                if (planes > 2)
                {
                    tA2 += Lanes(a2);
                    tB2 += Lanes(b2);
                }

                if (planes > 3)
                {
                    tA3 += Lanes(a3);
                    tB3 += Lanes(b3);
                }
            }

            AddTerm(ref termsA, tA0, n, beta);
            AddTerm(ref termsB, tB0, n, beta);
            if (planes > 1)
            {
                AddTerm(ref termsA, tA1, n, Unsafe.Add(ref beta, 1));
                AddTerm(ref termsB, tB1, n, Unsafe.Add(ref beta, 1));
            }

            if (planes > 2)
            {
                AddTerm(ref termsA, tA2, n, Unsafe.Add(ref beta, 2));
                AddTerm(ref termsB, tB2, n, Unsafe.Add(ref beta, 2));
            }

            if (planes > 3)
            {
                AddTerm(ref termsA, tA3, n, Unsafe.Add(ref beta, 3));
                AddTerm(ref termsB, tB3, n, Unsafe.Add(ref beta, 3));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Pop(Vector512<byte> low, Vector512<byte> high, Vector512<byte> v) => CountBytes(low, high, v);
    }

    /// <summary>The first half of <see cref="CountBytes"/>'s table (held in a register by its callers).</summary>
    internal static Vector512<byte> CountTableLow => Vector512.Create(PopCounts128.Slice(0, 64));

    /// <summary>The second half of <see cref="CountBytes"/>'s table.</summary>
    internal static Vector512<byte> CountTableHigh => Vector512.Create(PopCounts128.Slice(64, 64));

    /// <summary>
    /// The bit count of each byte (AVX-512 VBMI and GFNI), in two instructions and an add: vpermi2b looks the low 7
    /// bits up in the 128-entry table <paramref name="low"/>:<paramref name="high"/> (its index ignores the top bit)
    /// and the affine transform's matrix 0x80 in its last row gives bit 0 = bit 7, the rest 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<byte> CountBytes(Vector512<byte> low, Vector512<byte> high, Vector512<byte> v)
    {
        Vector512<byte> top = Gfni.V512.GaloisFieldAffineTransform(v, Vector512.Create(0x8000000000000000UL).AsByte(), 0);
        return top + Avx512Vbmi.PermuteVar64x8x2(low, v, high);
    }

    /// <summary>terms += beta * (n - 2 popcount) for a group's 8 rows (one fused multiply-add): the popcount stays an
    /// integer until then.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTerm(ref Vector256<float> terms, Vector512<ulong> count, Vector512<long> n, float beta) =>
        terms = Vector256.FusedMultiplyAdd(Vector256.Create(beta), Avx512DQ.ConvertToVector256Single(n - (count.AsInt64() + count.AsInt64())), terms);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Lanes(Vector512<byte> counts) => Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();

    /// <summary>The bit count of 0..127, the table of <see cref="PermuteCounter"/>'s byte permute.</summary>
    private static ReadOnlySpan<byte> PopCounts128 =>
    [
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5,
        1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5, 2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 6,
        1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5, 2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 6,
        2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 6, 3, 4, 4, 5, 4, 5, 5, 6, 4, 5, 5, 6, 5, 6, 6, 7,
    ];
}
