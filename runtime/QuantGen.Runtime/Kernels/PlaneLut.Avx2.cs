using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The AVX2 path of the table kernel. An AVX2 permute (vpermps) indexes 8 floats, not 16, and on Zen 3 it issues once
/// per cycle, so the 4-column tables of the other paths cost two permutes and a blend per nibble. Here each byte of a
/// plane (8 columns) is looked up as columns 0-2, 3-5 and 6-7 in three 8-float tables: three permutes per byte and
/// 8 rows where the nibble tables took four and two blends. vpermps reads only the low 3 bits of each index, so the
/// byte widened to 32 bits indexes the first table as it is and the others after a shift, with no masking.
/// The plane layout is the generator's, shared with every path; only the tables (24 floats per 8 columns, within
/// <see cref="TableLength"/>) and the order of the adds are this path's own.
/// </summary>
public static partial class PlaneLut
{
    /// <summary>Floats of one 8-column group's four pair tables (each held twice, once per 128-bit lane).</summary>
    private const int PairFloats = 32;

    /// <summary>
    /// Fills, for each group g of 8 columns, four tables of 4 floats: entry m of table k sums the columns 8g + 2k + i
    /// with bit i of m set, as x0 b0 + x1 b1; each table is stored twice (both 128-bit lanes of a vector, as
    /// vpermilps indexes its own lane). Columns past x are 0. Returns sum(x) in the order of <see cref="BuildTables"/>
    /// (quads of 4, left to right), so the sum term is the other paths' bits.
    /// </summary>
    internal static float BuildPairs(ReadOnlySpan<float> x, Span<float> tables)
    {
        int groups = Groups(x.Length);
        KernelChecks.AtLeast(tables.Length, (long)groups * PairFloats, nameof(tables));
        // Lanes 0-3 and 4-7 are entries 0-3 of one table.
        Vector256<float> b0 = Vector256.Create(0f, 1f, 0f, 1f, 0f, 1f, 0f, 1f), b1 = Vector256.Create(0f, 0f, 1f, 1f, 0f, 0f, 1f, 1f);
        ref float tr = ref MemoryMarshal.GetReference(tables);
        ref float xr = ref MemoryMarshal.GetReference(x);
        float sum = 0f;
        int whole = x.Length / 8;
        for (int g = 0; g < whole; g++)
        {
            // Groups wholly inside x without slicing or padding checks: the tables are rebuilt for every input.
            sum = Pairs(ref Unsafe.Add(ref xr, 8 * g), ref Unsafe.Add(ref tr, g * PairFloats), sum, b0, b1);
        }

        if (whole < groups)
        {
            Span<float> tail = stackalloc float[8];
            tail.Clear();
            x.Slice(8 * whole).CopyTo(tail);
            sum = Pairs(ref MemoryMarshal.GetReference(tail), ref Unsafe.Add(ref tr, whole * PairFloats), sum, b0, b1);
        }

        return sum;
    }

    /// <summary>One group's four pair tables from its 8 values <paramref name="v"/>; returns <paramref name="sum"/> plus
    /// their two quads, each added as (v0 + v1) + (v2 + v3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Pairs(ref float v, ref float table, float sum, Vector256<float> b0, Vector256<float> b1)
    {
        float v0 = v, v1 = Unsafe.Add(ref v, 1), v2 = Unsafe.Add(ref v, 2), v3 = Unsafe.Add(ref v, 3);
        float v4 = Unsafe.Add(ref v, 4), v5 = Unsafe.Add(ref v, 5), v6 = Unsafe.Add(ref v, 6), v7 = Unsafe.Add(ref v, 7);
        sum += (v0 + v1) + (v2 + v3);
        sum += (v4 + v5) + (v6 + v7);
        ((Vector256.Create(v0) * b0) + (Vector256.Create(v1) * b1)).StoreUnsafe(ref table);
        ((Vector256.Create(v2) * b0) + (Vector256.Create(v3) * b1)).StoreUnsafe(ref table, 8);
        ((Vector256.Create(v4) * b0) + (Vector256.Create(v5) * b1)).StoreUnsafe(ref table, 16);
        ((Vector256.Create(v6) * b0) + (Vector256.Create(v7) * b1)).StoreUnsafe(ref table, 24);
        return sum;
    }

