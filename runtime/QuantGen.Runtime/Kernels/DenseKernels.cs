using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

/// <summary>
/// Plain dense (matrix-vector) kernels, one per weight codec: y = W x + b with W of y.Length rows and
/// x.Length columns. Each decodes a row of packed codes to float, then takes a vector dot product.
/// They are the baseline that faster kernels replace per layer (the generator's Planner picks).
/// </summary>
public static partial class DenseKernels
{
    private const int RowsPerPass = 4;

    /// <summary>
    /// Float32 weights, row-major: y = W x + b. Four rows per pass share each input load, each row with
    /// two FMA chains (eight accumulators hide the FMA latency); the column tail is a last vector read
    /// from the end of the row with the lanes already counted masked off, so no second loop exists. The
    /// loop is written once (<see cref="FloatRows"/>) and runs at the widest vector the machine has and the
    /// row fills, Vector512 -> 256 -> 128 -> scalar. Sums are in another order per width: results agree across
    /// paths to rounding, not bit for bit.
    /// </summary>
    public static void Float(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias)
    {
        int cols = x.Length;
        int rows = y.Length;
        KernelChecks.AtLeast(weights.Length, (long)rows * cols, nameof(weights));
        KernelChecks.AtLeast(bias.IsEmpty ? rows : bias.Length, rows, nameof(bias));
        if (rows == 0)
        {
            return;
        }

        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float xr = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && cols >= Vector512<float>.Count)
        {
            FloatRows<FloatLanes512, Vector512<float>>(ref xr, cols, ref w, y, bias);
        }
        else if (Vector256.IsHardwareAccelerated && cols >= Vector256<float>.Count)
        {
            FloatRows<FloatLanes256, Vector256<float>>(ref xr, cols, ref w, y, bias);
        }
        else if (Vector128.IsHardwareAccelerated && cols >= Vector128<float>.Count)
        {
            FloatRows<FloatLanes128, Vector128<float>>(ref xr, cols, ref w, y, bias);
        }
        else
        {
            FloatRows<FloatLanes1, float>(ref xr, cols, ref w, y, bias);
        }
    }

    /// <summary>The loop of <see cref="Float"/>, once for every width L; cols &gt;= L.Count.</summary>
    private static void FloatRows<L, V>(ref float x, int cols, ref float w, Span<float> y, ReadOnlySpan<float> bias)
        where L : struct, IFloatLanes<V>
        where V : struct
    {
        int rows = y.Length;
        int n = L.Count;
        nuint full = (nuint)(cols / n * n);
        int tail = cols % n;
        V mask = L.TailMask(tail);
        nuint last = (nuint)(cols - n);
        for (int r0 = 0; r0 < rows; r0 += RowsPerPass)
        {
            // The last pass repeats the last row rather than running a second loop.
            int r1 = Math.Min(r0 + 1, rows - 1), r2 = Math.Min(r0 + 2, rows - 1), r3 = Math.Min(r0 + 3, rows - 1);
            ref float w0 = ref Unsafe.Add(ref w, (nint)r0 * cols);
            ref float w1 = ref Unsafe.Add(ref w, (nint)r1 * cols);
            ref float w2 = ref Unsafe.Add(ref w, (nint)r2 * cols);
            ref float w3 = ref Unsafe.Add(ref w, (nint)r3 * cols);
            V a0 = L.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            nuint c = 0;
            for (; c + (nuint)(2 * n) <= full; c += (nuint)(2 * n))
            {
                V u = L.Load(ref x, c), v = L.Load(ref x, c + (nuint)n);
                a0 = L.MultiplyAdd(L.Load(ref w0, c), u, a0);
                a1 = L.MultiplyAdd(L.Load(ref w1, c), u, a1);
                a2 = L.MultiplyAdd(L.Load(ref w2, c), u, a2);
                a3 = L.MultiplyAdd(L.Load(ref w3, c), u, a3);
                b0 = L.MultiplyAdd(L.Load(ref w0, c + (nuint)n), v, b0);
                b1 = L.MultiplyAdd(L.Load(ref w1, c + (nuint)n), v, b1);
                b2 = L.MultiplyAdd(L.Load(ref w2, c + (nuint)n), v, b2);
                b3 = L.MultiplyAdd(L.Load(ref w3, c + (nuint)n), v, b3);
            }

            if (c < full)
            {
                V u = L.Load(ref x, c);
                a0 = L.MultiplyAdd(L.Load(ref w0, c), u, a0);
                a1 = L.MultiplyAdd(L.Load(ref w1, c), u, a1);
                a2 = L.MultiplyAdd(L.Load(ref w2, c), u, a2);
                a3 = L.MultiplyAdd(L.Load(ref w3, c), u, a3);
            }

            if (tail > 0)
            {
                // The last vector of the row, read from its end; lanes counted already are masked to 0 on
                // both sides (0 * 0, so an infinite weight or input there cannot turn into NaN).
                V u = L.And(L.Load(ref x, last), mask);
                b0 = L.MultiplyAdd(L.And(L.Load(ref w0, last), mask), u, b0);
                b1 = L.MultiplyAdd(L.And(L.Load(ref w1, last), mask), u, b1);
                b2 = L.MultiplyAdd(L.And(L.Load(ref w2, last), mask), u, b2);
                b3 = L.MultiplyAdd(L.And(L.Load(ref w3, last), mask), u, b3);
            }

            Vector128<float> sums = L.Sum4(L.Add(a0, b0), L.Add(a1, b1), L.Add(a2, b2), L.Add(a3, b3));
            if (r0 + RowsPerPass <= rows)
            {
                // Four rows at once: the same add per lane as the scalar loop below.
                (sums + (bias.IsEmpty ? Vector128<float>.Zero : Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)r0)))
                    .StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)r0);
                continue;
            }

            for (int k = 0; r0 + k < rows; k++)
            {
                y[r0 + k] = sums.GetElement(k) + Bias(bias, r0 + k);
            }
        }
    }

    /// <summary>Uniform codes: w = scale * (q - zeroPoint), scales and zero points per tensor (1) or per row.
    /// Computed as scale * (sum q x - zeroPoint * sum x), so the zero point costs one multiply per row.</summary>
    public static void Uniform(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> codes, int bits, bool signed,
        ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints, ReadOnlySpan<float> bias, Span<float> row)
    {
        int cols = x.Length;
        Span<float> map = stackalloc float[1 << bits];
        PackedRow.CodeValues(bits, signed, map);
        float sumX = zeroPoints.IsEmpty ? 0f : VectorMath.Sum(x);
        row = row.Slice(0, cols);
        for (int r = 0; r < y.Length; r++)
        {
            PackedRow.Decode(codes, (long)r * cols, bits, map, row);
            float dot = VectorMath.Dot(row, x);
            int zeroPoint = zeroPoints.IsEmpty ? 0 : zeroPoints[zeroPoints.Length == 1 ? 0 : r];
            float scale = scales[scales.Length == 1 ? 0 : r];
            y[r] = scale * (dot - zeroPoint * sumX) + Bias(bias, r);
        }
    }

    /// <summary>Level-table codes: w = levels[q].</summary>
    public static void Levels(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> codes, int bits,
        ReadOnlySpan<float> levels, ReadOnlySpan<float> bias, Span<float> row)
    {
        int cols = x.Length;
        Span<float> map = stackalloc float[1 << bits];
        map.Clear();
        levels.CopyTo(map);
        row = row.Slice(0, cols);
        for (int r = 0; r < y.Length; r++)
        {
            PackedRow.Decode(codes, (long)r * cols, bits, map, row);
            y[r] = VectorMath.Dot(row, x) + Bias(bias, r);
        }
    }

    /// <summary>Multi-bit binary codes: w[r, c] = sum_j coefficients[r * bits + j] * (+1 or -1 from plane j).</summary>
    public static void MultiBinary(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> planes, int bits,
        ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias, Span<float> row)
    {
        int rows = y.Length;
        int cols = x.Length;
        ReadOnlySpan<float> signs = [-1f, 1f];
        row = row.Slice(0, cols);
        for (int r = 0; r < rows; r++)
        {
            float sum = 0f;
            for (int j = 0; j < bits; j++)
            {
                PackedRow.Decode(planes, ((long)j * rows + r) * cols, 1, signs, row);
                sum += coefficients[r * bits + j] * VectorMath.Dot(row, x);
            }

            y[r] = sum + Bias(bias, r);
        }
    }

    private static float Bias(ReadOnlySpan<float> bias, int r) => bias.IsEmpty ? 0f : bias[r];
}
