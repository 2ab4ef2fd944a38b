using System;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Threads;

/// <summary>
/// [QuantModel(path, Threads = N)]: a large fully connected layer's rows run in parts on several threads, each part
/// the same kernel over its rows' slice of the tensors, so the results equal the single-threaded call's exactly.
/// </summary>
public sealed class RowSplitTests
{
    [Theory]
    [InlineData(300, 70, 2)]
    [InlineData(300, 70, 3)]
    [InlineData(17, 5, 2)]
    [InlineData(40, 33, 8)]
    public void Split_float_and_integer_products_equal_the_single_call(int rows, int cols, int threads)
    {
        var random = new Random(rows * 31 + cols);
        float[] x = TestModels.RandomFloats(random, cols, -1f, 2f);
        float[] weights = TestModels.RandomFloats(random, rows * cols, -1f, 1f);
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        var single = new float[rows];
        var split = new float[rows];
        DenseKernels.Float(x, single, weights, bias);
        RowSplit.Run(x, split, threads, 0, (rx, ry, first, _) => DenseKernels.Float(rx, ry, weights.AsSpan(first * cols, ry.Length * cols), bias.AsSpan(first, ry.Length)));
        Assert.Equal(single, split);

        Int8Weights int8 = WeightRepacking.Int8(TestModels.Uniform(random, rows, cols, 8, signed: true, perRow: true, zeroPoints: false).Uniform, rows, cols, 8, 0f, 2f);
        sbyte[] codes = MemoryMarshal.Cast<byte, sbyte>(int8.Codes).ToArray();
        int stride = Int8.RowBytes(cols), scratch = Int8.ScratchFloats(cols);
        Int8.Dense(x, single, codes, 8, 0f, 2f, int8.Product, int8.Constant, int8.PerSum, bias, new float[scratch]);
        RowSplit.Run(x, split, threads, scratch, (rx, ry, first, s) => Int8.Dense(
            rx, ry, codes.AsSpan(first * stride), 8, 0f, 2f,
            int8.Product.AsSpan(first, ry.Length), int8.Constant.AsSpan(first, ry.Length), int8.PerSum.AsSpan(first, ry.Length), bias.AsSpan(first, ry.Length), s));
        Assert.Equal(single, split);

        // 4-bit codes two per byte: a part's rows start at first x the nibble layout's row bytes (parts are whole blocks).
        Int8Weights int4 = WeightRepacking.Int8(TestModels.Uniform(random, rows, cols, 4, signed: true, perRow: true, zeroPoints: false).Uniform, rows, cols, 4, 0f, 2f, nibbles: true);
        int nibbleStride = Int8.NibbleRowBytes(cols);
        Int8.DenseNibbles(x, single, int4.Codes, 4, 0f, 2f, int4.Product, int4.Constant, int4.PerSum, bias, new float[scratch]);
        RowSplit.Run(x, split, threads, scratch, (rx, ry, first, s) => Int8.DenseNibbles(
            rx, ry, int4.Codes.AsSpan(first * nibbleStride), 4, 0f, 2f,
            int4.Product.AsSpan(first, ry.Length), int4.Constant.AsSpan(first, ry.Length), int4.PerSum.AsSpan(first, ry.Length), bias.AsSpan(first, ry.Length), s));
        Assert.Equal(single, split);
    }

    [Fact]
    public void Parts_cover_the_rows_in_aligned_ranges()
    {
        foreach (int rows in new[] { 15, 16, 33, 1000, 4096 })
        {
            foreach (int threads in new[] { 1, 2, 3, 7 })
            {
                int parts = RowSplit.Parts(rows, threads);
                Assert.InRange(parts, 1, threads);
                Assert.Equal(0, RowSplit.First(rows, parts, 0));
                Assert.Equal(rows, RowSplit.First(rows, parts, parts));
                for (int p = 1; p < parts; p++)
                {
                    int first = RowSplit.First(rows, parts, p);
                    Assert.Equal(0, first % RowSplit.Alignment);
                    Assert.True(first > RowSplit.First(rows, parts, p - 1), $"{rows} rows, {parts} parts: part {p} is empty");
                }
            }
        }
    }

