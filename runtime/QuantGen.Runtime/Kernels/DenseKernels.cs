using System;

namespace QuantGen.Runtime;

/// <summary>
/// Plain dense (matrix-vector) kernels, one per weight codec: y = W x + b with W of y.Length rows and
/// x.Length columns. Each decodes a row of packed codes to float, then takes a vector dot product.
/// They are the baseline that faster kernels replace per layer (the generator's Planner picks).
/// </summary>
public static class DenseKernels
{
    /// <summary>Float32 weights, row-major.</summary>
    public static void Float(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias)
    {
        int cols = x.Length;
        for (int r = 0; r < y.Length; r++)
        {
            y[r] = VectorMath.Dot(weights.Slice(r * cols, cols), x) + Bias(bias, r);
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
