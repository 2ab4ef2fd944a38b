using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The xor/popcount convolution on AVX2, by nibble tables of the weights. A convolution's weight word is the same for
/// every output position of a step, so popcount(w xor x) need not be formed per position: for each nibble n of w, the
/// 16-entry table popcount(n xor i) counts a code nibble i with one vpshufb. The code words are split once per call into
/// nibble maps, one byte per position (<see cref="NibbleMaps256"/>), and the tables of every byte value are constants
/// (<see cref="NibbleTables"/>, NibbleTables.cs), so a step costs one table load and one vpshufb per weight byte and code plane, where the
/// xor, mask, shift and two lookups per 16 positions of the generic narrower path cost five instructions on the two
/// pipes of Zen 3 that shuffle and shift, and four more. The counts are the same integers, and the float epilogue the
/// scalar twin's, so the outputs are the same bits.
/// </summary>
public static partial class ConvolutionKernels
{
    /// <summary>Output positions per vector of the table path (one byte each in a 128-bit lane).</summary>
    private const int TablePositions = 16;

    /// <summary>Bytes of the nibble maps: per 16 positions, step and byte of a word, 32 bytes per code plane.</summary>
    private static int NibbleMapBytes(int padded, int steps, int planes, int wordBytes) => padded / TablePositions * steps * planes * wordBytes * 32;

    /// <summary>
    /// The nibble maps of every step's code words, [16 positions][step][byte of the word][code plane]: 32 bytes, the 16
    /// positions' low nibbles of that byte, then their high nibbles; 0x80 where the tap reads padding (vpshufb gives 0
    /// for an index with bit 7 set, so the masks need no instruction of their own in the counting loop).
    /// </summary>
    private static void NibbleMaps256(in Products p, int planes, Span<byte> maps)
    {
        if (p.WordBytes == 2)
        {
            NibbleMaps256<TwoBits>(p, planes, maps);
        }
        else
        {
            NibbleMaps256<FourBits>(p, planes, maps);
        }
    }

