using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Low-bit weights times float activations by table lookup (the "LUT GEMV" of bit-serial kernels).
/// Every weight matrix the generator sends here is a sum of {0, 1} bit-planes with per-row plane
/// scales: y[r] = sum_p scale[r, p] * (B_p x)[r] + sumScale[r] * sum(x) + bias[r].
/// Uniform codes are their binary digits (plane p scaled by 2^p, the sign bit by -2^(k-1)), multi-bit
/// binary codes their planes (+-1 = 2b - 1), and a level table its multilinear expansion in the bits
/// (planes are ANDs of code bits); the generator bakes planes and scales (generator Layouts/).
/// </summary>
/// <remarks>
/// Once per input, for each group of 4 columns, the 16 partial sums of every subset of those columns
/// are tabulated (one 64-byte table per group). Then each plane of a 16-row block is a stream of bytes,
/// one per row and 8 columns; its two nibbles index two tables, so one permute (vpermps) gives 16 rows'
/// partial sums for 4 columns at once. Weights stream once; the tables stay in L1/L2.
/// Layout of <c>planes</c>: [block of 16 rows][plane][group of 8 columns][16 bytes, one per row],
/// bit k of a byte = column 8g + k; rows and columns past the matrix are zero bits.
/// Paths: Vector512 (one vpermps per nibble), AVX2 (its own 3-column tables, three vpermps per byte:
/// PlaneLut.Avx2.cs), ARM64 AdvSimd (TBL over the table's four registers, four rows per lookup:
/// <see cref="TableLookup128"/>), scalar lookups otherwise (SSE has no variable float permute; an SSE
/// version would be four scalar lookups in disguise).
/// The block loops stay hand-written, unlike the other kernels' single loop over a width struct:
/// they are not one algorithm at three widths. A 16-row block is one Vector512 (one permute per nibble),
/// two Vector256 halves (three permutes per byte, over other tables), four TBL lookups or 16 scalar lookups, and
/// each path adds its partial sums in its own order (Block512 two groups per step into four accumulators, Block256 one
/// accumulator per table and half, the scalar twin row by row); the kernel tests hold each to the dequantized product.
/// </remarks>
public static partial class PlaneLut
{
    /// <summary>Rows of one block of the table kernel: one permute looks up this many rows.</summary>
    public const int BlockRows = KernelGeometry.LutBlockRows;

    /// <summary>Groups of 8 columns in a row.</summary>
    public static int Groups(int cols) => KernelGeometry.LutGroups(cols);

    /// <summary>Floats of scratch the tables of one input take.</summary>
    public static int TableLength(int cols) => KernelGeometry.LutTableFloats(cols);

    /// <summary>Blocks of 16 rows.</summary>
    public static int Blocks(int rows) => KernelGeometry.LutBlocks(rows);

    /// <summary>Bytes of the plane stream for a matrix.</summary>
    public static long PlaneBytes(int rows, int cols, int planeCount) => KernelGeometry.LutPlaneBytes(rows, cols, planeCount);

