using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using QuantGen.Generator.Layout;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// Each fast kernel, fed the layout the generator makes, against the reference: weights dequantized by the
/// reference interpreter's code, products summed in double. Shapes cover one row and column, tails of
/// rows (not a multiple of 16 or 4) and columns (not a multiple of 8 or 512), and more than 31 vectors per
/// row (the byte counters' flush). Runs on whatever path this process has; IsaPathTests re-runs it on each.
/// </summary>
public sealed class FastKernelTests
{
    public static IEnumerable<object[]> Shapes() =>
        new[] { (1, 1), (3, 4), (17, 37), (40, 130), (5, 1300), (2, 16400) }.Select(s => new object[] { s.Item1, s.Item2 });

    public static IEnumerable<object[]> LutCodecs() =>
        from codec in new[] { "uniform1u", "uniform2s", "uniform3u-zp", "uniform4s-row-zp", "uniform8s-row", "uniform8u-zp", "multibinary1", "multibinary2", "multibinary3", "levels1", "levels2", "levels3" }
        from shape in Shapes()
        select new object[] { codec, shape[0], shape[1] };

    [Theory]
    [MemberData(nameof(LutCodecs))]
    public void Plane_table_kernel_matches_the_dequantized_product(string codec, int rows, int cols)
    {
        var random = new Random(Seed(codec.Length, rows, cols));
        Weights weights = MakeWeights(codec, random, rows, cols);
        LutWeights lut = WeightRepacking.Lut(weights, rows, cols);
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        var tables = new float[PlaneLut.TableLength(cols)];
        float[] dequantized = DequantizedWeights.Of(weights, rows, cols);
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
            var y = new float[rows];
            PlaneLut.Dense(x, y, lut.Bits, lut.Planes, lut.PlaneScales, lut.SumScales, bias, tables);
            AssertClose(dequantized, x, bias, y, $"{codec} {rows}x{cols} sample {sample}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(300)]
    public void Plane_tables_are_the_subset_sums_bit_for_bit_on_every_path(int cols)
    {
        var random = new Random(cols);
        float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
        var tables = new float[PlaneLut.TableLength(cols)];
        float sum = PlaneLut.BuildTables(x, tables);
        float expectedSum = 0f;
        for (int g = 0; g < tables.Length / 16; g++)
        {
            float[] v = Enumerable.Range(4 * g, 4).Select(c => c < cols ? x[c] : 0f).ToArray();
            expectedSum += (v[0] + v[1]) + (v[2] + v[3]);
            for (int m = 0; m < 16; m++)
            {
                // The order every path adds in: ((x0 b0 + x1 b1) + x2 b2) + x3 b3.
                float entry = (v[0] * (m & 1)) + (v[1] * (m >> 1 & 1));
                entry = entry + (v[2] * (m >> 2 & 1));
                entry = entry + (v[3] * (m >> 3 & 1));
                Assert.True(BitConverter.SingleToInt32Bits(entry) == BitConverter.SingleToInt32Bits(tables[16 * g + m]), $"{KernelPaths.Current}: group {g} entry {m}: {tables[16 * g + m]:R}, expected {entry:R}");
            }
        }

        Assert.Equal(BitConverter.SingleToInt32Bits(expectedSum), BitConverter.SingleToInt32Bits(sum));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(300)]
    public void Avx2_pair_tables_are_the_subset_sums_of_each_column_pair_in_both_lanes(int cols)
    {
        var random = new Random(cols);
        float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
        var tables = new float[PlaneLut.TableLength(cols)];
        float sum = PlaneLut.BuildPairs(x, tables);
        for (int pair = 0; pair < 4 * PlaneLut.Groups(cols); pair++)
        {
            float x0 = 2 * pair < cols ? x[2 * pair] : 0f, x1 = 2 * pair + 1 < cols ? x[2 * pair + 1] : 0f;
            for (int lane = 0; lane < 8; lane++)
            {
                int m = lane & 3;
                float entry = (x0 * (m & 1)) + (x1 * (m >> 1));
                Assert.True(BitConverter.SingleToInt32Bits(entry) == BitConverter.SingleToInt32Bits(tables[8 * pair + lane]), $"pair {pair} lane {lane}: {tables[8 * pair + lane]:R}, expected {entry:R}");
            }
        }

        // The sum term is the other paths' bits: the same quads in the same order.
        float expected = PlaneLut.BuildTables(x, new float[PlaneLut.TableLength(cols)]);
        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(sum));
    }

    [Fact]
    public void Plane_table_scalar_twin_matches_the_vector_path_exactly_per_block()
    {
        var random = new Random(11);
        const int rows = 16, cols = 300;
        LutWeights lut = WeightRepacking.Lut(TestModels.MultiBinary(random, rows, cols, 2), rows, cols);
        float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
        var tables = new float[PlaneLut.TableLength(cols)];
        PlaneLut.BuildTables(x, tables);
        var scalar = new float[PlaneLut.BlockRows];
        PlaneLut.BlockScalar(tables, lut.Bits, lut.Planes, PlaneLut.Groups(cols), lut.PlaneScales, scalar);
        var fast = new float[rows];
        PlaneLut.Dense(x, fast, lut.Bits, lut.Planes, lut.PlaneScales, new float[PlaneLut.BlockRows], default, tables);
        for (int i = 0; i < rows; i++)
        {
            Assert.True(Math.Abs(scalar[i] - fast[i]) <= 1e-4f * (1 + Math.Abs(scalar[i])), $"row {i}: scalar {scalar[i]:R}, {KernelPaths.Current} {fast[i]:R}");
        }
    }

    /// <summary>The shapes, and one whose rows fill three blocks of 32 (a pair and a lone one) and run past two folds of the
    /// row-major byte tallies (80 bytes): every row of a block in its place when those are added as 16-bit halves.</summary>
    public static IEnumerable<object[]> XnorCases() =>
        from rowMajor in new[] { false, true }
        from bits in new[] { (1, 1), (2, 2), (3, 3), (1, 3), (4, 2), (2, 4), (1, 5) }
        from shape in Shapes().Append([70, 600])
        select new object[] { rowMajor, bits.Item1, bits.Item2, shape[0], shape[1] };

    /// <summary>Either xor/popcount layout: the word-interleaved one (Xnor.Dense) or the row-major one (Xnor.DenseRows), which
    /// must also give the word product's bits wherever that takes its AVX2 or AVX-512 loop (the same counts, the same float
    /// steps; its 128-bit and scalar loops add coefficient x beta x term per plane pair instead).</summary>
    [Theory]
    [MemberData(nameof(XnorCases))]
    public void Xnor_kernel_matches_the_reference_on_online_codes(bool rowMajor, int weightBits, int activationBits, int rows, int cols)
    {
        var random = new Random(Seed(weightBits, activationBits, rows, cols));
        Weights weights = TestModels.MultiBinary(random, rows, cols, weightBits);
        ulong[] planes = MemoryMarshal.Cast<byte, ulong>(WeightRepacking.XnorPlanes(weights.MultiBinary, rows, cols)).ToArray();
        float[] coefficients = WeightRepacking.XnorCoefficients(weights.MultiBinary, rows);
        byte[] rowPlanes = WeightRepacking.XnorRowPlanes(weights.MultiBinary, rows, cols);
        float[] rowCoefficients = WeightRepacking.XnorRowCoefficients(weights.MultiBinary, rows);
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        float[] dequantized = DequantizedWeights.Of(weights, rows, cols);
        var scratch = new float[Xnor.ScratchFloats(cols, activationBits)];
        var online = new OnlineMultiBinaryActivation { Bits = activationBits, Cycles = 2 };
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
            if (sample == 2 && cols > 3)
            {
                // Non-finite inputs count as 0 on both sides.
                x[1] = float.NaN;
                x[2] = float.PositiveInfinity;
            }

            var y = new float[rows];
            Xnor.Dense(x, y, planes, weightBits, coefficients, bias, activationBits, cycles: 2, scratch);
            if (rowMajor)
            {
                var fromRows = new float[rows];
                Xnor.DenseRows(x, fromRows, rowPlanes, weightBits, rowCoefficients, bias, activationBits, cycles: 2, scratch);
                for (int r = 0; r < rows && KernelPaths.Current is "Vector512" or "Vector256"; r++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(y[r]) == BitConverter.SingleToInt32Bits(fromRows[r]), $"{KernelPaths.Current} row {r}: rows {fromRows[r]:R}, words {y[r]:R}");
                }

                y = fromRows;
            }

            float[] quantized = (float[])x.Clone();
            ReferenceQuantizers.OnlineMultiBinary(quantized, online);
            AssertClose(dequantized, quantized, bias, y, $"xnor {(rowMajor ? "rows" : "words")} {weightBits}x{activationBits} {rows}x{cols} sample {sample}");
        }
    }

    [Theory]
    [InlineData(200)]
    [InlineData(2400)]
    [InlineData(65600)]
    public void Xnor_row_major_scalar_twin_counts_as_the_vector_path_with_the_largest_tallies(int cols)
    {
        // Every weight bit set against activations of zeros: every nibble lookup counts 4, so the byte tallies reach their
        // bound (8 a byte of the row, 31 bytes between folds), with a lone last block of 32 rows, over rows of 25 bytes
        // (one chunk), 300 (chunks added as 16-bit halves) and 8,200 (past what 16-bit counts hold: 65,600).
        const int rows = 96, weightBits = 2, activationBits = 3;
        int words = Xnor.RowWords(cols);
        byte[] planes = Enumerable.Repeat((byte)0xFF, (int)Xnor.RowsPlaneBytes(rows, cols, weightBits)).ToArray();
        var random = new Random(5);
        float[] coefficients = TestModels.RandomFloats(random, Xnor.RowsCoefficientFloats(rows, weightBits), 0.1f, 1f);
        float[] betas = TestModels.RandomFloats(random, activationBits, 0.1f, 1f);
        var activations = new ulong[activationBits * words];
        var fast = new float[rows];
        var twin = new float[rows];
        Xnor.MultiplyRows(activations, betas, cols, fast, planes, weightBits, coefficients, default);
        Xnor.RowsScalar(activations, betas, cols, twin, planes, weightBits, coefficients, default);
        for (int r = 0; r < rows; r++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(twin[r]) == BitConverter.SingleToInt32Bits(fast[r]), $"{KernelPaths.Current} row {r}: {fast[r]:R}, twin {twin[r]:R}");
            // Every bit of the padded row differs: count = 64 * words, so each plane pair gives beta * (cols - 2 * 64 * words).
            float terms = 0f;
            foreach (float beta in betas)
            {
                terms = MathF.FusedMultiplyAdd(beta, cols - (2 * 64 * words), terms);
            }

            float expected = 0f;
            for (int p = 0; p < weightBits; p++)
            {
                expected += coefficients[((r / Xnor.RowsBlockRows * weightBits) + p) * Xnor.RowsBlockRows + (r % Xnor.RowsBlockRows)] * terms;
            }

            Assert.Equal(expected, fast[r]);
        }
    }

    public static IEnumerable<object[]> Int8Cases() =>
        from path in Enum.GetValues<Int8.Path>()
        from signed in new[] { true, false }
        from shape in Shapes()
        select new object[] { path, signed, shape[0], shape[1] };

    [Theory]
    [MemberData(nameof(Int8Cases))]
    public void Int8_kernel_matches_the_reference_on_every_path_the_machine_has(Int8.Path path, bool signed, int rows, int cols)
    {
        if (!Int8.Supported(path))
        {
            // This machine cannot run that path; the ISA child runs cover the ones it selects by default.
            return;
        }

        var random = new Random(Seed(signed ? 1 : 0, rows, cols));
        Weights weights = TestModels.Uniform(random, rows, cols, 8, signed, perRow: true, zeroPoints: true);
        const float lo = -1.25f, hi = 1.5f;
        Int8Weights int8 = WeightRepacking.Int8(weights.Uniform, rows, cols, 8, lo, hi);
        sbyte[] codes = MemoryMarshal.Cast<byte, sbyte>(int8.Codes).ToArray();
        sbyte[] rowCodes = MemoryMarshal.Cast<byte, sbyte>(WeightRepacking.ByteCodes(weights.Uniform, rows, cols).Codes).ToArray();
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        float[] dequantized = DequantizedWeights.Of(weights, rows, cols);
        var scratch = new float[Int8.ScratchFloats(cols)];
        var quantizer = new ActivationQuantizer { Uniform = new UniformActivation { Bits = 8, Lo = lo, Hi = hi } };
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
            if (sample == 2 && cols > 3)
            {
                x[0] = float.NaN;
                x[1] = float.NegativeInfinity;
                x[2] = float.PositiveInfinity;
            }

            var y = new float[rows];
            Int8.Dense(x, y, codes, 8, lo, hi, int8.Product, int8.Constant, int8.PerSum, bias, scratch, path);
            float[] quantized = (float[])x.Clone();
            ReferenceQuantizers.Apply(quantizer, quantized);
            AssertClose(dequantized, quantized, bias, y, $"int8 {path} {(signed ? "signed" : "unsigned")} {rows}x{cols} sample {sample}", EpilogueTerms(int8.Product, int8.Constant, int8.PerSum, rowCodes, bias, rows, cols, 255));
        }
    }

    public static IEnumerable<object[]> ExtremeCases() =>
        from path in Enum.GetValues<Int8.Path>()
        from bits in new[] { 1, 2, 4, 5, 6, 7, 8 }
        select new object[] { path, bits };

    /// <summary>
    /// The largest codes times the extreme weights (-128, 127) over 512 columns, 16 chunks of 32: every 16-bit partial sum
    /// a path keeps (vpmaddubsw pairs, and the sums of several chunks that the AVX2 path adds before widening) at its
    /// bound. With product 1 and no other epilogue terms y is the integer dot product, exact in float (|dot| below 2^24).
    /// </summary>
    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void Int8_kernel_is_exact_at_the_largest_codes_and_weights(Int8.Path path, int bits)
    {
        if (!Int8.Supported(path))
        {
            return;
        }

        const int Rows = 6, Cols = 512;
        sbyte[] weightsOf = [-128, 127, -128, 1, 0, 127];
        var codes = new sbyte[Rows * Cols];
        for (int r = 0; r < Rows; r++)
        {
            codes.AsSpan(r * Cols, Cols).Fill(weightsOf[r]);
        }

        // Row 3 alternates -128 and 127 so its pairs cancel; every other row's pairs add up to the bound.
        for (int c = 0; c < Cols; c += 2)
        {
            codes[(3 * Cols) + c] = -128;
            codes[(3 * Cols) + c + 1] = 127;
        }

        sbyte[] blocks = MemoryMarshal.Cast<byte, sbyte>(WeightRepacking.Int8Blocks(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), Rows, Cols)).ToArray();
        float[] x = Enumerable.Repeat(5f, Cols).ToArray();
        var y = new float[Rows];
        float[] ones = Enumerable.Repeat(1f, Rows).ToArray(), zeros = new float[Rows];
        Int8.Dense(x, y, blocks, bits, 0f, 1f, ones, zeros, zeros, default, new float[Int8.ScratchFloats(Cols)], path);
        int code = (1 << bits) - 1;
        for (int r = 0; r < Rows; r++)
        {
            long expected = 0;
            for (int c = 0; c < Cols; c++)
            {
                expected += (long)codes[(r * Cols) + c] * code;
            }

            Assert.True(expected == (long)y[r], $"{path}, {bits}-bit codes, row {r}: {y[r]:R} against {expected}");
        }
    }

    public static IEnumerable<object[]> KBitCases() =>
        from path in Enum.GetValues<Int8.Path>()
        from bits in new[] { 1, 2, 3, 4, 5, 7, 8 }
        from shape in new[] { (1, 1), (17, 37), (5, 1300) }
        select new object[] { path, bits, shape.Item1, shape.Item2 };

    /// <summary>
    /// k-bit activations and weights of any width up to 8 bits (the generator stores uniform codes of any
    /// width in the signed bytes), with an epilogue built here in double as the generator bakes it:
    /// w = s (q_w - z), a = lo + d q_a with d = (hi - lo) / (2^k - 1).
    /// </summary>
    [Theory]
    [MemberData(nameof(KBitCases))]
    public void Int8_kernel_with_k_bit_activations_matches_the_reference(Int8.Path path, int bits, int rows, int cols)
    {
        if (!Int8.Supported(path))
        {
            return;
        }

        var random = new Random(Seed(bits, rows, cols));
        const float lo = -0.75f, hi = 2.25f;
        int stride = Int8.RowBytes(cols);
        var codes = new sbyte[rows * stride];
        var dequantized = new float[rows * cols];
        var product = new float[rows];
        var constant = new float[rows];
        var perSum = new float[rows];
        double d = ((double)hi - lo) / ((1 << bits) - 1);
        for (int r = 0; r < rows; r++)
        {
            int weightBits = 1 + (r % 8);
            int half = 1 << (weightBits - 1);
            double scale = 0.01 + 0.1 * random.NextDouble();
            int zeroPoint = random.Next(-half, half);
            long sum = 0;
            for (int c = 0; c < cols; c++)
            {
                int q = random.Next(-half, half);
                codes[(r * stride) + c] = (sbyte)q;
                dequantized[(r * cols) + c] = (float)(scale * (q - zeroPoint));
                sum += q;
            }

            product[r] = (float)(scale * d);
            constant[r] = (float)(scale * (((double)lo * sum) - ((double)zeroPoint * cols * lo)));
            perSum[r] = (float)(-scale * zeroPoint * d);
        }

        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        var scratch = new float[Int8.ScratchFloats(cols)];
        sbyte[] blocks = MemoryMarshal.Cast<byte, sbyte>(WeightRepacking.Int8Blocks(MemoryMarshal.AsBytes(codes.AsSpan()).ToArray(), rows, cols)).ToArray();
        for (int sample = 0; sample < 3; sample++)
        {
            float[] x = TestModels.RandomFloats(random, cols, -2f, 3f);
            if (sample == 2 && cols > 3)
            {
                x[0] = float.NaN;
                x[1] = float.NegativeInfinity;
                x[2] = float.PositiveInfinity;
            }

            var y = new float[rows];
            Int8.Dense(x, y, blocks, bits, lo, hi, product, constant, perSum, bias, scratch, path);
            var quantized = new float[cols];
            ActivationQuantizers.Uniform(x, quantized, bits, lo, hi);
            AssertClose(dequantized, quantized, bias, y, $"int8 {path} {bits}-bit input {rows}x{cols} sample {sample}", EpilogueTerms(product, constant, perSum, codes, bias, rows, cols, (1 << bits) - 1));
        }
    }

    public static IEnumerable<object[]> ManyCases() =>
        from path in Enum.GetValues<Int8.Path>()
        from shape in new[] { (1, 1, 4), (5, 37, 9), (17, 130, 5), (70, 64, 3), (400, 1300, 9) }
        from bits in new[] { 3, 8 }
        select new object[] { path, shape.Item1, shape.Item2, shape.Item3, bits };

    /// <summary>
    /// The batched integer kernel gives each input exactly what the single-input kernel gives it, on every path:
    /// groups of four inputs, the inputs past a multiple of four, rows past a multiple of four, and (400 x 1300)
    /// more than one block of rows kept in L2; NaN and infinities in the input, with and without a bias.
    /// </summary>
    [Theory]
    [MemberData(nameof(ManyCases))]
    public void Int8_batched_kernel_equals_the_single_input_kernel_bit_for_bit(Int8.Path path, int rows, int cols, int batch, int bits)
    {
        if (!Int8.Supported(path))
        {
            return;
        }

        var random = new Random(Seed(rows, cols, batch, bits));
        Weights weights = TestModels.Uniform(random, rows, cols, 8, signed: true, perRow: true, zeroPoints: true);
        const float lo = -1.25f, hi = 1.5f;
        Int8Weights int8 = WeightRepacking.Int8(weights.Uniform, rows, cols, bits, lo, hi);
        sbyte[] codes = MemoryMarshal.Cast<byte, sbyte>(int8.Codes).ToArray();
        float[] x = TestModels.RandomFloats(random, batch * cols, -2f, 2f);
        x[0] = float.NaN;
        x[x.Length - 1] = float.PositiveInfinity;
        x[x.Length / 2] = float.NegativeInfinity;
        foreach (float[] bias in new[] { TestModels.RandomFloats(random, rows, -0.5f, 0.5f), Array.Empty<float>() })
        {
            var many = new float[batch * rows];
            Int8.DenseMany(x, many, batch, codes, bits, lo, hi, int8.Product, int8.Constant, int8.PerSum, bias, new float[Int8.ManyScratchFloats(cols, batch)], path);
            for (int b = 0; b < batch; b++)
            {
                var one = new float[rows];
                Int8.Dense(x.AsSpan(b * cols, cols), one, codes, bits, lo, hi, int8.Product, int8.Constant, int8.PerSum, bias, new float[Int8.ScratchFloats(cols)], path);
                Assert.Equal(one, many.AsSpan(b * rows, rows).ToArray());
            }
        }
    }

    /// <summary>The integer kernel's layout: rows of 128 bytes (70 columns padded), blocks of four rows interleaved in
    /// runs of 32 bytes, so a pass over a block reads one stream; the rows that complete the last block are zero.</summary>
    [Fact]
    public void Int8_layout_interleaves_blocks_of_four_rows_in_32_byte_runs()
    {
        const int rows = 5, cols = 70, stride = 128;
        Assert.Equal(stride, Int8.RowBytes(cols));
        var rowMajor = new byte[rows * stride];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                rowMajor[(r * stride) + c] = (byte)(1 + (r * 3) + (c * 7));
            }
        }

        byte[] blocks = WeightRepacking.Int8Blocks(rowMajor, rows, cols);
        Assert.Equal(2 * 4 * stride, blocks.Length);
        Assert.Equal(Int8.WeightBytes(rows, cols), blocks.Length);
        for (int r = 0; r < 8; r++)
        {
            for (int c = 0; c < stride; c++)
            {
                int at = ((r / 4) * 4 * stride) + ((c / 32) * 128) + ((r % 4) * 32) + (c % 32);
                Assert.Equal(r < rows ? rowMajor[(r * stride) + c] : (byte)0, blocks[at]);
            }
        }
    }

    [Fact]
    public void Int8_rejects_activation_bits_outside_1_to_8()
    {
        var scratch = new float[Int8.ScratchFloats(4)];
        var weights = new sbyte[Int8.RowBytes(4)];
        float[] one = [1f];
        Assert.Throws<ArgumentOutOfRangeException>(() => Int8.Dense(new float[4], new float[1], weights, 0, 0f, 1f, one, one, one, default, scratch));
        Assert.Throws<ArgumentOutOfRangeException>(() => Int8.Dense(new float[4], new float[1], weights, 9, 0f, 1f, one, one, one, default, scratch));
    }

    public static IEnumerable<object[]> CodeLengths() =>
        from bits in Enumerable.Range(1, 8)
        from length in new[] { 1, 15, 16, 17, 64, 333 }
        select new object[] { bits, length };

    /// <summary>
    /// Int8.Code gives the codes ActivationQuantizers.Uniform gives, on random and edge inputs: the
    /// quantizer's value lo + q * range / n, recomputed from each code with the same float operations,
    /// must be bit for bit the quantizer's output (distinct codes give distinct values: a step is far above an ulp).
    /// </summary>
    [Theory]
    [MemberData(nameof(CodeLengths))]
    public void Int8_input_codes_are_the_uniform_quantizers_codes(int bits, int length)
    {
        var random = new Random(Seed(bits, length));
        foreach ((float lo, float hi) in new[] { (-2f, 2.5f), (0f, 1f), (-1.25f, 1.5f), (0.1f, 0.7f) })
        {
            float n = (1 << bits) - 1;
            float range = hi - lo;
            float[] x = TestModels.RandomFloats(random, length, lo - 1f, hi + 1f);
            // Edge values at the front (as many as fit): NaN, infinities, the ends, zeros, just inside and
            // outside the ends, and the midpoints between codes (ties go to the even code).
            var edges = new List<float> { float.NaN, float.PositiveInfinity, float.NegativeInfinity, lo, hi, 0f, -0f, float.MaxValue, float.MinValue,
                MathF.BitIncrement(lo), MathF.BitDecrement(lo), MathF.BitIncrement(hi), MathF.BitDecrement(hi) };
            for (int k = 0; k < Math.Min(n, 40); k++)
            {
                edges.Add(lo + ((k + 0.5f) * range / n));
            }

            for (int i = 0; i < Math.Min(length, edges.Count); i++)
            {
                x[(i * 7) % length] = edges[i];
            }

            var codes = new byte[Int8.RowBytes(length)];
            codes.AsSpan().Fill(0xAA);
            int sum = Int8.Code(x, bits, lo, hi, codes);
            var values = new float[length];
            ActivationQuantizers.Uniform(x, values, bits, lo, hi);
            for (int i = 0; i < length; i++)
            {
                Assert.True(codes[i] <= n, $"bits {bits} [{lo}, {hi}] x = {x[i]:R}: code {codes[i]} above {n}");
                float value = lo + (codes[i] * range / n);
                Assert.True(
                    BitConverter.SingleToInt32Bits(value) == BitConverter.SingleToInt32Bits(values[i]),
                    $"bits {bits} [{lo}, {hi}] x = {x[i]:R} on {KernelPaths.Current}: code {codes[i]} gives {value:R}, the quantizer {values[i]:R}");
            }

            Assert.Equal(codes.Take(length).Sum(c => c), sum);
            Assert.All(codes.Skip(length), c => Assert.Equal(0, c));
        }
    }

    [Fact]
    public void Activation_planes_hold_bit_j_of_each_code_and_zero_padding()
    {
        var random = new Random(3);
        int words = Xnor.RowWords(700);
        var codes = new byte[words * 64];
        for (int i = 0; i < 700; i++)
        {
            codes[i] = (byte)random.Next(0, 8);
        }

        var planes = new ulong[3 * words];
        Xnor.PackPlanes(codes, 3, words, planes);
        for (int j = 0; j < 3; j++)
        {
            for (int i = 0; i < words * 64; i++)
            {
                Assert.Equal((codes[i] >> j) & 1, (int)(planes[j * words + i / 64] >> (i % 64)) & 1);
            }
        }
    }

    private static Weights MakeWeights(string codec, Random random, int rows, int cols) => codec switch
    {
        "uniform1u" => TestModels.Uniform(random, rows, cols, 1, signed: false, perRow: false, zeroPoints: false),
        "uniform2s" => TestModels.Uniform(random, rows, cols, 2, signed: true, perRow: false, zeroPoints: false),
        "uniform3u-zp" => TestModels.Uniform(random, rows, cols, 3, signed: false, perRow: false, zeroPoints: true),
        "uniform4s-row-zp" => TestModels.Uniform(random, rows, cols, 4, signed: true, perRow: true, zeroPoints: true),
        "uniform8s-row" => TestModels.Uniform(random, rows, cols, 8, signed: true, perRow: true, zeroPoints: false),
        "uniform8u-zp" => TestModels.Uniform(random, rows, cols, 8, signed: false, perRow: true, zeroPoints: true),
        "multibinary1" => TestModels.MultiBinary(random, rows, cols, 1),
        "multibinary2" => TestModels.MultiBinary(random, rows, cols, 2),
        "multibinary3" => TestModels.MultiBinary(random, rows, cols, 3),
        "levels1" => TestModels.Levels(random, rows, cols, 1),
        "levels2" => TestModels.Levels(random, rows, cols, 2),
        _ => TestModels.Levels(random, rows, cols, 3),
    };

    /// <summary>A seed fixed by the case (HashCode is randomised per process, which made failures unrepeatable).</summary>
    private static int Seed(params int[] parts)
    {
        int seed = 17;
        foreach (int part in parts)
        {
            seed = unchecked((seed * 31) + part);
        }

        return seed;
    }

    /// <summary>Per row, a bound on |product * dot| + |constant| + |perSum * sum(q_a)| + |bias| over all inputs with codes up to <paramref name="maxCode"/>.</summary>
    private static double[] EpilogueTerms(float[] product, float[] constant, float[] perSum, sbyte[] codes, float[] bias, int rows, int cols, int maxCode)
    {
        int stride = Int8.RowBytes(cols);
        var terms = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            long codeMagnitude = 0;
            for (int c = 0; c < cols; c++)
            {
                codeMagnitude += Math.Abs((int)codes[(r * stride) + c]);
            }

            terms[r] = (Math.Abs((double)product[r]) * codeMagnitude * maxCode) + Math.Abs((double)constant[r])
                + (Math.Abs((double)perSum[r]) * maxCode * cols) + Math.Abs((double)bias[r]);
        }

        return terms;
    }

    /// <summary>
    /// Float sums in another order differ from the double sum by a few ulps of the largest partial sum:
    /// allowed 2e-6 * sum |w x| (about 16 ulps), plus 1e-6.
    /// </summary>
    private static void AssertClose(float[] w, float[] x, float[] bias, float[] y, string what, double[]? epilogueTerms = null)
    {
        int cols = x.Length;
        for (int r = 0; r < y.Length; r++)
        {
            double sum = bias[r], magnitude = Math.Abs(bias[r]);
            for (int c = 0; c < cols; c++)
            {
                sum += (double)w[r * cols + c] * x[c];
                magnitude += Math.Abs((double)w[r * cols + c] * x[c]);
            }

            // The int8 epilogue adds float terms that can be far larger than the result (zero points and the
            // activation offset cancel): each rounds to half an ulp of its own size, and the baked factors are
            // float-rounded too, so allow 8 half-ulps of the largest possible terms on top.
            double allowed = 2e-6 * magnitude + 1e-6 + (epilogueTerms is null ? 0 : 8 * Math.Pow(2, -24) * epilogueTerms[r]);
            Assert.True(Math.Abs(y[r] - sum) <= allowed, $"{what}, row {r} on {KernelPaths.Current}: kernel {y[r]:R}, reference {sum:R} (allowed {allowed:G3})");
        }
    }
}
