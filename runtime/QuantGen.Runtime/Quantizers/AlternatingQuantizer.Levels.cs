using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QuantGen.Runtime;

/// <summary>
/// The fused passes by levels, for 2 and 3 bits. A code search sends each value to the level (sorted sum) whose index is
/// the count of thresholds at or below it, so what the next least-squares step needs can be gathered per threshold (the
/// sum and count of the values at or above it) instead of per code bit and pair of bits, and the codes never formed:
/// the level sums are differences of those, and each level's code says which bits and pairs of bits it adds to.
/// A threshold at or below the smallest value is passed by every value, one above the largest by none: neither needs a
/// compare. After a ReLU (every value >= 0) the lower half of the thresholds is of the first kind, so a 2-bit pass compares
/// each value once where the per-bit pass made its index with three compares and its statistics with eleven operations,
/// and a 3-bit pass three times where it took seven and twenty. The 2-bit greedy step before the cycles is a search too
/// (its codes are the levels of -alpha, 0 and alpha: r - alpha >= 0 exactly when x >= alpha in float), so it takes this
/// path as well, and so do the 3-bit greedy steps over values >= 0 from 128 values (their third bit's thresholds found
/// in float, <see cref="GreedyThresholds3"/>). The codes come from the same thresholds and compares as the per-bit
/// passes; the sums are float lanes and then double differences, so alphas can differ from the per-bit passes' in the
/// last bits, as those already differ from the reference's.
/// </summary>
public static partial class AlternatingQuantizer
{
    /// <summary>The most thresholds a level pass compares (the accumulators of more would not stay in 16 registers).</summary>
    private const int MaxLevelThresholds = 3;

    /// <summary>The fewest (padded) values the 3-bit greedy steps take by levels. AVX2, 2 cycles, post-ReLU values, Stopwatch,
    /// against the per-bit greedy passes: 64 values 281 -> 320 ns, 128 371 -> 363, 192 462 -> 405, 256 548 -> 444, 1,024
    /// 1,590 -> 912.</summary>
    private const int MinGreedyLevels3Length = 128;

    /// <summary>The 2-bit greedy codes of the levels of -alpha, 0 and alpha (bit 0 where x >= 0, bit 1 where x -+ alpha >= 0),
    /// padded to 8 entries: a fill reads four levels from the first compared one, those past the last holding nothing.</summary>
    private static ReadOnlySpan<byte> GreedyLevelCodes2 => [0b00, 0b10, 0b01, 0b11, 0, 0, 0, 0];

    /// <summary>The sums and counts of the values of four consecutive levels (from the first compared threshold's lower
    /// side): the levels a pass over at most three thresholds can tell apart.</summary>
    private struct LevelStats
    {
        public double Sum0, Sum1, Sum2, Sum3, Count0, Count1, Count2, Count3;
    }

    /// <summary>The 3-bit greedy codes of the levels of <see cref="GreedyThresholds3"/> (bit j is step j's sign), padded:
    /// a fill reads four levels from the first compared one.</summary>
    internal static ReadOnlySpan<byte> GreedyLevelCodes3 => [0b000, 0b100, 0b010, 0b110, 0b001, 0b101, 0b011, 0b111, 0, 0, 0];

