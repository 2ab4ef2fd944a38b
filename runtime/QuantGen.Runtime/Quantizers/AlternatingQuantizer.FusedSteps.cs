using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The fused path's steps between two passes: the least-squares solve and the sorted sums the next code search needs.
/// Each pass waits for them, so on the 64 to 256 values of a small layer their latency, not the passes' arithmetic,
/// sets the coding's time: Gaussian elimination on 2 or 3 unknowns chains 3 to 6 divisions, and a vector load of sums
/// just stored one by one waits for the stores to reach the cache. Here the solve takes one division and the sums reach
/// the search in registers. The alphas can differ from the reference's elimination in the last bits, as the fused
/// path's float-lane sums already make them; the codes still come from the alphas by the same operations.
/// </summary>
public static partial class AlternatingQuantizer
{
    /// <summary>
    /// (B^T B) alpha = B^T x for 1 to 3 bits by cofactors (Cramer's rule): the Gram matrix holds integers (n on the
    /// diagonal, n - 2 * differ off it), so its cofactors and determinant are exact below 2^53 and a singular system
    /// (codes equal or opposite) has determinant 0 and keeps the alphas, as elimination does. More bits: elimination.
    /// </summary>
    private static void SolveByCofactors<TBits>(Span<double> gram, Span<double> rhs, Span<float> alphas)
        where TBits : IBitCount
    {
        if (TBits.Count == 1)
        {
            if (Math.Abs(gram[0]) >= 0.5)
            {
                alphas[0] = (float)(rhs[0] / gram[0]);
            }

            return;
        }

        if (TBits.Count == 2)
        {
            double g00 = gram[0], g01 = gram[1], g11 = gram[3];
            double determinant = g00 * g11 - g01 * g01;
            if (Math.Abs(determinant) < 0.5)
            {
                return;
            }

            double inverse = 1.0 / determinant;
            alphas[0] = (float)((g11 * rhs[0] - g01 * rhs[1]) * inverse);
            alphas[1] = (float)((g00 * rhs[1] - g01 * rhs[0]) * inverse);
            return;
        }

        if (TBits.Count == 3)
        {
            double g00 = gram[0], g01 = gram[1], g02 = gram[2], g11 = gram[4], g12 = gram[5], g22 = gram[8];
            double c00 = g11 * g22 - g12 * g12, c01 = g02 * g12 - g01 * g22, c02 = g01 * g12 - g02 * g11;
            double c11 = g00 * g22 - g02 * g02, c12 = g01 * g02 - g00 * g12, c22 = g00 * g11 - g01 * g01;
            double determinant = g00 * c00 + g01 * c01 + g02 * c02;
            if (Math.Abs(determinant) < 0.5)
            {
                return;
            }

            double inverse = 1.0 / determinant, r0 = rhs[0], r1 = rhs[1], r2 = rhs[2];
            alphas[0] = (float)((c00 * r0 + c01 * r1 + c02 * r2) * inverse);
            alphas[1] = (float)((c01 * r0 + c11 * r1 + c12 * r2) * inverse);
            alphas[2] = (float)((c02 * r0 + c12 * r1 + c22 * r2) * inverse);
            return;
        }

        Solve(gram, rhs, TBits.Count, alphas);
    }

