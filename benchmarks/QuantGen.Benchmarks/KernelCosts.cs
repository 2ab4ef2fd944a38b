using System;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Strategies;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Benchmarks;

/// <summary>
/// Calibrates the generator's cost model (generator/QuantGen.Generator/Strategies/Costs.cs): times each
/// strategy's kernel on the matrix shapes of the benchmark models (benchmarks/ModelSteps) by thread CPU time,
/// and prints, beside each time, the unit cost it implies (time over the unit the cost model counts) and the
/// constant the generator uses now. Run: dotnet run -c Release --project benchmarks/QuantGen.Benchmarks -- --costs
/// </summary>
internal static class KernelCosts
{
    /// <summary>The table of the instruction set this machine runs (what "CostModel now" shows).</summary>
    private static readonly CostModel Costs = KernelPaths.Current == "Vector512" ? CostModel.Avx512 : CostModel.Avx2;

    private static readonly (int Rows, int Cols)[] Shapes = [(1024, 64), (1024, 256), (768, 256), (63, 256), (128, 64), (64, 128), (10, 64)];

    public static string Run(int rounds)
    {
        // One untimed pass first: the first shape would otherwise be timed before the JIT has tiered the kernels up.
        Table(1);
        return Table(rounds);
    }

    private static string Table(int rounds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Thread CPU time per product, fastest of {rounds} rounds, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, kernel path {KernelPaths.Current}.");
        text.AppendLine();
        text.AppendLine("| shape | kernel | ns | unit | implied ns per unit | CostModel now |");
        text.AppendLine("|---|---|---:|---|---:|---:|");
        foreach ((int rows, int cols) in Shapes)
        {
            var random = new Random(rows * 7 + cols);
            float[] x = Random(random, cols);
            var y = new float[rows];
            float[] floats = Random(random, rows * cols);
            Row(text, rows, cols, "Float", CpuTimeTable.Measure(() => DenseKernels.Float(x, y, floats, default), rounds), "weight", (double)rows * cols, Costs.FloatPerWeight);

            Int8Weights int8 = WeightRepacking.Int8(Uniform(random, rows, cols, 8), rows, cols, 8, -1f, 1f);
            sbyte[] codes = MemoryMarshal.Cast<byte, sbyte>(int8.Codes).ToArray();
            var scratch = new float[Math.Max(ByteCodes.ScratchFloats(cols), Math.Max(PlaneLut.TableLength(cols), Xnor.ScratchFloats(cols, 3)))];
            double coding = CpuTimeTable.Measure(() => Int8.Code(x, 8, -1f, 1f, MemoryMarshal.AsBytes(scratch.AsSpan())), rounds);
            Row(text, rows, cols, "Int8 input coding", coding, "column", cols, Costs.Int8PerColumn);
            double dot = CpuTimeTable.Measure(() => Int8.Dense(x, y, codes, 8, -1f, 1f, int8.Product, int8.Constant, int8.PerSum, default, scratch), rounds);
            Row(text, rows, cols, "Int8, 8-bit input", dot, "row x 32 bytes, after coding", rows * (Int8.RowBytes(cols) / 32.0), Costs.Int8Per32BytesWide, coding);
            double dot4 = CpuTimeTable.Measure(() => Int8.Dense(x, y, codes, 4, -1f, 1f, int8.Product, int8.Constant, int8.PerSum, default, scratch), rounds);
            Row(text, rows, cols, "Int8, 4-bit input", dot4, "row x 32 bytes, after coding", rows * (Int8.RowBytes(cols) / 32.0), Costs.Int8Per32Bytes, coding);
            byte[] nibbles = WeightRepacking.Int8(Uniform(random, rows, cols, 4), rows, cols, 4, -1f, 1f, nibbles: true).Codes;
            double nibble4 = CpuTimeTable.Measure(() => Int8.DenseNibbles(x, y, nibbles, 4, -1f, 1f, int8.Product, int8.Constant, int8.PerSum, default, scratch), rounds);
            Row(text, rows, cols, "Int8 nibbles, 4-bit input", nibble4, "row x 64 columns, after coding", rows * (Int8.RowBytes(cols) / 64.0), Costs.Int4Per64Columns, coding);
            double nibble8 = CpuTimeTable.Measure(() => Int8.DenseNibbles(x, y, nibbles, 8, -1f, 1f, int8.Product, int8.Constant, int8.PerSum, default, scratch), rounds);
            Row(text, rows, cols, "Int8 nibbles, 8-bit input", nibble8, "row x 64 columns, after coding", rows * (Int8.RowBytes(cols) / 64.0), Costs.Int4Per64ColumnsWide, coding);

            ByteCodeRows bytes = WeightRepacking.ByteCodes(Uniform(random, rows, cols, 8), rows, cols);
            sbyte[] byteCodes = MemoryMarshal.Cast<byte, sbyte>(bytes.Codes).ToArray();
            float[] ones = Enumerable.Repeat(1f, rows).ToArray();
            double widened = CpuTimeTable.Measure(() => ByteCodes.Dense(x, y, byteCodes, ones, ones, default, scratch.AsSpan(0, ByteCodes.ScratchFloats(cols))), rounds);
            Row(text, rows, cols, "ByteCodes", widened, "row x 16 bytes", rows * (Int8.RowBytes(cols) / 16.0), Costs.BytePer16);

            double tables = CpuTimeTable.Measure(() => PlaneLut.PathTables(x, scratch.AsSpan(0, PlaneLut.TableLength(cols))), rounds);
            Row(text, rows, cols, "PlaneLut tables", tables, "4 columns", (cols + 3) / 4, Costs.LutPerTable);
            foreach (int planes in new[] { 2, 3, 4, 8 })
            {
                LutWeights lut = WeightRepacking.Lut(new Weights { Uniform = Uniform(random, rows, cols, planes) }, rows, cols);
                double t = CpuTimeTable.Measure(() => PlaneLut.Dense(x, y, lut.Bits, lut.Planes, lut.PlaneScales, lut.SumScales, default, scratch.AsSpan(0, PlaneLut.TableLength(cols))), rounds);
                Row(text, rows, cols, $"PlaneLut {planes} planes", t, "block x plane x group, after tables", (double)PlaneLut.Blocks(rows) * planes * PlaneLut.Groups(cols), Costs.LutPerBlockGroup, tables);
            }

            int words = Xnor.RowWords(cols);
            foreach (int bits in new[] { 2, 3 })
            {
                MultiBinaryCodec codec = Workload.MultiBinary(random, rows, cols, bits);
                ulong[] weights = MemoryMarshal.Cast<byte, ulong>(WeightRepacking.XnorPlanes(codec, rows, cols)).ToArray();
                float[] coefficients = WeightRepacking.XnorCoefficients(codec, rows);
                var activations = new ulong[bits * words];
                random.NextBytes(MemoryMarshal.AsBytes(activations.AsSpan()));
                for (int j = 0; j < bits; j++)
                {
                    // Padding bits are zero in real activation planes.
                    for (int c = cols; c < words * 64; c++)
                    {
                        activations[(j * words) + (c / 64)] &= ~(1UL << (c % 64));
                    }
                }

                float[] betas = Random(random, bits);
                double t = CpuTimeTable.Measure(() => Xnor.Multiply(activations, betas, cols, y, weights, bits, coefficients, default), rounds);
                // The per-group and per-pair terms, as the planner charges them, come off first.
                int groups = KernelGeometry.XnorGroups(rows);
                double fixedCost = groups * (Costs.XnorPerGroup + bits * bits * Costs.XnorPerGroupPair);
                Row(text, rows, cols, $"Xnor {bits}x{bits}", t, "group x pair x word", (double)groups * bits * bits * words, Costs.XnorPerGroupWordPair, fixedCost);

                // What a generated layer calls: the kernel compiled for these row words and weight planes.
                double compiled = CpuTimeTable.Measure(() => FixedXnor.Multiply(words, bits, activations, betas, cols, y, weights, coefficients), rounds);
                Row(text, rows, cols, $"Xnor {bits}x{bits}, compiled for the shape", compiled, "group x pair x word", (double)groups * bits * bits * words, Costs.XnorPerGroupWordPair, fixedCost);

                // The row-major layout (XnorRows), the same activation planes.
                byte[] rowPlanes = WeightRepacking.XnorRowPlanes(codec, rows, cols);
                float[] rowCoefficients = WeightRepacking.XnorRowCoefficients(codec, rows);
                double rowMajor = CpuTimeTable.Measure(() => Xnor.MultiplyRows(activations, betas, cols, y, rowPlanes, bits, rowCoefficients, default), rounds);
                int blocks = KernelGeometry.XnorRowsBlocks(rows);
                double rowFixed = blocks * (Costs.XnorRowsPerBlock + bits * bits * Costs.XnorRowsPerBlockPair);
                Row(text, rows, cols, $"XnorRows {bits}x{bits}", rowMajor, "block x pair x row byte", (double)blocks * bits * bits * 8 * words, Costs.XnorRowsPerBlockPairByte, rowFixed);
            }
        }

        Convolutions(text, rounds);
        return text.ToString();
    }