    /// <summary>8-bit codes one per byte (the portable plan); 4-bit codes two per byte (the Avx2 plan's nibble layout,
    /// twice the rows for the same 1 MB).</summary>
    [Theory]
    [InlineData(8, null, "Int8.Dense(")]
    [InlineData(4, "Avx2", "Int8.DenseNibbles(")]
    public void A_model_with_threads_splits_its_large_layers_and_gives_the_same_outputs(int bits, string? target, string integerCall)
    {
        string json = TestModels.Json(Wide(bits));
        var files = new[] { new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/models/wide.qgm.json", json) };
        string source = "namespace Tests.Split;\n"
            + "[global::QuantGen.QuantModel(\"models/wide.qgm.json\", Threads = 2)] public partial class Split;\n"
            + "[global::QuantGen.QuantModel(\"models/wide.qgm.json\")] public partial class Single;\n";
        GeneratorRun run = GeneratorHarness.Run([(GeneratorHarness.SourceDirectory + "/Models.cs", source)], files, target);
        Assert.Empty(run.Result.Diagnostics);
        string split = run.Sources.Single(s => s.Key.Contains("Split.Kernels")).Value;
        string single = run.Sources.Single(s => s.Key.Contains("Single.Kernels")).Value;
        // Both large layers (float32 512 x 512, 1 MB; the integer one, 1 MB) split; the small head does not.
        Assert.Contains(integerCall, split);
        Assert.Equal(2, Count(split, "RowSplit.Run("));
        Assert.Contains("rows split across 2 threads", split);
        Assert.Equal(0, Count(single, "RowSplit"));

        Assembly assembly = Assembly.Load(QuantGen.InMemory.InMemoryGenerator.Emit(run.Output));
        var splitModel = (IQuantModel)Activator.CreateInstance(assembly.GetType("Tests.Split.Split")!)!;
        var singleModel = (IQuantModel)Activator.CreateInstance(assembly.GetType("Tests.Split.Single")!)!;
        var random = new Random(5);
        for (int sample = 0; sample < 4; sample++)
        {
            float[] x = TestModels.RandomFloats(random, 512, -1f, 1f);
            var a = new float[splitModel.OutputLength];
            var b = new float[singleModel.OutputLength];
            splitModel.Predict(x, a);
            singleModel.Predict(x, b);
            Assert.Equal(b, a);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Threads_outside_1_to_64_is_an_error_at_the_attribute(int threads)
    {
        var files = new[] { new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/models/small.qgm.json", TestModels.Json(TestModels.TwoLayer("small", (r, rows, cols) => TestModels.Float(r, rows, cols), _ => null, 3))) };
        string source = $"namespace Tests.Split;\n[global::QuantGen.QuantModel(\"models/small.qgm.json\", Threads = {threads})] public partial class Small;\n";
        GeneratorRun run = GeneratorHarness.Run([(GeneratorHarness.SourceDirectory + "/Models.cs", source)], files);
        Diagnostic error = Assert.Single(run.Result.Diagnostics);
        Assert.Equal("QG0013", error.Id);
        Assert.Contains($"Threads = {threads}", error.GetMessage());
    }

    /// <summary>512 -> float32 512 x 512 -> ReLU -> integer 2048 x 512 (8-bit codes and input) or 4096 x 512 (4-bit) -> float32 10 x rows.</summary>
    private static Model Wide(int bits)
    {
        int rows = bits == 8 ? 2048 : 4096;
        var random = new Random(9);
        var model = new Model { Schema = "quantgen.v1", Name = "wide" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 512 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 10 } });
        model.Layers.Add(new Layer { Name = "fc1", Dense = Dense(512, 512, TestModels.Float(random, 512, 512), random) });
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        model.Layers.Add(new Layer { Name = "fc2", InputQuantizer = TestModels.UniformActivation(bits, 0f, 4f), Dense = Dense(512, rows, TestModels.Uniform(random, rows, 512, bits, signed: true, perRow: true, zeroPoints: false), random) });
        model.Layers.Add(new Layer { Name = "head", Dense = Dense(rows, 10, TestModels.Float(random, 10, rows), random) });
        return model;
    }

    private static Dense Dense(int inputs, int outputs, Weights weights, Random random)
    {
        var dense = new Dense { InFeatures = inputs, OutFeatures = outputs, Weights = weights };
        dense.Bias.AddRange(TestModels.RandomFloats(random, outputs, -0.1f, 0.1f));
        return dense;
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "").Length) / what.Length;
}