    /// <summary>
    /// The thresholds of the 3-bit greedy codes, in order: bit 0 is x >= 0; bit 1 is r1 = x -+ a0 >= 0, that is x >= +-a0;
    /// bit 2 is r1 -+ a1 >= 0, and since r1 is rounded that is x >= t for the smallest float t whose r1 reaches +-a1
    /// (rounding is monotone, so those x are an up-set; <see cref="LowestReaching"/>), clamped into the range of x
    /// where bits 0 and 1 have that sign pair. False if a search did not settle.
    /// </summary>
    internal static bool GreedyThresholds3(float alpha0, float alpha1, Span<float> thresholds)
    {
        // r1 = x - a0 where x >= 0, x - (-a0) below: the subtraction the per-bit pass makes.
        if (!LowestReaching(-alpha0, -alpha1, out float d) || !LowestReaching(-alpha0, alpha1, out float c)
            || !LowestReaching(alpha0, -alpha1, out float b) || !LowestReaching(alpha0, alpha1, out float a))
        {
            return false;
        }

        thresholds[0] = Math.Min(d, -alpha0);
        thresholds[1] = -alpha0;
        thresholds[2] = Math.Clamp(c, -alpha0, 0f);
        thresholds[3] = 0f;
        thresholds[4] = Math.Clamp(b, 0f, alpha0);
        thresholds[5] = alpha0;
        thresholds[6] = Math.Max(a, alpha0);
        return true;
    }

    /// <summary>The most float steps <see cref="LowestReaching"/> takes from its first guess (it needs at most one).</summary>
    private const int MaxThresholdSteps = 4;

    /// <summary>
    /// The smallest float x with x - <paramref name="shift"/> (in float) >= <paramref name="target"/>; false if the walk from
    /// the first guess did not settle within <see cref="MaxThresholdSteps"/> steps. The difference rounds to target or above
    /// exactly when the exact x - shift is at least the midpoint between target and the float below it (a tie goes to the
    /// even one), so the guess is the float nearest shift + that midpoint, computed in double (exact unless the two are
    /// some 28 binades apart, and then within a double rounding): within a float step of the answer even where the
    /// difference cancels to near 0, where float steps are far finer than the difference's rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool LowestReaching(float shift, float target, out float lowest)
    {
        float x = (float)(shift + (((double)-NextAbove(-target) + target) * 0.5));
        // Almost always the guess or the float above it: two checks in line, the walk only past them.
        if (x - shift >= target)
        {
            if (!(-NextAbove(-x) - shift >= target))
            {
                lowest = x;
                return true;
            }
        }
        else
        {
            float above = NextAbove(x);
            if (above - shift >= target)
            {
                lowest = above;
                return true;
            }
        }

        return WalkToLowest(x, shift, target, out lowest);
    }

    /// <summary><see cref="LowestReaching"/> by float steps from <paramref name="x"/>: up until x - shift reaches target, then
    /// down while it still does.</summary>
    private static bool WalkToLowest(float x, float shift, float target, out float lowest)
    {
        for (int step = 0; !(x - shift >= target); step++)
        {
            if (step == MaxThresholdSteps || !float.IsFinite(x))
            {
                lowest = x;
                return false;
            }

            x = NextAbove(x);
        }

        for (int step = 0; step < MaxThresholdSteps; step++)
        {
            float below = -NextAbove(-x);
            if (!(below - shift >= target))
            {
                lowest = x;
                return true;
            }

            x = below;
        }

        lowest = x;
        return false;
    }

    private static partial class FusedCoder<L, VF, VI>
        where L : struct, ICoderLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        /// <summary>
        /// The thresholds a pass must compare, [first, first + count) of the <paramref name="length"/> (3 or 7) sorted
        /// <paramref name="thresholds"/>: those at or below <paramref name="smallest"/> every value passes, those above
        /// <paramref name="largest"/> none. At least one (a range with an extra threshold is still exact), so count exceeds
        /// what a level pass takes only when more than <see cref="MaxLevelThresholds"/> thresholds lie between the values.
        /// Scalar compares: the thresholds were just stored one by one, and a vector load of them would wait for the stores.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (int First, int Count) ActiveThresholds(ReadOnlySpan<float> thresholds, int length, float smallest, float largest)
        {
            ref float t = ref MemoryMarshal.GetReference(thresholds);
            int passedByAll = 0, passedBySome = 0;
            for (int k = 0; k < length; k++)
            {
                float threshold = Unsafe.Add(ref t, k);
                passedByAll += threshold <= smallest ? 1 : 0;
                passedBySome += threshold <= largest ? 1 : 0;
            }

            int count = Math.Max(passedBySome - passedByAll, 1);
            return (Math.Min(passedByAll, length - count), count);
        }