    /// <summary>The two batched convolution kernels on the digits CNN's 16 -> 32 convolution (8 x 8, 3 x 3, padding 1).</summary>
    private static void Convolutions(StringBuilder text, int rounds)
    {
        var random = new Random(16);
        var w = new Window(16, 8, 8, 3, 3, 1, 1, 1, 1);
        const int OutChannels = 32;
        int positions = w.OutHeight * w.OutWidth, k = w.Channels * 9;
        float[] x = Random(random, w.Channels * w.Height * w.Width).Select(Math.Abs).ToArray();
        var y = new float[OutChannels * positions];
        float[] blocked = WeightRepacking.ConvBlocked(Random(random, OutChannels * k), OutChannels, k);
        var floatScratch = new float[ConvolutionKernels.ScratchFloats(w)];
        double panels = (double)positions * k;
        double floatTime = CpuTimeTable.Measure(() => ConvolutionKernels.Float(x, y, w, blocked, default, floatScratch), rounds);
        Row(text, OutChannels, k, "Float convolution, 64 positions", floatTime, "weight x position, after panels", (double)positions * OutChannels * k, Costs.FloatBatchedPerWeight, panels * Costs.PanelPerValue);

        ByteCodeRows codes = WeightRepacking.ByteCodes(Uniform(random, OutChannels, k, 8), OutChannels, k);
        sbyte[] int8 = MemoryMarshal.Cast<byte, sbyte>(WeightRepacking.ConvInt8(codes.Codes, Int8.RowBytes(k), OutChannels, w.Channels, 3, 3)).ToArray();
        float[] product = Enumerable.Repeat(0.01f, OutChannels).ToArray();
        var intScratch = new float[ConvolutionKernels.Int8ScratchFloats(w)];
        double mapValues = w.Channels * w.Height * w.Width;
        double intTime = CpuTimeTable.Measure(() => ConvolutionKernels.Integer(x, y, w, int8, 8, 1f, product, default, intScratch), rounds);
        Row(text, OutChannels, k, "Int8Conv, 8-bit input, 64 positions", intTime, "padded weight byte x position, after coding", (double)positions * int8.Length, Costs.Int8ConvPerWeightWide, mapValues * Costs.Int8ConvPerValue);
        double intTime4 = CpuTimeTable.Measure(() => ConvolutionKernels.Integer(x, y, w, int8, 4, 1f, product, default, intScratch), rounds);
        Row(text, OutChannels, k, "Int8Conv, 4-bit input, 64 positions", intTime4, "padded weight byte x position, after coding", (double)positions * int8.Length, Costs.Int8ConvPerWeight, mapValues * Costs.Int8ConvPerValue);

        // The xor/popcount convolution at 2 x 2 and 3 x 3 planes; the coding (which the float convolution's quantizer pays
        // as well) and the bit words (XnorConvPerValue) come off before the per-unit figure.
        foreach (int bits in new[] { 2, 3 })
        {
            MultiBinaryCodec codec = Workload.MultiBinary(random, OutChannels, k, bits);
            byte[] planes = WeightRepacking.ConvXnorPlanes(codec, OutChannels, w.Channels, 9);
            float[] coefficients = codec.Coefficients.ToArray();
            var xnorScratch = new float[ConvolutionKernels.XnorScratchFloats(w, bits)];
            var alphas = new float[bits];
            var reconstruction = new float[x.Length];
            double coded = CpuTimeTable.Measure(() => AlternatingQuantizer.Quantize(x, bits, 2, alphas, reconstruction, default), rounds);
            double xnorTime = CpuTimeTable.Measure(() => ConvolutionKernels.Xnor(x, y, w, planes, bits, coefficients, default, bits, 2, xnorScratch), rounds);
            long units = (long)KernelGeometry.ConvXnorPaddedPositions(positions, w.Channels) * OutChannels * bits * bits * 9 * KernelGeometry.ConvXnorChunks(w.Channels);
            Row(text, OutChannels, k, $"XnorConv {bits}x{bits}, 64 positions", xnorTime, "padded position x plane pair x step x channel, after coding and words", units,
                bits <= Costs.XnorConvPairsUpTo ? Costs.XnorConvPerUnit : Costs.XnorConvPerUnitWide, coded + (mapValues * Costs.XnorConvPerValue));
        }
    }

