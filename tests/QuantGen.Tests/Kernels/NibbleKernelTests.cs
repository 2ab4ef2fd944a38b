using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The integer kernel on weight codes of -8..7 stored two per byte: the same integer dot products as the byte layout of
/// the same codes (which FastKernelTests holds to the reference), so the same outputs bit for bit, on every path the
/// machine has (IsaPathTests re-runs these with each wider instruction set switched off) and every input width, over
/// shapes with one column, tails of columns (not a multiple of 64) and rows (not a multiple of 4), one run, and many runs
/// (the AVX2 loop's 16-bit sums widened every few runs).
/// </summary>
public sealed class NibbleKernelTests
{
    public static IEnumerable<object[]> Cases() =>
        from path in Enum.GetValues<Int8.Path>()
        from bits in new[] { 1, 2, 3, 4, 5, 6, 7, 8 }
        from shape in new[] { (1, 1), (5, 37), (4, 64), (17, 130), (6, 1300), (2, 16400) }
        select new object[] { path, bits, shape.Item1, shape.Item2 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Nibble_layout_gives_what_the_byte_layout_gives_bit_for_bit(Int8.Path path, int bits, int rows, int cols)
    {
        if (!Int8.Supported(path))
        {
            return;
        }

        var random = new Random(HashCode.Combine(bits, rows, cols));
        sbyte[] codes = RandomCodes(random, rows, cols);
        Epilogue e = Epilogue.Random(random, rows);
        sbyte[] bytes = ByteLayout(codes, rows, cols);
        byte[] nibbles = WeightRepacking.Int4Blocks(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), rows, cols);
        Assert.Equal(Int8.NibbleWeightBytes(rows, cols), nibbles.Length);
        Assert.Equal(Int8.WeightBytes(rows, cols), 2 * nibbles.Length);
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestModels.RandomFloats(random, cols, -1.5f, 2.5f);
            if (sample == 2 && cols > 3)
            {
                x[0] = float.NaN;
                x[1] = float.NegativeInfinity;
                x[2] = float.PositiveInfinity;
            }

            float[] expected = new float[rows], actual = new float[rows];
            Int8.Dense(x, expected, bytes, bits, -1f, 2f, e.Product, e.Constant, e.PerSum, e.Bias, new float[Int8.ScratchFloats(cols)], path);
            Int8.DenseNibbles(x, actual, nibbles, bits, -1f, 2f, e.Product, e.Constant, e.PerSum, e.Bias, new float[Int8.ScratchFloats(cols)], path);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path}, {bits}-bit input, {rows} x {cols}, sample {sample}: {Differences(expected, actual)}");
        }
    }

    public static IEnumerable<object[]> ExtremeCases() =>
        from path in Enum.GetValues<Int8.Path>()
        from bits in new[] { 1, 2, 3, 4, 5, 6, 7, 8 }
        select new object[] { path, bits };

    /// <summary>
    /// The largest input codes times the extreme weights (-8, 7) over 1,300 columns: every 16-bit sum the AVX2 loops keep
    /// at its bound (the low halves' 16 x code x (q + 8) up to 240 x 15, the high halves' code x 16 q down to -128 x code).
    /// With product 1 and no other term y is the integer dot product, exact in float.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void Nibble_layout_is_exact_at_the_largest_codes_and_weights(Int8.Path path, int bits)
    {
        if (!Int8.Supported(path))
        {
            return;
        }

        const int Rows = 5, Cols = 1300;
        sbyte[] weightsOf = [-8, 7, -8, 0, 7];
        var codes = new sbyte[Rows * Int8.RowBytes(Cols)];
        for (int r = 0; r < Rows; r++)
        {
            codes.AsSpan(r * Int8.RowBytes(Cols), Cols).Fill(weightsOf[r]);
        }

        // Row 2 alternates -8 and 7, so its pairs nearly cancel.
        for (int c = 1; c < Cols; c += 2)
        {
            codes[(2 * Int8.RowBytes(Cols)) + c] = 7;
        }

        byte[] nibbles = WeightRepacking.Int4Blocks(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), Rows, Cols);
        float[] x = Enumerable.Repeat(5f, Cols).ToArray();
        var y = new float[Rows];
        float[] ones = Enumerable.Repeat(1f, Rows).ToArray(), zeros = new float[Rows];
        Int8.DenseNibbles(x, y, nibbles, bits, 0f, 1f, ones, zeros, zeros, default, new float[Int8.ScratchFloats(Cols)], path);
        int code = (1 << bits) - 1;
        for (int r = 0; r < Rows; r++)
        {
            long expected = 0;
            for (int c = 0; c < Cols; c++)
            {
                expected += (long)codes[(r * Int8.RowBytes(Cols)) + c] * code;
            }

            Assert.True(expected == (long)y[r], $"{path}, {bits}-bit codes, row {r}: {y[r]:R} against {expected}");
        }
    }

    public static IEnumerable<object[]> ManyCases() =>
        from path in Enum.GetValues<Int8.Path>()
        from shape in new[] { (1, 1, 4), (5, 37, 9), (17, 130, 5), (400, 1300, 6) }
        from bits in new[] { 4, 8 }
        select new object[] { path, shape.Item1, shape.Item2, shape.Item3, bits };

    /// <summary>The batched kernel on the nibble layout gives each input what the single-input one gives it, bit for bit.</summary>
    [Theory]
    [MemberData(nameof(ManyCases))]
    public void Batched_nibble_kernel_equals_the_single_input_kernel_bit_for_bit(Int8.Path path, int rows, int cols, int batch, int bits)
    {
        if (!Int8.Supported(path))
        {
            return;
        }

        var random = new Random(HashCode.Combine(rows, cols, batch, bits));
        byte[] nibbles = WeightRepacking.Int4Blocks(MemoryMarshal.AsBytes(RandomCodes(random, rows, cols).AsSpan()).ToArray(), rows, cols);
        Epilogue e = Epilogue.Random(random, rows);
        float[] x = TestModels.RandomFloats(random, batch * cols, -2f, 2f);
        x[0] = float.NaN;
        var many = new float[batch * rows];
        Int8.DenseManyNibbles(x, many, batch, nibbles, bits, -1f, 2f, e.Product, e.Constant, e.PerSum, e.Bias, new float[Int8.ManyScratchFloats(cols, batch)], path);
        for (int b = 0; b < batch; b++)
        {
            var one = new float[rows];
            Int8.DenseNibbles(x.AsSpan(b * cols, cols), one, nibbles, bits, -1f, 2f, e.Product, e.Constant, e.PerSum, e.Bias, new float[Int8.ScratchFloats(cols)], path);
            Assert.Equal(one, many.AsSpan(b * rows, rows).ToArray());
        }
    }

    /// <summary>The layout: 130 columns pad to 192 (three runs of 64, 32 bytes each); column c of a run in byte c % 32, low
    /// nibbles offset by 8, high nibbles two's complement; the padding and the rows that complete the last block hold code 0.</summary>
    [Fact]
    public void Nibble_layout_packs_two_codes_per_byte_in_the_byte_layouts_runs()
    {
        const int rows = 5, cols = 130, stride = 192;
        Assert.Equal(stride / 2, Int8.NibbleRowBytes(cols));
        var codes = new sbyte[rows * stride];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                codes[(r * stride) + c] = (sbyte)(((r * 5) + (c * 3)) % 16 - 8);
            }
        }

        byte[] nibbles = WeightRepacking.Int4Blocks(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), rows, cols);
        Assert.Equal(2 * 4 * (stride / 2), nibbles.Length);
        for (int r = 0; r < 8; r++)
        {
            for (int c = 0; c < stride; c++)
            {
                int at = ((r / 4) * 4 * (stride / 2)) + ((c / 64) * 128) + ((r % 4) * 32) + (c % 32);
                int q = r < rows ? codes[(r * stride) + c] : 0;
                int stored = c % 64 >= 32 ? (sbyte)(nibbles[at] & 0xF0) >> 4 : (nibbles[at] & 0x0F) - 8;
                Assert.True(q == stored, $"row {r}, column {c}: stored {stored}, code {q}");
            }
        }
    }

    [Fact]
    public void Nibble_layout_rejects_a_code_outside_minus_8_to_7()
    {
        var codes = new byte[Int8.RowBytes(3)];
        codes[1] = 8;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WeightRepacking.Int4Blocks(codes, 1, 3));
        Assert.Contains("row 0, column 1", error.Message);
    }

    /// <summary>Row-major codes of -8..7 (rows padded to Int8.RowBytes with zeros): rows of every width from 1 to 4 bits.</summary>
    private static sbyte[] RandomCodes(Random random, int rows, int cols)
    {
        int stride = Int8.RowBytes(cols);
        var codes = new sbyte[rows * stride];
        for (int r = 0; r < rows; r++)
        {
            int half = 1 << (r % 4);
            for (int c = 0; c < cols; c++)
            {
                codes[(r * stride) + c] = (sbyte)random.Next(-half, half);
            }
        }

        return codes;
    }

    private static sbyte[] ByteLayout(sbyte[] codes, int rows, int cols) =>
        MemoryMarshal.Cast<byte, sbyte>(WeightRepacking.Int8Blocks(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), rows, cols)).ToArray();

    private static string Differences(float[] expected, float[] actual) =>
        string.Join(", ", Enumerable.Range(0, expected.Length).Where(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i])).Take(4).Select(i => $"row {i}: {actual[i]:R} against {expected[i]:R}"));

    private sealed record Epilogue(float[] Product, float[] Constant, float[] PerSum, float[] Bias)
    {
        public static Epilogue Random(Random random, int rows) =>
            new(TestModels.RandomFloats(random, rows, 0.01f, 0.2f), TestModels.RandomFloats(random, rows, -1f, 1f), TestModels.RandomFloats(random, rows, -0.1f, 0.1f), TestModels.RandomFloats(random, rows, -0.5f, 0.5f));
    }
}
