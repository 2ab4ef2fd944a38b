using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The Vector512 bodies of the alternating quantizer's passes (on ARM64 their AdvSimd twins in
/// AlternatingQuantizer.Arm64.cs). Each handles whole vectors from the start
/// and returns how many values it did (0 without AVX-512 or AdvSimd, or when the code table has more than 16
/// entries); the scalar loop in AlternatingQuantizer.cs does the rest and is their twin. The greedy step,
/// the code search and the reconstruction make the same float operations and comparisons as the scalar
/// loop, so codes do not depend on the path; sums add in float lanes before the double total, so alphas
/// may differ from the scalar path's in the last bits.
/// </summary>
public static partial class AlternatingQuantizer
{
    private static bool Vector512Path => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>Codes get bit j where r >= 0 (-0 included); r -= alpha there, r += alpha elsewhere.</summary>
    private static int GreedyStepVector(Span<float> residual, Span<byte> code, int j, float alpha)
    {
        if (!Vector512Path)
        {
            return Arm64Path ? GreedyStep128(residual, code, j, alpha) : 0;
        }

        ref float r = ref MemoryMarshal.GetReference(residual);
        ref byte c = ref MemoryMarshal.GetReference(code);
        Vector512<float> plus = Vector512.Create(alpha), minus = Vector512.Create(-alpha);
        Vector512<int> bit = Vector512.Create(1 << j);
        int i = 0;
        for (; i + 16 <= residual.Length; i += 16)
        {
            Vector512<float> v = Vector512.LoadUnsafe(ref r, (nuint)i);
            Vector512<float> positive = Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero);
            (v - Vector512.ConditionalSelect(positive, plus, minus)).StoreUnsafe(ref r, (nuint)i);
            Vector128<byte> bits = Avx512F.ConvertToVector128Byte(positive.AsInt32() & bit);
            (Vector128.LoadUnsafe(ref c, (nuint)i) | bits).StoreUnsafe(ref c, (nuint)i);
        }