    /// <summary>
    /// The AVX2 matrix loop, as <see cref="Dense512"/>: each block's two halves stay in registers and whole blocks finish
    /// in vector operations (the same multiply and adds, in the same order, as <see cref="Finish"/>).
    /// </summary>
    [SkipLocalsInit]
    private static void Dense256(ReadOnlySpan<float> tables, ReadOnlySpan<byte> planes, int planeCount, int groups, ReadOnlySpan<float> planeScales, ReadOnlySpan<float> sumScales, ReadOnlySpan<float> bias, float sum, Span<float> y)
    {
        int rows = y.Length;
        ref float t = ref MemoryMarshal.GetReference(tables);
        ref byte w = ref MemoryMarshal.GetReference(planes);
        ref float s = ref MemoryMarshal.GetReference(planeScales);
        ref float ss = ref MemoryMarshal.GetReference(sumScales);
        ref float bi = ref MemoryMarshal.GetReference(bias);
        ref float o = ref MemoryMarshal.GetReference(y);
        Vector256<float> total = Vector256.Create(sum);
        Span<float> block = stackalloc float[BlockRows];
        int blockBytes = planeCount * groups * BlockRows;
        for (int first = 0, b = 0; first < rows; first += BlockRows, b++)
        {
            Block256(ref t, ref Unsafe.Add(ref w, (nint)b * blockBytes), planeCount, groups, ref Unsafe.Add(ref s, (nint)b * planeCount * BlockRows), out Vector256<float> low, out Vector256<float> high);
            if (first + BlockRows <= rows)
            {
                Vector256<float> lowValue = low + (Vector256.LoadUnsafe(ref ss, (nuint)first) * total);
                Vector256<float> highValue = high + (Vector256.LoadUnsafe(ref ss, (nuint)first + 8) * total);
                if (!bias.IsEmpty)
                {
                    lowValue += Vector256.LoadUnsafe(ref bi, (nuint)first);
                    highValue += Vector256.LoadUnsafe(ref bi, (nuint)first + 8);
                }

                lowValue.StoreUnsafe(ref o, (nuint)first);
                highValue.StoreUnsafe(ref o, (nuint)first + 8);
            }
            else
            {
                low.StoreUnsafe(ref MemoryMarshal.GetReference(block));
                high.StoreUnsafe(ref MemoryMarshal.GetReference(block), 8);
                Finish(block, first, sumScales, sum, bias, y);
            }
        }
    }

    /// <summary>One block of 16 rows: per plane and group, rows 0-7 and 8-15 each take four in-lane permutes (vpermilps
    /// reads the low 2 bits of each index; the other pairs' bits come down by a high multiply, which issues beside the
    /// permutes where a shift would compete with them), two pairs of lookups added before each of two accumulators a half (one add per
    /// accumulator and group: the adds' latency stays below the permutes' issue, and the 16 registers hold the loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block256(ref float t, ref byte w, int planeCount, int groups, ref float s, out Vector256<float> low, out Vector256<float> high)
    {
        low = Vector256<float>.Zero;
        high = low;
        for (int p = 0; p < planeCount; p++)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, b0 = a0, b1 = a0;
            nuint at = (nuint)(p * groups * BlockRows);
            for (int g = 0; g < groups; g++, at += BlockRows)
            {
                // One byte (8 columns) per row, widened to an int per row: rows 0-7 and 8-15 of the block.
                Vector256<int> r0 = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref w, at));
                Vector256<int> r1 = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref w, at + 8));
                nuint tg = (nuint)(g * PairFloats);
                Vector256<float> t0 = Vector256.LoadUnsafe(ref t, tg), t1 = Vector256.LoadUnsafe(ref t, tg + 8);
                Vector256<float> t2 = Vector256.LoadUnsafe(ref t, tg + 16), t3 = Vector256.LoadUnsafe(ref t, tg + 24);
                a0 += Avx.PermuteVar(t0, r0) + Avx.PermuteVar(t1, Down(r0, 2));
                a1 += Avx.PermuteVar(t2, Down(r0, 4)) + Avx.PermuteVar(t3, Down(r0, 6));
                b0 += Avx.PermuteVar(t0, r1) + Avx.PermuteVar(t1, Down(r1, 2));
                b1 += Avx.PermuteVar(t2, Down(r1, 4)) + Avx.PermuteVar(t3, Down(r1, 6));
            }

            low += (a0 + a1) * Vector256.LoadUnsafe(ref s, (nuint)(p * BlockRows));
            high += (b0 + b1) * Vector256.LoadUnsafe(ref s, (nuint)(p * BlockRows + 8));
        }
    }

    /// <summary>Each int's low 16 bits shifted right by <paramref name="bits"/> (a high multiply by 2^(16 - bits)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Down(Vector256<int> r, [ConstantExpected(Min = 1, Max = 15)] int bits) =>
        Avx2.MultiplyHigh(r.AsUInt16(), Vector256.Create((ushort)(1 << (16 - bits)))).AsInt32();
}