    /// <summary>The smallest float above a finite <paramref name="value"/>: <see cref="MathF.BitIncrement"/> in a few
    /// integer operations (the call, on the path between two passes, cost more than the rest of the thresholds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NextAbove(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        // Positive values and +0 step up in magnitude; negative ones down, and -0 to the smallest positive float.
        return BitConverter.Int32BitsToSingle(bits >= 0 ? bits + 1 : bits == int.MinValue ? 1 : bits - 1);
    }

    private static partial class FusedCoder<L, VF, VI>
        where L : struct, ICoderLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        /// <summary>The code search for <paramref name="alphas"/>: their sorted sums (<paramref name="sums16"/>,
        /// <paramref name="order16"/>; the lanes of 2 and 3 bits built in registers) and the thresholds between neighbours,
        /// which the search reads from <paramref name="thresholds16"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ThresholdSearch SortedSearch<TBits>(ReadOnlySpan<float> alphas, Span<float> sums16, Span<byte> order16, Span<float> thresholds16)
            where TBits : IBitCount
        {
            int count = 1 << TBits.Count;
            CoderTable<VF> sumLanes;
            CoderTable<VI> codeLanes;
            if (TBits.Count == 2)
            {
                SortedSums2(alphas[0], alphas[1], sums16, order16, out Vector128<float> sums, out Vector128<int> codes);
                (sumLanes, codeLanes) = (L.Table(sums.ToVector256Unsafe()), L.Table(codes.ToVector256Unsafe()));
            }
            else if (TBits.Count == 3)
            {
                SortedSums3(alphas[0], alphas[1], alphas[2], sums16, order16, out Vector256<float> sums, out Vector256<int> codes);
                (sumLanes, codeLanes) = (L.Table(sums), L.Table(codes));
            }
            else
            {
                // One bit's 2 sums and four bits' 16 from the general sort (2 entries fit the 16-entry table too).
                SortedSums(alphas.Slice(0, TBits.Count), sums16.Slice(0, count), order16.Slice(0, count));
                sumLanes = L.Table((ReadOnlySpan<float>)sums16);
                codeLanes = L.Table((ReadOnlySpan<byte>)order16);
            }

            for (int k = 0; k + 1 < count; k++)
            {
                // The reference compares the two rounded distances and sends a tie to the larger sum, so every value within
                // about half a float step of the distance of the midpoint goes up. The threshold sits about that far below
                // the midpoint, which matters where values crowd: the sums are symmetric about 0, so one midpoint is exactly 0,
                // where -0, +0 and tiny values that differ only in the last steps of a computation (a vector tanh against
                // MathF.Tanh) all sit.
                // A value equal to a sum must take that sum, and of equal sums the first (the lower code, as the reference;
                // the least-squares step after it sees the codes, not only their values): a threshold at or below the lower
                // sum (equal sums, or sums a float apart) moves just above it.
                // gap * 2^-25 is between a quarter and a half of a float step of the distance (half the gap).
                float lower = sums16[k], upper = sums16[k + 1];
                float threshold = (lower + upper) * 0.5f - (upper - lower) * (1f / 33554432f);
                thresholds16[k] = threshold > lower ? threshold : NextAbove(lower);
            }

            return new ThresholdSearch(thresholds16.Slice(0, count - 1), sumLanes, codeLanes);
        }

        /// <summary>The code search of the fused passes: the thresholds between the sorted sums, and the sums and their codes
        /// as lookup tables.</summary>
        private readonly ref struct ThresholdSearch(ReadOnlySpan<float> thresholds, CoderTable<VF> sums, CoderTable<VI> codes)
        {
            private readonly ReadOnlySpan<float> _thresholds = thresholds;

            /// <summary>The sorted sums: the values the codes at each index stand for.</summary>
            public CoderTable<VF> Sums { get; } = sums;

            /// <summary>The code of each sorted sum.</summary>
            public CoderTable<VI> Codes { get; } = codes;

            /// <summary>
            /// Each value's index into 2^bits sorted sums: the count of thresholds at or below it. Each threshold sits where
            /// the reference's two rounded distances tie (just below the midpoint), so this is the reference's nearest sum
            /// but within a fraction of a float step of a midpoint, for half the work: one compare per threshold, no
            /// neighbour lookups. Two chains of counts.
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public VI Index<TBits>(VF v)
                where TBits : IBitCount
            {
                // Unrolled by hand, the ifs folding away with the bit count (the JIT kept a loop over 3 thresholds).
                int count = (1 << TBits.Count) - 1;
                ref float t = ref MemoryMarshal.GetReference(_thresholds);
                VI even = L.CountAtOrAbove(default, v, t), odd = default;
                if (count > 1)
                {
                    odd = L.CountAtOrAbove(odd, v, Unsafe.Add(ref t, 1));
                    even = L.CountAtOrAbove(even, v, Unsafe.Add(ref t, 2));
                }

                if (count > 3)
                {
                    odd = L.CountAtOrAbove(odd, v, Unsafe.Add(ref t, 3));
                    even = L.CountAtOrAbove(even, v, Unsafe.Add(ref t, 4));
                    odd = L.CountAtOrAbove(odd, v, Unsafe.Add(ref t, 5));
                    even = L.CountAtOrAbove(even, v, Unsafe.Add(ref t, 6));
                }

                if (count > 7)
                {
                    for (int k = 7; k < count; k += 2)
                    {
                        odd = L.CountAtOrAbove(odd, v, Unsafe.Add(ref t, k));
                        even = L.CountAtOrAbove(even, v, Unsafe.Add(ref t, k + 1));
                    }
                }

                return L.Add(even, odd);
            }
        }
    }
}