        return i;
    }

    /// <summary>Sum of x (or |x|), or of x where bit <paramref name="bit"/> of the code is set (bit >= 0), over whole vectors.</summary>
    private static int SumVector(ReadOnlySpan<float> x, ReadOnlySpan<byte> code, int bit, bool absolute, out double sum)
    {
        sum = 0;
        if (!Vector512Path)
        {
            return Arm64Path ? Sum128(x, code, bit, absolute, out sum) : 0;
        }

        ref float xr = ref MemoryMarshal.GetReference(x);
        ref byte c = ref MemoryMarshal.GetReference(code);
        Vector512<float> a0 = Vector512<float>.Zero, a1 = a0;
        int i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            Vector512<float> v = Vector512.LoadUnsafe(ref xr, (nuint)i);
            if (absolute)
            {
                v = Vector512.Abs(v);
            }

            if (bit >= 0)
            {
                Vector512<int> codes = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref c, (nuint)i));
                v = Vector512.ConditionalSelect(Vector512.Equals((codes >>> bit) & Vector512<int>.One, Vector512<int>.One).AsSingle(), v, Vector512<float>.Zero);
            }

            if ((i & 16) == 0)
            {
                a0 += v;
            }
            else
            {
                a1 += v;
            }
        }

        Vector512<float> total = a0 + a1;
        for (int k = 0; k < 16; k++)
        {
            sum += total.GetElement(k);
        }

        return i;
    }

    /// <summary>The nearest of at most 16 sorted sums for each value: the count of sums below it, then the nearer neighbour by permute.</summary>
    private static int AssignCodesVector(ReadOnlySpan<float> x, Span<byte> code, ReadOnlySpan<float> sums, ReadOnlySpan<byte> order)
    {
        int combos = sums.Length;
        if (!Vector512Path)
        {
            return Arm64Path ? AssignCodes128(x, code, sums, order) : 0;
        }

        if (combos > 16)
        {
            return 0;
        }

        Span<float> sums16 = stackalloc float[16];
        Span<byte> order16 = stackalloc byte[16];
        sums.CopyTo(sums16);
        order.Slice(0, combos).CopyTo(order16);
        var search = new NearestSum512(sums16, order16, combos);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref byte c = ref MemoryMarshal.GetReference(code);
        int i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            Vector512<int> best = search.Best(Vector512.LoadUnsafe(ref xr, (nuint)i));
            Avx512F.ConvertToVector128Byte(search.Code(best)).StoreUnsafe(ref c, (nuint)i);
        }

        return i;
    }

    /// <summary>y = table[code] for a table of at most 16 values, by permute.</summary>
    private static int ReconstructVector(ReadOnlySpan<byte> code, ReadOnlySpan<float> table, Span<float> y)
    {
        if (!Vector512Path)
        {
            return Arm64Path ? Reconstruct128(code, table, y) : 0;
        }

        if (table.Length > 16)
        {
            return 0;
        }

        Span<float> padded = stackalloc float[16];
        padded.Clear();
        table.CopyTo(padded);
        Vector512<float> lut = Vector512.Create((ReadOnlySpan<float>)padded);
        ref byte c = ref MemoryMarshal.GetReference(code);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + 16 <= y.Length; i += 16)
        {
            Avx512F.PermuteVar16x32(lut, Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref c, (nuint)i)).AsInt32()).StoreUnsafe(ref yr, (nuint)i);
        }

        return i;
    }

    /// <summary>
    /// The code search over at most 16 sorted sums, 16 values at a time: the count of sums below each value, then the
    /// nearer of the two neighbours by permute (ties to the larger sum, as the scalar loop): the reference's vector pass.
    /// (The fused passes search by thresholds, AlternatingQuantizer.FusedSteps.cs.)
    /// </summary>
    private readonly ref struct NearestSum512
    {
        private readonly ReadOnlySpan<float> _sums;
        private readonly Vector512<float> _sumLanes;
        private readonly Vector512<int> _codeLanes;
        private readonly Vector512<int> _last;

        /// <summary>The search over the first <paramref name="count"/> of 16 sorted sums (and their codes): the lanes
        /// past <paramref name="count"/> are never read, so they may hold anything.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public NearestSum512(ReadOnlySpan<float> sums16, ReadOnlySpan<byte> order16, int count)
        {
            _sums = sums16.Slice(0, count);
            _sumLanes = Vector512.Create(sums16.Slice(0, 16));
            _codeLanes = Avx512F.ConvertToVector512Int32(Vector128.Create(order16.Slice(0, 16)));
            _last = Vector512.Create(count - 1);
        }

        /// <summary>Each value's index into the sorted sums.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<int> Best(Vector512<float> v) => Best(v, _sums.Length);


        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<int> Best(Vector512<float> v, int count)
        {
            // The count of sums below v: every compare independent of the others (a binary search's chain of
            // permutes and compares was slower), unrolled by hand (the JIT kept the loop over the sums: 1,024 values at
            // 3 bits coded in 1,344 ns with it, 1,267 without), in two chains of masked adds. With count a constant the
            // ifs fold away.
            Vector512<int> lo = Vector512<int>.Zero, odd = lo;
            ref float sums = ref MemoryMarshal.GetReference(_sums);
            lo = CountBelow(lo, ref sums, 0, v);
            odd = CountBelow(odd, ref sums, 1, v);
            if (count > 2)
            {
                lo = CountBelow(lo, ref sums, 2, v);
                odd = CountBelow(odd, ref sums, 3, v);
            }

            if (count > 4)
            {
                lo = CountBelow(lo, ref sums, 4, v);
                odd = CountBelow(odd, ref sums, 5, v);
            }

            if (count > 6)
            {
                lo = CountBelow(lo, ref sums, 6, v);
                odd = CountBelow(odd, ref sums, 7, v);
            }

            if (count > 8)
            {
                lo = CountBelow(lo, ref sums, 8, v);
                odd = CountBelow(odd, ref sums, 9, v);
            }

            if (count > 10)
            {
                lo = CountBelow(lo, ref sums, 10, v);
                odd = CountBelow(odd, ref sums, 11, v);
            }

            if (count > 12)
            {
                lo = CountBelow(lo, ref sums, 12, v);
                odd = CountBelow(odd, ref sums, 13, v);
            }

            if (count > 14)
            {
                lo = CountBelow(lo, ref sums, 14, v);
                odd = CountBelow(odd, ref sums, 15, v);
            }

            lo += odd;

            Vector512<int> below = Vector512.Max(lo - Vector512<int>.One, Vector512<int>.Zero);
            Vector512<int> above = Vector512.Min(lo, _last);
            Vector512<float> low = Avx512F.PermuteVar16x32(_sumLanes, below);
            Vector512<float> high = Avx512F.PermuteVar16x32(_sumLanes, above);
            return Vector512.ConditionalSelect(Vector512.LessThan(v - low, high - v).AsInt32(), below, above);
        }

        /// <summary>counter + 1 in the lanes where sum k is below v.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<int> CountBelow(Vector512<int> counter, ref float sums, int k, Vector512<float> v) =>
            Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Create(Unsafe.Add(ref sums, k)), v).AsInt32(), counter + Vector512<int>.One, counter);

        /// <summary>The codes of sorted-sum indices.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<int> Code(Vector512<int> best) => Avx512F.PermuteVar16x32(_codeLanes, best);
    }
}