        /// <summary>
        /// A gathering pass by levels over the thresholds [first, first + count) of <paramref name="thresholds"/>: the sums and
        /// counts of the values of levels first to first + count (the values with that many thresholds at or below them);
        /// the levels outside hold no value. Dispatches on the count, so each pass is compiled for it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static LevelStats GatherLevels(ReadOnlySpan<float> xs, ReadOnlySpan<float> thresholds, int first, int count, VI lastValid, double total, int n) =>
            count switch
            {
                1 => GatherLevels<OneBit>(xs, thresholds, first, lastValid, total, n),
                2 => GatherLevels<TwoBits>(xs, thresholds, first, lastValid, total, n),
                _ => GatherLevels<ThreeBits>(xs, thresholds, first, lastValid, total, n),
            };

        /// <summary>The pass over <typeparamref name="TCount"/> thresholds (a bit-count type carries the count): per
        /// threshold, the sum and count of the values at or above it; a level between two thresholds is the difference
        /// (every value is at or above the thresholds before <paramref name="first"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static LevelStats GatherLevels<TCount>(ReadOnlySpan<float> xs, ReadOnlySpan<float> thresholds, int first, VI lastValid, double total, int n)
            where TCount : IBitCount
        {
            int count = TCount.Count;
            ref float x = ref MemoryMarshal.GetReference(xs);
            ref float t = ref Unsafe.Add(ref MemoryMarshal.GetReference(thresholds), first);
            VF t0 = L.Splat(t);
            VF t1 = count > 1 ? L.Splat(Unsafe.Add(ref t, 1)) : t0;
            VF t2 = count > 2 ? L.Splat(Unsafe.Add(ref t, 2)) : t0;
            VF s0 = default, s1 = default, s2 = default;
            VI c0 = default, c1 = default, c2 = default, all = L.Splat(-1);
            int lastStart = xs.Length - L.Count, i = 0;
            for (; i + 2 * L.Count < xs.Length; i += 2 * L.Count)
            {
                // Two vectors before the last one: their figures added together first, so each running sum takes one
                // dependent add per two vectors (on 64 to 256 values a pass is that chain's latency).
                VF v = L.Load(ref x, (nuint)i), w = L.Load(ref x, (nuint)(i + L.Count));
                VI m0 = L.AtOrAbove(v, t0), n0 = L.AtOrAbove(w, t0);
                s0 = L.Add(s0, L.Add(L.Keep(v, m0), L.Keep(w, n0)));
                c0 = L.Subtract(c0, L.Add(m0, n0));
                if (count > 1)
                {
                    VI m1 = L.AtOrAbove(v, t1), n1 = L.AtOrAbove(w, t1);
                    s1 = L.Add(s1, L.Add(L.Keep(v, m1), L.Keep(w, n1)));
                    c1 = L.Subtract(c1, L.Add(m1, n1));
                }

                if (count > 2)
                {
                    VI m2 = L.AtOrAbove(v, t2), n2 = L.AtOrAbove(w, t2);
                    s2 = L.Add(s2, L.Add(L.Keep(v, m2), L.Keep(w, n2)));
                    c2 = L.Subtract(c2, L.Add(m2, n2));
                }
            }

            for (; i < xs.Length; i += L.Count)
            {
                // Padding lanes hold 0: they add nothing to the sums, and the last vector's mask keeps them out of the counts.
                VF v = L.Load(ref x, (nuint)i);
                VI valid = i == lastStart ? lastValid : all;
                VI m0 = L.AtOrAbove(v, t0);
                s0 = L.Add(s0, L.Keep(v, m0));
                c0 = L.Subtract(c0, L.And(m0, valid));
                if (count > 1)
                {
                    VI m1 = L.AtOrAbove(v, t1);
                    s1 = L.Add(s1, L.Keep(v, m1));
                    c1 = L.Subtract(c1, L.And(m1, valid));
                }

                if (count > 2)
                {
                    VI m2 = L.AtOrAbove(v, t2);
                    s2 = L.Add(s2, L.Keep(v, m2));
                    c2 = L.Subtract(c2, L.And(m2, valid));
                }
            }

            // At or above each threshold, then each level as the difference of its two thresholds' figures.
            double p0 = L.Total(s0), p1 = count > 1 ? L.Total(s1) : 0, p2 = count > 2 ? L.Total(s2) : 0;
            double q0 = L.Sum(c0), q1 = count > 1 ? L.Sum(c1) : 0, q2 = count > 2 ? L.Sum(c2) : 0;
            return new LevelStats
            {
                Sum0 = total - p0, Count0 = n - q0,
                Sum1 = p0 - p1, Count1 = q0 - q1,
                Sum2 = p1 - p2, Count2 = q1 - q2,
                Sum3 = p2, Count3 = q2,
            };
        }

