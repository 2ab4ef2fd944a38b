using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

public static partial class Xnor
{
    /// <summary>
    /// AVX-512 without VBMI or GFNI (Skylake-X, Cascade Lake): the count as it was before <see cref="PermuteCounter"/>,
    /// one plane pair at a time, the xor results through carry-save adders before nibble lookups (<see cref="Count512"/>).
    /// On this Zen 5 with GFNI switched off it is 1.2 to 1.5x faster than the permute loop with nibble lookups in
    /// place of the permute.
    /// </summary>
    private readonly struct CarrySaveCounter : IPlaneCounter
    {
        public static Vector512<byte> Low => PopLanes512.Table;

        public static Vector512<byte> High => Vector512<byte>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void AddTerms<TBits>(Vector512<byte> low, Vector512<byte> high, Vector512<long> n, ref ulong wA, ref ulong wB, ref ulong a, int words, ref float beta, ref Vector256<float> termsA, ref Vector256<float> termsB)
            where TBits : struct, IBitCount
        {
            for (int j = 0; j < TBits.Count; j++)
            {
                Count512(low, ref wA, ref wB, ref Unsafe.Add(ref a, (nint)j * words), words, out Vector512<ulong> countsA, out Vector512<ulong> countsB);
                AddTerm(ref termsA, countsA, n, Unsafe.Add(ref beta, j));
                AddTerm(ref termsB, countsB, n, Unsafe.Add(ref beta, j));
            }
        }
    }

    /// <summary>
    /// popcount(W[v] xor broadcast(a[v])) summed over the words, per 64-bit lane (= per row), for two groups'
    /// weights (wA, wB) against one activation plane. Harley-Seal: carry-save adders keep each running sum
    /// as bit-sliced counters ones, twos and fours, so a block of 8 words costs 7 adders (14 vpternlog) and
    /// one nibble-lookup popcount of the eights it carries out, instead of 8 popcounts; the counters are
    /// counted once at the end (<see cref="Total"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Count512(Vector512<byte> table, ref ulong wA, ref ulong wB, ref ulong a, int words, out Vector512<ulong> countsA, out Vector512<ulong> countsB)
    {
        Vector512<ulong> totalsA = Vector512<ulong>.Zero, totalsB = totalsA;
        Vector512<byte> onesA = Vector512<byte>.Zero, twosA = onesA, foursA = onesA, eightsA = onesA;
        Vector512<byte> onesB = onesA, twosB = onesA, foursB = onesA, eightsB = onesA;
        int v = 0;
        // The eights' byte counters gain at most 8 per block of 8 words: fold them every 31 blocks. The block's
        // references move instead of an index, so every load has a constant offset (indexing cost four scalar
        // instructions per vector, as many as the vector work).
        ref ulong ra = ref wA, rb = ref wB, rx = ref a;
        for (int blocks = 0; v + 8 <= words; blocks++, v += 8)
        {
            if (blocks == MaxVectorsPerByteSum)
            {
                totalsA += Avx512BW.SumAbsoluteDifferences(eightsA, Vector512<byte>.Zero).AsUInt64() << 3;
                totalsB += Avx512BW.SumAbsoluteDifferences(eightsB, Vector512<byte>.Zero).AsUInt64() << 3;
                eightsA = eightsB = Vector512<byte>.Zero;
                blocks = 0;
            }

            Quarter(ref ra, ref rb, ref rx, 0, ref onesA, ref onesB, ref twosA, ref twosB, out Vector512<byte> fourA1, out Vector512<byte> fourB1);
            Quarter(ref ra, ref rb, ref rx, 4, ref onesA, ref onesB, ref twosA, ref twosB, out Vector512<byte> fourA2, out Vector512<byte> fourB2);
            Add(ref foursA, fourA1, fourA2, out Vector512<byte> carryA);
            Add(ref foursB, fourB1, fourB2, out Vector512<byte> carryB);
            eightsA += PopLanes512.Pop(table, carryA);
            eightsB += PopLanes512.Pop(table, carryB);
            ra = ref Unsafe.Add(ref ra, 8 * GroupRows);
            rb = ref Unsafe.Add(ref rb, 8 * GroupRows);
            rx = ref Unsafe.Add(ref rx, 8);
        }

        Vector512<byte> restA = Vector512<byte>.Zero, restB = restA;
        if (v > 0 && v + 4 <= words)
        {
            // Half a block after whole ones: its fours join the counter by a half adder, the carry counted as an
            // eight. Rows of fewer than 8 words count every word directly below: for them the adders and the
            // final count of three counters cost more than they save (a 256-column row, 4 words, ran twice as slow).
            Quarter(ref ra, ref rb, ref rx, 0, ref onesA, ref onesB, ref twosA, ref twosB, out Vector512<byte> fourA, out Vector512<byte> fourB);
            restA = PopLanes512.Pop(table, foursA & fourA);
            restB = PopLanes512.Pop(table, foursB & fourB);
            foursA ^= fourA;
            foursB ^= fourB;
            v += 4;
        }

        if (v > 0)
        {
            // Weight 8: the eights and the half block's carry, summed apart (eights may hold 248 per byte).
            totalsA += (Avx512BW.SumAbsoluteDifferences(eightsA, Vector512<byte>.Zero).AsUInt64() + Avx512BW.SumAbsoluteDifferences(restA, Vector512<byte>.Zero).AsUInt64()) << 3;
            totalsB += (Avx512BW.SumAbsoluteDifferences(eightsB, Vector512<byte>.Zero).AsUInt64() + Avx512BW.SumAbsoluteDifferences(restB, Vector512<byte>.Zero).AsUInt64()) << 3;
            restA = Total(table, foursA, twosA, onesA);
            restB = Total(table, foursB, twosB, onesB);
        }

        for (; v < words; v++)
        {
            Vector512<byte> x = Vector512.Create(Unsafe.Add(ref a, v)).AsByte();
            restA += PopLanes512.Pop(table, Vector512.LoadUnsafe(ref Unsafe.Add(ref wA, v * GroupRows)).AsByte() ^ x);
            restB += PopLanes512.Pop(table, Vector512.LoadUnsafe(ref Unsafe.Add(ref wB, v * GroupRows)).AsByte() ^ x);
        }

        countsA = totalsA + Avx512BW.SumAbsoluteDifferences(restA, Vector512<byte>.Zero).AsUInt64();
        countsB = totalsB + Avx512BW.SumAbsoluteDifferences(restB, Vector512<byte>.Zero).AsUInt64();
    }