    /// <summary>
    /// y = (sum_p planeScales_p * B_p) x + sumScales * sum(x) + bias. <paramref name="planeScales"/> is
    /// [block][plane][16 rows]; <paramref name="sumScales"/> is [block * 16] (padded); bias may be empty.
    /// <paramref name="tables"/> holds at least <see cref="TableLength"/> floats.
    /// </summary>
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> planes, int planeCount,
        ReadOnlySpan<float> planeScales, ReadOnlySpan<float> sumScales, ReadOnlySpan<float> bias, Span<float> tables)
    {
        int rows = y.Length;
        int cols = x.Length;
        int groups = Groups(cols);
        int blocks = Blocks(rows);
        KernelChecks.AtLeast(planes.Length, PlaneBytes(rows, cols, planeCount), nameof(planes));
        KernelChecks.AtLeast(planeScales.Length, KernelGeometry.LutPlaneScaleFloats(rows, planeCount), nameof(planeScales));
        KernelChecks.AtLeast(sumScales.Length, KernelGeometry.LutSumScaleFloats(rows), nameof(sumScales));
        tables = tables.Slice(0, TableLength(cols));
        float sum = PathTables(x, tables);
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Dense512(tables, planes, planeCount, groups, planeScales, sumScales, bias, sum, y);
            return;
        }

        if (PairPath)
        {
            Dense256(tables, planes, planeCount, groups, planeScales, sumScales, bias, sum, y);
            return;
        }

        Span<float> block = stackalloc float[BlockRows];
        for (int b = 0; b < blocks; b++)
        {
            ReadOnlySpan<byte> blockPlanes = planes.Slice(b * planeCount * groups * BlockRows, planeCount * groups * BlockRows);
            ReadOnlySpan<float> scales = planeScales.Slice(b * planeCount * BlockRows, planeCount * BlockRows);
            if (Vector128.IsHardwareAccelerated && AdvSimd.Arm64.IsSupported)
            {
                Block128(tables, blockPlanes, planeCount, groups, scales, block);
            }
            else
            {
                BlockScalar(tables, blockPlanes, planeCount, groups, scales, block);
            }

            Finish(block, b * BlockRows, sumScales, sum, bias, y);
        }
    }

    /// <summary>Whether this process takes the AVX2 path, which looks each plane byte up as four column pairs in tables of
    /// its own (PlaneLut.Avx2.cs).</summary>
    private static bool PairPath => Vector256.IsHardwareAccelerated && Avx2.IsSupported && !(Vector512.IsHardwareAccelerated && Avx512F.IsSupported);

    /// <summary>The tables <see cref="Dense"/> builds for one input on this process's path (<see cref="BuildPairs"/> on
    /// AVX2, <see cref="BuildTables"/> elsewhere); returns sum(x). Public so the cost benchmark can time them apart.</summary>
    public static float PathTables(ReadOnlySpan<float> x, Span<float> tables) => PairPath ? BuildPairs(x, tables) : BuildTables(x, tables);

    /// <summary>y[first + i] = block[i] + sumScales[first + i] * sum + bias[first + i] for the block's real rows.</summary>
    private static void Finish(ReadOnlySpan<float> block, int first, ReadOnlySpan<float> sumScales, float sum, ReadOnlySpan<float> bias, Span<float> y)
    {
        int count = Math.Min(BlockRows, y.Length - first);
        for (int i = 0; i < count; i++)
        {
            y[first + i] = block[i] + sumScales[first + i] * sum + (bias.IsEmpty ? 0f : bias[first + i]);
        }
    }

    /// <summary>
    /// The AVX-512 matrix loop: each block's result stays in a register and whole blocks finish in vector
    /// operations (the same multiply and adds, in the same order, as <see cref="Finish"/>). On the small
    /// layers of a digits MLP the per-block slicing and scalar finish cost as much as the lookups.
    /// </summary>
    [SkipLocalsInit]
    private static void Dense512(ReadOnlySpan<float> tables, ReadOnlySpan<byte> planes, int planeCount, int groups, ReadOnlySpan<float> planeScales, ReadOnlySpan<float> sumScales, ReadOnlySpan<float> bias, float sum, Span<float> y)
    {
        int rows = y.Length;
        ref float t = ref MemoryMarshal.GetReference(tables);
        ref byte w = ref MemoryMarshal.GetReference(planes);
        ref float s = ref MemoryMarshal.GetReference(planeScales);
        ref float ss = ref MemoryMarshal.GetReference(sumScales);
        ref float bi = ref MemoryMarshal.GetReference(bias);
        ref float o = ref MemoryMarshal.GetReference(y);
        Vector512<float> total = Vector512.Create(sum);
        Span<float> block = stackalloc float[BlockRows];
        int blockBytes = planeCount * groups * BlockRows;
        for (int first = 0, b = 0; first < rows; first += BlockRows, b++)
        {
            Vector512<float> result = Block512(ref t, ref Unsafe.Add(ref w, (nint)b * blockBytes), planeCount, groups, ref Unsafe.Add(ref s, (nint)b * planeCount * BlockRows));
            if (first + BlockRows <= rows)
            {
                Vector512<float> value = result + (Vector512.LoadUnsafe(ref ss, (nuint)first) * total);
                value += bias.IsEmpty ? Vector512<float>.Zero : Vector512.LoadUnsafe(ref bi, (nuint)first);
                value.StoreUnsafe(ref o, (nuint)first);
            }
            else
            {
                result.StoreUnsafe(ref MemoryMarshal.GetReference(block));
                Finish(block, first, sumScales, sum, bias, y);
            }
        }
    }

    /// <summary>
    /// Fills table g (16 floats) with the sum of every subset of columns 4g..4g+3 (entry m takes
    /// column 4g + k when bit k of m is set), and returns sum(x). Every path adds in the same order,
    /// ((x0 b0 + x1 b1) + x2 b2) + x3 b3, so the tables are bit-identical across paths.
    /// </summary>
    public static float BuildTables(ReadOnlySpan<float> x, Span<float> tables)
    {
        int quads = tables.Length / 16;
        float sum = 0f;
        int g = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Groups wholly inside x, without the padding checks: tables are rebuilt for every input.
            Vector512<float> b0 = Bit512(0), b1 = Bit512(1), b2 = Bit512(2), b3 = Bit512(3);
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float tr = ref MemoryMarshal.GetReference(tables);
            for (int whole = Math.Min(quads, x.Length / 4); g < whole; g++)
            {
                float v0 = Unsafe.Add(ref xr, 4 * g), v1 = Unsafe.Add(ref xr, 4 * g + 1);
                float v2 = Unsafe.Add(ref xr, 4 * g + 2), v3 = Unsafe.Add(ref xr, 4 * g + 3);
                sum += (v0 + v1) + (v2 + v3);
                Vector512<float> r = (Vector512.Create(v0) * b0) + (Vector512.Create(v1) * b1);
                r = r + (Vector512.Create(v2) * b2);
                r = r + (Vector512.Create(v3) * b3);
                r.StoreUnsafe(ref tr, (nuint)(16 * g));
            }
        }

        Span<float> v = stackalloc float[4];
        for (; g < quads; g++)
        {
            for (int k = 0; k < 4; k++)
            {
                int c = 4 * g + k;
                v[k] = c < x.Length ? x[c] : 0f;
            }

            sum += (v[0] + v[1]) + (v[2] + v[3]);
            Span<float> t = tables.Slice(16 * g, 16);
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> r = (Vector512.Create(v[0]) * Bit512(0)) + (Vector512.Create(v[1]) * Bit512(1));
                r = r + (Vector512.Create(v[2]) * Bit512(2));
                r = r + (Vector512.Create(v[3]) * Bit512(3));
                r.StoreUnsafe(ref MemoryMarshal.GetReference(t));
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                // Four entries per vector: bits 0 and 1 of m vary across the lanes, bits 2 and 3 by vector.
                Vector128<float> pair = (Vector128.Create(v[0]) * Vector128.Create(0f, 1f, 0f, 1f)) + (Vector128.Create(v[1]) * Vector128.Create(0f, 0f, 1f, 1f));
                for (int q = 0; q < 4; q++)
                {
                    Vector128<float> r = pair + (Vector128.Create(v[2]) * Vector128.Create((float)(q & 1)));
                    r = r + (Vector128.Create(v[3]) * Vector128.Create((float)(q >> 1)));
                    r.StoreUnsafe(ref MemoryMarshal.GetReference(t), (nuint)(4 * q));
                }
            }
            else
            {
                for (int m = 0; m < 16; m++)
                {
                    float r = (v[0] * (m & 1)) + (v[1] * (m >> 1 & 1));
                    r = r + (v[2] * (m >> 2 & 1));
                    t[m] = r + (v[3] * (m >> 3 & 1));
                }
            }
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Bit512(int k) =>
        Vector512.ConvertToSingle((Vector512<int>.Indices >>> k) & Vector512<int>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block512(ref float t, ref byte w, int planeCount, int groups, ref float scales)
    {
        Vector512<float> result = Vector512<float>.Zero;
        for (int p = 0; p < planeCount; p++)
        {
            // Four accumulators: the adds' latency, not the permutes, would otherwise bound the loop.
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            nuint at = (nuint)(p * groups * BlockRows);
            int g = 0;
            for (; g + 2 <= groups; g += 2, at += 2 * BlockRows)
            {
                Vector512<int> i0 = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref w, at)).AsInt32();
                Vector512<int> i1 = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref w, at + BlockRows)).AsInt32();
                nuint tg = (nuint)(g * 32);
                a0 += Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref t, tg), i0);
                a1 += Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref t, tg + 16), i0 >>> 4);
                a2 += Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref t, tg + 32), i1);
                a3 += Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref t, tg + 48), i1 >>> 4);
            }

            if (g < groups)
            {
                Vector512<int> i0 = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref w, at)).AsInt32();
                nuint tg = (nuint)(g * 32);
                a0 += Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref t, tg), i0);
                a1 += Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref t, tg + 16), i0 >>> 4);
            }

            result += ((a0 + a1) + (a2 + a3)) * Vector512.LoadUnsafe(ref scales, (nuint)(p * BlockRows));
        }

        return result;
    }

    /// <summary>
    /// The ARM64 block: the 16 plane bytes of a group are split into nibbles and multiplied by 4 once, then each
    /// quarter of the block (4 rows) spreads its nibbles to byte indices and looks its table up with one TBL.
    /// Eight accumulators (low and high nibble per quarter) keep the adds independent.
    /// </summary>
    private static void Block128(ReadOnlySpan<float> tables, ReadOnlySpan<byte> planes, int planeCount, int groups, ReadOnlySpan<float> scales, Span<float> block)
    {
        ref float t = ref MemoryMarshal.GetReference(tables);
        ref byte w = ref MemoryMarshal.GetReference(planes);
        ref float s = ref MemoryMarshal.GetReference(scales);
        Vector128<float> r0 = Vector128<float>.Zero, r1 = r0, r2 = r0, r3 = r0;
        for (int p = 0; p < planeCount; p++)
        {
            Vector128<float> a0 = Vector128<float>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            nuint at = (nuint)(p * groups * BlockRows);
            for (int g = 0; g < groups; g++, at += BlockRows)
            {
                Vector128<byte> bytes = Vector128.LoadUnsafe(ref w, at);
                Vector128<byte> low = (bytes & Vector128.Create((byte)0x0F)) << 2, high = (bytes >>> 4) << 2;
                var lowTable = TableLookup128.Load(ref Unsafe.Add(ref t, g * 32));
                var highTable = TableLookup128.Load(ref Unsafe.Add(ref t, g * 32 + 16));
                a0 += TableLookup128.Lookup(lowTable, low, 0);
                a1 += TableLookup128.Lookup(lowTable, low, 1);
                a2 += TableLookup128.Lookup(lowTable, low, 2);
                a3 += TableLookup128.Lookup(lowTable, low, 3);
                b0 += TableLookup128.Lookup(highTable, high, 0);
                b1 += TableLookup128.Lookup(highTable, high, 1);
                b2 += TableLookup128.Lookup(highTable, high, 2);
                b3 += TableLookup128.Lookup(highTable, high, 3);
            }

            nuint sp = (nuint)(p * BlockRows);
            r0 += (a0 + b0) * Vector128.LoadUnsafe(ref s, sp);
            r1 += (a1 + b1) * Vector128.LoadUnsafe(ref s, sp + 4);
            r2 += (a2 + b2) * Vector128.LoadUnsafe(ref s, sp + 8);
            r3 += (a3 + b3) * Vector128.LoadUnsafe(ref s, sp + 12);
        }

        ref float o = ref MemoryMarshal.GetReference(block);
        r0.StoreUnsafe(ref o);
        r1.StoreUnsafe(ref o, 4);
        r2.StoreUnsafe(ref o, 8);
        r3.StoreUnsafe(ref o, 12);
    }

    /// <summary>The scalar twin: the same tables, one lookup per nibble.</summary>
    public static void BlockScalar(ReadOnlySpan<float> tables, ReadOnlySpan<byte> planes, int planeCount, int groups, ReadOnlySpan<float> scales, Span<float> block)
    {
        for (int i = 0; i < BlockRows; i++)
        {
            float result = 0f;
            for (int p = 0; p < planeCount; p++)
            {
                float s = 0f;
                int at = p * groups * BlockRows + i;
                for (int g = 0; g < groups; g++, at += BlockRows)
                {
                    byte v = planes[at];
                    s += tables[32 * g + (v & 15)] + tables[32 * g + 16 + (v >> 4)];
                }

                result += s * scales[p * BlockRows + i];
            }

            block[i] = result;
        }
    }
}