        /// <summary>The final search by levels: each value's index is <paramref name="first"/> plus the count of the compared
        /// thresholds at or below it (the count <see cref="ThresholdSearch.Index{TBits}"/> makes over all of them); stores its code and
        /// its sum.</summary>
        private static void WriteLevels<TBits>(ReadOnlySpan<float> xs, Span<byte> code, in ThresholdSearch search, ReadOnlySpan<float> thresholds, int first, int count, Span<float> reconstruction)
            where TBits : IBitCount
        {
            switch (count)
            {
                case 1:
                    WriteLevels<TBits, OneBit>(xs, code, search, thresholds, first, reconstruction);
                    break;
                case 2:
                    WriteLevels<TBits, TwoBits>(xs, code, search, thresholds, first, reconstruction);
                    break;
                default:
                    WriteLevels<TBits, ThreeBits>(xs, code, search, thresholds, first, reconstruction);
                    break;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void WriteLevels<TBits, TCount>(ReadOnlySpan<float> xs, Span<byte> code, in ThresholdSearch search, ReadOnlySpan<float> thresholds, int first, Span<float> reconstruction)
            where TBits : IBitCount
            where TCount : IBitCount
        {
            int count = TCount.Count, bits = TBits.Count;
            ref float x = ref MemoryMarshal.GetReference(xs);
            ref byte c = ref MemoryMarshal.GetReference(code);
            ref float y = ref MemoryMarshal.GetReference(reconstruction);
            ref float t = ref Unsafe.Add(ref MemoryMarshal.GetReference(thresholds), first);
            VF t0 = L.Splat(t);
            VF t1 = count > 1 ? L.Splat(Unsafe.Add(ref t, 1)) : t0;
            VF t2 = count > 2 ? L.Splat(Unsafe.Add(ref t, 2)) : t0;
            VI start = L.Splat(first);
            CoderTable<VI> codes = search.Codes;
            CoderTable<VF> sums = search.Sums;
            for (int i = 0; i < xs.Length; i += L.Count)
            {
                VF v = L.Load(ref x, (nuint)i);
                // A compare's mask is -1 where the value is at or above: subtracting it counts.
                VI index = L.Subtract(start, L.AtOrAbove(v, t0));
                if (count > 1)
                {
                    index = L.Subtract(index, L.AtOrAbove(v, t1));
                }

                if (count > 2)
                {
                    index = L.Subtract(index, L.AtOrAbove(v, t2));
                }

                L.StoreCodes(L.Lookup(codes, index, bits), ref c, (nuint)i);
                L.Store(L.Lookup(sums, index, bits), ref y, (nuint)i);
            }
        }

        /// <summary>
        /// The least-squares system of four levels from <paramref name="first"/> with the codes <paramref name="codes"/>
        /// (level k's at k): (B^T x)_a = 2 * (sum of the levels with bit a set) - sum x; (B^T B) = n on the diagonal and
        /// n - 2 * (count of the levels where bits a and b differ) off it, the counts exact integers as in the per-bit passes.
        /// Straight-line: it sits between two passes.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FillFromLevels<TBits>(ReadOnlySpan<byte> codes, int first, in LevelStats levels, in LeastSquares system)
            where TBits : IBitCount
        {
            int bits = TBits.Count, n = system.Count;
            int k0 = codes[first], k1 = codes[first + 1], k2 = codes[first + 2], k3 = codes[first + 3];
            Span<double> gram = system.Gram, rhs = system.Rhs;
            // Written out per bit and pair (constant shifts): this sits on the path between two passes.
            rhs[0] = 2 * Where(k0, k1, k2, k3, 1, levels.Sum0, levels.Sum1, levels.Sum2, levels.Sum3) - system.Total;
            rhs[1] = 2 * Where(k0, k1, k2, k3, 2, levels.Sum0, levels.Sum1, levels.Sum2, levels.Sum3) - system.Total;
            double differ01 = Where(k0 ^ k0 >> 1, k1 ^ k1 >> 1, k2 ^ k2 >> 1, k3 ^ k3 >> 1, 1, levels.Count0, levels.Count1, levels.Count2, levels.Count3);
            gram[0] = n;
            gram[bits + 1] = n;
            gram[1] = gram[bits] = n - 2 * differ01;
            if (bits == 3)
            {
                rhs[2] = 2 * Where(k0, k1, k2, k3, 4, levels.Sum0, levels.Sum1, levels.Sum2, levels.Sum3) - system.Total;
                double differ02 = Where(k0 ^ k0 >> 2, k1 ^ k1 >> 2, k2 ^ k2 >> 2, k3 ^ k3 >> 2, 1, levels.Count0, levels.Count1, levels.Count2, levels.Count3);
                double differ12 = Where(k0 ^ k0 >> 1, k1 ^ k1 >> 1, k2 ^ k2 >> 1, k3 ^ k3 >> 1, 2, levels.Count0, levels.Count1, levels.Count2, levels.Count3);
                gram[8] = n;
                gram[2] = gram[6] = n - 2 * differ02;
                gram[5] = gram[7] = n - 2 * differ12;
            }
        }

        /// <summary>The sum of the four values whose code has <paramref name="mask"/>'s bit set.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double Where(int k0, int k1, int k2, int k3, int mask, double v0, double v1, double v2, double v3) =>
            ((k0 & mask) != 0 ? v0 : 0) + ((k1 & mask) != 0 ? v1 : 0) + (((k2 & mask) != 0 ? v2 : 0) + ((k3 & mask) != 0 ? v3 : 0));

        /// <summary>
        /// The 2-bit greedy step before the cycles as one level pass: the codes are the levels of -alpha, 0 and alpha (r = x
        /// -+ alpha is >= 0 exactly where x >= +-alpha, as float subtraction keeps the sign of the exact difference), their
        /// system is gathered, and the sum of |r| over the levels is returned (the second alpha, read only when that system
        /// is singular).
        /// </summary>
        private static double GreedyLevels2(ReadOnlySpan<float> xs, float alpha, float smallest, float largest, VI lastValid, in LeastSquares system)
        {
            ReadOnlySpan<float> thresholds = [-alpha, 0f, alpha];
            (int first, int count) = ActiveThresholds(thresholds, 3, smallest, largest);
            LevelStats levels = GatherLevels(xs, thresholds, first, count, lastValid, system.Total, system.Count);
            FillFromLevels<TwoBits>(GreedyLevelCodes2, first, levels, system);
            return FirstResidual(levels, first, alpha);
        }

        /// <summary>
        /// The sum of |x -+ alpha| (the first greedy step's residual) from the levels of -alpha, 0 and alpha from
        /// <paramref name="first"/>: -(x + a) below -a, x + a from -a to 0, a - x from 0 to a, x - a from a.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double FirstResidual(in LevelStats levels, int first, double alpha)
        {
            ReadOnlySpan<double> sumSigns = [-1, 1, -1, 1, 0, 0, 0], countSigns = [-1, 1, 1, -1, 0, 0, 0];
            return (sumSigns[first] * levels.Sum0 + sumSigns[first + 1] * levels.Sum1) + (sumSigns[first + 2] * levels.Sum2 + sumSigns[first + 3] * levels.Sum3)
                + alpha * ((countSigns[first] * levels.Count0 + countSigns[first + 1] * levels.Count1) + (countSigns[first + 2] * levels.Count2 + countSigns[first + 3] * levels.Count3));
        }

        /// <summary>
        /// The 3-bit greedy steps before the cycles as two level passes, for values that are all >= 0 (after a ReLU), where
        /// the per-bit greedy passes (each storing a residual, the second gathering three bits' statistics) cost more than
        /// the cycles after them. The first pass is the 2-bit one's (levels of -a0, 0 and a0), for the sum of |r1| and so
        /// a1; the codes of all three steps are then levels too (<see cref="GreedyThresholds3"/>), and the second pass
        /// gathers their system and the sum of |r2| (a2, read only when the system is singular). Returns false, having
        /// written only <paramref name="system"/>, where a threshold search did not settle or more than
        /// <see cref="MaxLevelThresholds"/> thresholds lie between the values: the per-bit passes then run.
        /// </summary>
        private static bool GreedyLevels3(ReadOnlySpan<float> xs, float alpha0, float smallest, float largest, VI lastValid, in LeastSquares system, Span<float> alphas)
        {
            int n = system.Count;
            ReadOnlySpan<float> firstThresholds = [-alpha0, 0f, alpha0];
            (int first, int count) = ActiveThresholds(firstThresholds, 3, smallest, largest);
            double residual1 = FirstResidual(GatherLevels(xs, firstThresholds, first, count, lastValid, system.Total, n), first, alpha0);
            float alpha1 = (float)(residual1 / n);
            Span<float> thresholds = stackalloc float[7];
            if (!float.IsFinite(alpha1) || !GreedyThresholds3(alpha0, alpha1, thresholds))
            {
                return false;
            }

            (first, count) = ActiveThresholds(thresholds, 7, smallest, largest);
            if (count > MaxLevelThresholds)
            {
                return false;
            }

            LevelStats levels = GatherLevels(xs, thresholds, first, count, lastValid, system.Total, n);
            FillFromLevels<ThreeBits>(GreedyLevelCodes3, first, levels, system);
            alphas[0] = alpha0;
            alphas[1] = alpha1;
            alphas[2] = (float)(SecondResidual(levels, first, alpha0, alpha1) / n);
            return true;
        }

        /// <summary>The sum of |r2| = |x - s0 a0 - s1 a1| over the four levels from <paramref name="first"/>, each level's signs
        /// from its code (r2 >= 0 where bit 2 is set).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double SecondResidual(in LevelStats levels, int first, double alpha0, double alpha1)
        {
            ReadOnlySpan<byte> codes = GreedyLevelCodes3;
            return (LevelResidual(codes[first], levels.Sum0, levels.Count0, alpha0, alpha1) + LevelResidual(codes[first + 1], levels.Sum1, levels.Count1, alpha0, alpha1))
                + (LevelResidual(codes[first + 2], levels.Sum2, levels.Count2, alpha0, alpha1) + LevelResidual(codes[first + 3], levels.Sum3, levels.Count3, alpha0, alpha1));
        }

        /// <summary>The sum of |r2| over one level of <see cref="SecondResidual"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double LevelResidual(int code, double sum, double count, double alpha0, double alpha1)
        {
            double shift = ((code & 1) != 0 ? alpha0 : -alpha0) + ((code & 2) != 0 ? alpha1 : -alpha1);
            return ((code & 4) != 0 ? 1 : -1) * (sum - shift * count);
        }
    }
}