    /// <summary><see cref="NibbleMaps256(in Products, int, Span{byte})"/> for words of <typeparamref name="TWord"/> bytes.</summary>
    private static void NibbleMaps256<TWord>(in Products p, int planes, Span<byte> maps)
        where TWord : IBitCount
    {
        int steps = p.CodeAt.Length, wordBytes = TWord.Count, vectors = p.Padded / TablePositions, stride = p.PlaneStride;
        ref byte a0 = ref MemoryMarshal.GetReference(p.Words);
        ref byte n0 = ref MemoryMarshal.GetReference(maps);
        ref int codeAt = ref MemoryMarshal.GetReference(p.CodeAt);
        ref int maskAt = ref MemoryMarshal.GetReference(p.MaskAt);
        Vector256<byte> padding = Vector256.Create((byte)0x80);
        for (int v = 0; v < vectors; v++)
        {
            int word = v * TablePositions * wordBytes;
            for (int s = 0; s < steps; s++)
            {
                ref byte codes = ref Unsafe.Add(ref a0, Unsafe.Add(ref codeAt, s) + word);
                Vector256<byte> flag = Avx2.AndNot(Bytes<TWord>(ref Unsafe.Add(ref a0, Unsafe.Add(ref maskAt, s) + word), out _), padding);
                for (int j = 0; j < planes; j++)
                {
                    // [step][byte k][plane j]: byte k's map at k * planes, plane j's at j.
                    Vector256<byte> first = Bytes<TWord>(ref Unsafe.Add(ref codes, j * stride), out Vector256<byte> second);
                    ref byte map = ref Unsafe.Add(ref n0, j * 32);
                    Store(Avx2.Permute4x64(first.AsUInt64(), 0x44).AsByte(), flag, ref map);
                    Store(Avx2.Permute4x64(second.AsUInt64(), 0x44).AsByte(), flag, ref Unsafe.Add(ref map, planes * 32));
                    if (wordBytes > 2)
                    {
                        Store(Avx2.Permute4x64(first.AsUInt64(), 0xEE).AsByte(), flag, ref Unsafe.Add(ref map, 2 * planes * 32));
                        Store(Avx2.Permute4x64(second.AsUInt64(), 0xEE).AsByte(), flag, ref Unsafe.Add(ref map, 3 * planes * 32));
                    }
                }

                n0 = ref Unsafe.Add(ref n0, wordBytes * planes * 32);
            }
        }

        // A byte of 16 positions in both lanes, as [its low nibbles | its high nibbles] with the padding flag.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(Vector256<byte> both, Vector256<byte> flag, ref byte map)
        {
            // The second lane shifted down a nibble (bits from the next byte are cleared with the low mask).
            Vector256<uint> shifts = Vector256.Create(0u, 0, 0, 0, 4, 4, 4, 4);
            ((Avx2.ShiftRightLogicalVariable(both.AsUInt32(), shifts).AsByte() & Vector256.Create((byte)15)) | flag).StoreUnsafe(ref map);
        }

        // The 16 words at word: for 16-bit words, [byte 0 of each | byte 1 of each] and second = [byte 1 | byte 1]; for
        // 32-bit words, [byte 0 | byte 2] and second = [byte 1 | byte 3]; 16 positions in order in each lane.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<byte> Bytes<TBytes>(ref byte word, out Vector256<byte> second)
            where TBytes : IBitCount
        {
            if (TBytes.Count == 2)
            {
                // Even bytes then odd bytes within each lane, then the lanes' halves regrouped.
                Vector256<byte> grouped = Avx2.Shuffle(Vector256.LoadUnsafe(ref word), Vector256.Create((byte)0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15));
                Vector256<byte> first = Avx2.Permute4x64(grouped.AsUInt64(), 0xD8).AsByte();
                second = Avx2.Permute4x64(first.AsUInt64(), 0xEE).AsByte();
                return first;
            }

            // Four positions per lane: byte k of each into dword k, then dwords ordered [b0 p0-3, b0 p4-7, b1 .., b1 ..,
            // ...], so qword k holds byte k of eight positions; the two loads' qwords interleaved give 16.
            Vector256<byte> byLane = Vector256.Create((byte)0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
            Vector256<int> order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            Vector256<ulong> lower = Avx2.PermuteVar8x32(Avx2.Shuffle(Vector256.LoadUnsafe(ref word), byLane).AsInt32(), order).AsUInt64();
            Vector256<ulong> upper = Avx2.PermuteVar8x32(Avx2.Shuffle(Vector256.LoadUnsafe(ref word, 32), byLane).AsInt32(), order).AsUInt64();
            second = Avx2.UnpackHigh(lower, upper).AsByte();
            return Avx2.UnpackLow(lower, upper).AsByte();
        }
    }

    /// <summary>The passes of the nibble tables (<see cref="Channels{TPasses}"/>), on the maps in p.</summary>
    private readonly struct TablePasses256 : IPlanePasses
    {
        public static int PairsUpTo => 3;

        public static void Pair<TBits>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first)
            where TBits : IBitCount => TablePasses<TBits, TwoBits>(p, row, row2, alpha, alpha2, first);

        public static void Single<TBits>(in Products p, ReadOnlySpan<byte> row, float alpha, bool first)
            where TBits : IBitCount => TablePasses<TBits, OneBit>(p, row, default, alpha, 0f, first);
    }

