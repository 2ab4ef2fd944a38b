using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

public static partial class Xnor
{
    /// <summary>
    /// The AVX-512 product without VBMI and GFNI (Skylake-X, Cascade Lake), as it was before <see cref="Multiply512"/>
    /// counted by byte permutes: on this Zen 5 with GFNI switched off it stays 1.2 to 1.5x faster than the same loop
    /// as Multiply512 with nibble lookups. A vector is one word of a group's 8 rows, so each 64-bit lane's count is one
    /// row's and no row pays a horizontal sum; the 8 rows' sums live in one Vector256 of floats. Two groups
    /// are counted at once, so each broadcast activation word serves two weight vectors (loads, not
    /// arithmetic, bounded the one-group loop: two per vector). Per plane pair, the xor results pass through
    /// carry-save adders before a popcount (<see cref="Count512"/>).
    /// </summary>
    private static void MultiplyCarrySave512(
        ReadOnlySpan<ulong> activations, ReadOnlySpan<float> betas, int cols, Span<float> y,
        ReadOnlySpan<ulong> weights, int weightBits, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias)
    {
        int rows = y.Length;
        int words = RowWords(cols);
        int groups = KernelGeometry.XnorGroups(rows);
        int activationBits = betas.Length;
        Vector512<byte> table = PopLanes512.Table;
        Vector256<float> n = Vector256.Create((float)cols);
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
                Vector256<float> cA = Vector256.LoadUnsafe(ref c0, (nuint)(planeA * GroupRows));
                Vector256<float> cB = Vector256.LoadUnsafe(ref c0, (nuint)(planeB * GroupRows));
                for (int j = 0; j < activationBits; j++)
                {
                    Count512(table, ref wA, ref wB, ref Unsafe.Add(ref a0, (nint)j * words), words, out Vector512<ulong> countsA, out Vector512<ulong> countsB);
                    Vector256<float> beta = Vector256.Create(Unsafe.Add(ref beta0, j));
                    Vector256<float> countA = Vector256.ConvertToSingle(Avx512F.ConvertToVector256Int32(countsA.AsInt64()));
                    Vector256<float> countB = Vector256.ConvertToSingle(Avx512F.ConvertToVector256Int32(countsB.AsInt64()));
                    sumsA += cA * beta * (n - (countA + countA));
                    sumsB += cB * beta * (n - (countB + countB));
                }
            }

            Store(sumsA, g * GroupRows, y, bias);
            if (next != g)
            {
                Store(sumsB, next * GroupRows, y, bias);
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