    /// <summary>Words at..at+3 of both groups into their ones and twos; what carries out of the twos (weight 4) comes back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quarter(
        ref ulong wA, ref ulong wB, ref ulong a, int at, ref Vector512<byte> onesA, ref Vector512<byte> onesB,
        ref Vector512<byte> twosA, ref Vector512<byte> twosB, out Vector512<byte> foursA, out Vector512<byte> foursB)
    {
        Vector512<byte> x0 = Vector512.Create(Unsafe.Add(ref a, at)).AsByte(), x1 = Vector512.Create(Unsafe.Add(ref a, at + 1)).AsByte();
        Add(ref onesA, Load(ref wA, at) ^ x0, Load(ref wA, at + 1) ^ x1, out Vector512<byte> twoA1);
        Add(ref onesB, Load(ref wB, at) ^ x0, Load(ref wB, at + 1) ^ x1, out Vector512<byte> twoB1);
        x0 = Vector512.Create(Unsafe.Add(ref a, at + 2)).AsByte();
        x1 = Vector512.Create(Unsafe.Add(ref a, at + 3)).AsByte();
        Add(ref onesA, Load(ref wA, at + 2) ^ x0, Load(ref wA, at + 3) ^ x1, out Vector512<byte> twoA2);
        Add(ref onesB, Load(ref wB, at + 2) ^ x0, Load(ref wB, at + 3) ^ x1, out Vector512<byte> twoB2);
        Add(ref twosA, twoA1, twoA2, out foursA);
        Add(ref twosB, twoB1, twoB2, out foursB);
    }

    /// <summary>4 popcount(fours) + 2 popcount(twos) + popcount(ones) per byte: at most 56, so up to 3 more single words fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Total(Vector512<byte> table, Vector512<byte> fours, Vector512<byte> twos, Vector512<byte> ones)
    {
        Vector512<byte> four = PopLanes512.Pop(table, fours), two = PopLanes512.Pop(table, twos);
        return four + four + four + four + two + two + PopLanes512.Pop(table, ones);
    }

    /// <summary>A full adder over every bit: sum = sum xor b xor c (vpternlog 0x96), carry = majority(sum, b, c) (0xE8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref Vector512<byte> sum, Vector512<byte> b, Vector512<byte> c, out Vector512<byte> carry)
    {
        carry = Avx512F.TernaryLogic(sum, b, c, 0xE8);
        sum = Avx512F.TernaryLogic(sum, b, c, 0x96);
    }

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
        public static Vector512<byte> Broadcast(ulong word) => Vector512.Create(word).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Lane(Vector512<byte> totals, int i) => totals.AsUInt64().GetElement(i);
    }
}