    /// <summary>
    /// <see cref="TablePass256{TBits, TPass, TVectors}"/> over every position: two vectors of positions per pass where their
    /// tallies fit AVX2's sixteen registers beside the tables and a map (at most six a vector: twelve), so each table's
    /// address and load serve both (the 3 x 3 layer 12.6 -> 12.2 us when six were allowed, against four); one at a time
    /// otherwise, and for an odd last one.
    /// </summary>
    private static void TablePasses<TBits, TPass>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first)
        where TBits : IBitCount
        where TPass : IBitCount
    {
        int vectors = p.Padded / TablePositions, paired = TBits.Count * TPass.Count <= 6 ? vectors & ~1 : 0;
        if (paired > 0)
        {
            TablePass256<TBits, TPass, TwoBits>(p, row, row2, alpha, alpha2, first, 0, paired);
        }

        if (paired < vectors)
        {
            TablePass256<TBits, TPass, OneBit>(p, row, row2, alpha, alpha2, first, paired, vectors);
        }
    }

    /// <summary>One or two (<typeparamref name="TPass"/>) weight planes of an output channel against every code plane, on
    /// <typeparamref name="TVectors"/> vectors of 16 positions at a time, vectors <paramref name="from"/> to <paramref name="to"/>; the sums take
    /// <paramref name="row"/>'s terms, then <paramref name="row2"/>'s, as the scalar twin's planes one after another.
    /// A weight byte is a step of its own here (the maps are in byte order), so the loop is flat over the bytes.</summary>
    [SkipLocalsInit]
    private static void TablePass256<TBits, TPass, TVectors>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first, int from, int to)
        where TBits : IBitCount
        where TPass : IBitCount
        where TVectors : IBitCount
    {
        int planes = TBits.Count, bytes = p.CodeAt.Length * p.WordBytes;
        // A byte step adds at most 4 (one nibble's count) to each byte of the tallies: fold them into 16-bit lanes before
        // they can reach 256.
        const int Fold = 63;
        ref byte t0 = ref NibbleTables.Start();
        ref float s0 = ref MemoryMarshal.GetReference(p.Sums);
        ref float bn0 = ref MemoryMarshal.GetReference(p.Bn);
        ref float beta = ref MemoryMarshal.GetReference(p.Betas);
        // The second vector's maps follow the first's.
        nuint next = (nuint)(bytes * planes * 32);
        ref byte maps = ref MemoryMarshal.GetReference(p.Maps);
        for (int v = from; v < to; v += TVectors.Count)
        {
            ref byte w0 = ref MemoryMarshal.GetReference(row);
            ref byte w1 = ref MemoryMarshal.GetReference(row2);
            ref byte map = ref Unsafe.Add(ref maps, v * bytes * planes * 32);
            // c: the first weight plane's counts per code plane, f: the second's; d and g: the same for the second vector.
            Vector256<ushort> c0 = default, c1 = default, c2 = default, c3 = default, f0 = default, f1 = default, f2 = default;
            Vector256<ushort> d0 = default, d1 = default, d2 = default, d3 = default, g0 = default, g1 = default, g2 = default;
            for (nuint e = 0; e < (nuint)bytes;)
            {
                nuint end = Math.Min((nuint)bytes, e + Fold);
                Vector256<byte> b0 = default, b1 = default, b2 = default, b3 = default, h0 = default, h1 = default, h2 = default;
                Vector256<byte> u0 = default, u1 = default, u2 = default, u3 = default, z0 = default, z1 = default, z2 = default;
                for (; e < end; e++)
                {
                    // Offsets as nuint: no sign extension between a weight byte and its table's load.
                    Vector256<byte> table = Vector256.LoadUnsafe(ref t0, (nuint)Unsafe.Add(ref w0, e) << 5);
                    Vector256<byte> table2 = TPass.Count > 1 ? Vector256.LoadUnsafe(ref t0, (nuint)Unsafe.Add(ref w1, e) << 5) : default;
                    Vector256<byte> x = Vector256.LoadUnsafe(ref map);
                    b0 += Avx2.Shuffle(table, x);
                    if (TPass.Count > 1)
                    {
                        h0 += Avx2.Shuffle(table2, x);
                    }

                    if (planes > 1)
                    {
                        x = Vector256.LoadUnsafe(ref map, 32);
                        b1 += Avx2.Shuffle(table, x);
                        if (TPass.Count > 1)
                        {
                            h1 += Avx2.Shuffle(table2, x);
                        }
                    }

                    if (planes > 2)
                    {
                        x = Vector256.LoadUnsafe(ref map, 64);
                        b2 += Avx2.Shuffle(table, x);
                        if (TPass.Count > 1)
                        {
                            h2 += Avx2.Shuffle(table2, x);
                        }
                    }

                    if (planes > 3)
                    {
                        b3 += Avx2.Shuffle(table, Vector256.LoadUnsafe(ref map, 96));
                    }

                    if (TVectors.Count > 1)
                    {
                        // At most six tallies a vector here (TablePasses).
                        x = Vector256.LoadUnsafe(ref map, next);
                        u0 += Avx2.Shuffle(table, x);
                        if (TPass.Count > 1)
                        {
                            z0 += Avx2.Shuffle(table2, x);
                        }

                        if (planes > 1)
                        {
                            x = Vector256.LoadUnsafe(ref map, next + 32);
                            u1 += Avx2.Shuffle(table, x);
                            if (TPass.Count > 1)
                            {
                                z1 += Avx2.Shuffle(table2, x);
                            }
                        }

                        if (planes > 2)
                        {
                            x = Vector256.LoadUnsafe(ref map, next + 64);
                            u2 += Avx2.Shuffle(table, x);
                            if (TPass.Count > 1)
                            {
                                z2 += Avx2.Shuffle(table2, x);
                            }
                        }

                        if (planes > 3)
                        {
                            u3 += Avx2.Shuffle(table, Vector256.LoadUnsafe(ref map, next + 96));
                        }
                    }

                    map = ref Unsafe.Add(ref map, planes * 32);
                }

                c0 = Widen(c0, b0);
                c1 = planes > 1 ? Widen(c1, b1) : c1;
                c2 = planes > 2 ? Widen(c2, b2) : c2;
                c3 = planes > 3 ? Widen(c3, b3) : c3;
                if (TPass.Count > 1)
                {
                    f0 = Widen(f0, h0);
                    f1 = planes > 1 ? Widen(f1, h1) : f1;
                    f2 = planes > 2 ? Widen(f2, h2) : f2;
                }

                if (TVectors.Count > 1)
                {
                    d0 = Widen(d0, u0);
                    d1 = planes > 1 ? Widen(d1, u1) : d1;
                    d2 = planes > 2 ? Widen(d2, u2) : d2;
                    d3 = planes > 3 ? Widen(d3, u3) : d3;
                    if (TPass.Count > 1)
                    {
                        g0 = Widen(g0, z0);
                        g1 = planes > 1 ? Widen(g1, z1) : g1;
                        g2 = planes > 2 ? Widen(g2, z2) : g2;
                    }
                }
            }

            int at = v * TablePositions;
            Finish<TPass>(c0, c1, c2, c3, f0, f1, f2, planes, ref beta, alpha, alpha2, first, ref Unsafe.Add(ref s0, at), ref Unsafe.Add(ref bn0, at));
            if (TVectors.Count > 1)
            {
                at += TablePositions;
                Finish<TPass>(d0, d1, d2, d3, g0, g1, g2, planes, ref beta, alpha, alpha2, first, ref Unsafe.Add(ref s0, at), ref Unsafe.Add(ref bn0, at));
            }
        }

        // counts + each position's two lanes (its low and its high nibbles' counts), widened to 16 bits.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<ushort> Widen(Vector256<ushort> counts, Vector256<byte> tally) =>
            counts + Avx2.ConvertToVector256Int16(tally.GetLower()).AsUInt16() + Avx2.ConvertToVector256Int16(tally.GetUpper()).AsUInt16();

        // The scalar twin's epilogue for 16 positions, eight at a time: the first weight plane's counts k (all code planes),
        // then, for a pair, the second's g (at most three code planes) with the sums kept in registers between them.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Finish<TWeights>(Vector256<ushort> k0, Vector256<ushort> k1, Vector256<ushort> k2, Vector256<ushort> k3, Vector256<ushort> g0, Vector256<ushort> g1, Vector256<ushort> g2, int planes, ref float beta, float alpha, float alpha2, bool first, ref float sums, ref float bn)
            where TWeights : IBitCount
        {
            if (TWeights.Count > 1)
            {
                FinishPairCounts<Fused256, Vector256<float>, Vector256<int>>(Vector256.WidenLower(k0.AsInt16()), Vector256.WidenLower(k1.AsInt16()), Vector256.WidenLower(k2.AsInt16()), Vector256.WidenLower(g0.AsInt16()), Vector256.WidenLower(g1.AsInt16()), Vector256.WidenLower(g2.AsInt16()), planes, ref beta, alpha, alpha2, first, ref sums, ref bn);
                FinishPairCounts<Fused256, Vector256<float>, Vector256<int>>(Vector256.WidenUpper(k0.AsInt16()), Vector256.WidenUpper(k1.AsInt16()), Vector256.WidenUpper(k2.AsInt16()), Vector256.WidenUpper(g0.AsInt16()), Vector256.WidenUpper(g1.AsInt16()), Vector256.WidenUpper(g2.AsInt16()), planes, ref beta, alpha, alpha2, first, ref Unsafe.Add(ref sums, 8), ref Unsafe.Add(ref bn, 8));
                return;
            }

            FinishCounts<Fused256, Vector256<float>, Vector256<int>>(Vector256.WidenLower(k0.AsInt16()), Vector256.WidenLower(k1.AsInt16()), Vector256.WidenLower(k2.AsInt16()), Vector256.WidenLower(k3.AsInt16()), planes, ref beta, alpha, first, ref sums, ref bn);
            FinishCounts<Fused256, Vector256<float>, Vector256<int>>(Vector256.WidenUpper(k0.AsInt16()), Vector256.WidenUpper(k1.AsInt16()), Vector256.WidenUpper(k2.AsInt16()), Vector256.WidenUpper(k3.AsInt16()), planes, ref beta, alpha, first, ref Unsafe.Add(ref sums, 8), ref Unsafe.Add(ref bn, 8));
        }
    }
}