    private static void Row(StringBuilder text, int rows, int cols, string kernel, double ns, string unit, double units, double constant, double before = 0) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"| {rows}x{cols} | {kernel} | {ns:0} | {unit} | {(ns - before) / units:0.000} | {constant:0.000} |");

    private static float[] Random(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private static UniformCodec Uniform(Random random, int rows, int cols, int bits) => Workload.Uniform(random, rows, cols, bits);
}

/// <summary>
/// <c>Xnor.Multiply</c> with the row words and weight planes as the generator names them (<c>Fixed1</c> .. <c>Fixed4</c>,
/// <c>FixedNone</c> above), for the shapes and plane counts these benchmarks time.
/// </summary>
internal static class FixedXnor
{
    public static void Multiply(int words, int bits, ulong[] activations, float[] betas, int cols, float[] y, ulong[] weights, float[] coefficients)
    {
        switch (words)
        {
            case 1: WithBits<Fixed1>(bits, activations, betas, cols, y, weights, coefficients); break;
            case 2: WithBits<Fixed2>(bits, activations, betas, cols, y, weights, coefficients); break;
            case 3: WithBits<Fixed3>(bits, activations, betas, cols, y, weights, coefficients); break;
            case 4: WithBits<Fixed4>(bits, activations, betas, cols, y, weights, coefficients); break;
            default: WithBits<FixedNone>(bits, activations, betas, cols, y, weights, coefficients); break;
        }
    }

    private static void WithBits<TWords>(int bits, ulong[] activations, float[] betas, int cols, float[] y, ulong[] weights, float[] coefficients)
        where TWords : struct, IFixedCount
    {
        switch (bits)
        {
            case 2: Xnor.Multiply<TWords, Fixed2>(activations, betas, cols, y, weights, bits, coefficients, default); break;
            case 3: Xnor.Multiply<TWords, Fixed3>(activations, betas, cols, y, weights, bits, coefficients, default); break;
            default: Xnor.Multiply<TWords, FixedNone>(activations, betas, cols, y, weights, bits, coefficients, default); break;
        }
    }
}
