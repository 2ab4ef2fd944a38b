using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>Golden files of the generated code for small descriptions, one file per hint name.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Tiny_example_from_the_docs() =>
        VerifyAll(nameof(Tiny_example_from_the_docs), File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json")), "Tiny", "App.Models");

    /// <summary>A batch runs up to 16 inputs at a time: the float head in one batched call, the 4-bit layer and tanh per input.</summary>
    [Fact]
    public void Float_layers_take_a_batch_sixteen_inputs_at_a_time() =>
        VerifyAll(nameof(Float_layers_take_a_batch_sixteen_inputs_at_a_time), TestModels.Json(TestModels.TwoLayer("batched", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), _ => null, 12)), "Batched", "App.Models");

    /// <summary>An 8-bit layer with an 8-bit uniform input takes the tile in one integer call (Int8.DenseMany, the tile's
    /// codes in ct), as the float head does.</summary>
    [Fact]
    public void Integer_layers_take_a_batch_sixteen_inputs_at_a_time()
    {
        var random = new Random(13);
        var model = new Model { Schema = "quantgen.v1", Name = "batched-int8", Doc = "8-bit weights over an 8-bit input, ReLU, float head" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 128 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 3 } });
        var integer = new Layer { Name = "integer", InputQuantizer = TestModels.UniformActivation(8, -1f, 1f), Dense = new Dense { InFeatures = 128, OutFeatures = 96, Weights = TestModels.Uniform(random, 96, 128, 8, signed: true, perRow: true, zeroPoints: false) } };
        integer.Dense.Bias.Add(TestModels.RandomFloats(random, 96, -0.5f, 0.5f));
        model.Layers.Add(integer);
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        model.Layers.Add(new Layer { Name = "head", Dense = new Dense { InFeatures = 96, OutFeatures = 3, Weights = TestModels.Float(random, 3, 96) } });
        VerifyAll(nameof(Integer_layers_take_a_batch_sixteen_inputs_at_a_time), TestModels.Json(model), "BatchedInt8", "App.Models");
    }

    [Fact]
    public void Multi_binary_weights_with_online_codes_and_log_quant()
    {
        var random = new Random(2);
        var model = new Model { Schema = "quantgen.v1", Name = "mb", Doc = "MultiBinary 2-bit weights, online 2-bit activations; LogQuant before a float head" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 8 } });
        model.Outputs.Add(new TensorInfo { Name = "p", Shape = { 3 } });
        model.Layers.Add(new Layer { Name = "binary", InputQuantizer = TestModels.Online(2, 2), Dense = new Dense { InFeatures = 8, OutFeatures = 4, Weights = TestModels.MultiBinary(random, 4, 8, 2) } });
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        model.Layers.Add(new Layer { Name = "head", InputQuantizer = TestModels.LogQuant(3, -16, 4), Dense = new Dense { InFeatures = 4, OutFeatures = 3, Weights = TestModels.Levels(random, 3, 4, 2), Bias = { 0.5f, -0.25f, 0f } } });
        model.Layers.Add(new Layer { Name = "softmax", Softmax = new Softmax() });
        VerifyAll(nameof(Multi_binary_weights_with_online_codes_and_log_quant), TestModels.Json(model), "BinaryNet", "App.Models");
    }

    [Fact]
    public void Large_layers_use_a_per_thread_buffer_and_nested_classes_keep_their_parents()
    {
        var random = new Random(4);
        var model = new Model { Schema = "quantgen.v1", Name = "wide" };
        model.Inputs.Add(new TensorInfo { Name = "grid", Shape = { 2, 3 } });
        model.Outputs.Add(new TensorInfo { Name = "score", Shape = { 1 } });
        model.Layers.Add(new Layer { Name = "flatten", Flatten = new Flatten() });
        model.Layers.Add(new Layer { Name = "wide", Dense = new Dense { InFeatures = 6, OutFeatures = 9000, Weights = TestModels.Uniform(random, 9000, 6, 1, signed: false, perRow: false, zeroPoints: true) } });
        model.Layers.Add(new Layer { Name = "sigmoid", Sigmoid = new Sigmoid() });
        model.Layers.Add(new Layer { Name = "narrow", InputQuantizer = TestModels.UniformActivation(1, 0f, 1f), Dense = new Dense { InFeatures = 9000, OutFeatures = 1, Weights = TestModels.Uniform(random, 1, 9000, 2, signed: true, perRow: true, zeroPoints: false) } });
        VerifyAll(nameof(Large_layers_use_a_per_thread_buffer_and_nested_classes_keep_their_parents), TestModels.Json(model), "Outer.Wide", null);
    }

    [Fact]
    public void Recurrent_model_with_integer_and_xor_popcount_kernels() =>
        VerifyAll(nameof(Recurrent_model_with_integer_and_xor_popcount_kernels), TestModels.Json(RecurrentLm()), "CharModel", "App.Models");

    /// <summary>Embedding -> LSTM with 4-bit weights and activations -> GRU with alternating 2-bit weights and online codes -> float head.</summary>
    internal static Model RecurrentLm()
    {
        var random = new Random(6);
        var model = new Model { Schema = "quantgen.v1", Name = "lm", Doc = "Embedding -> LSTM (4-bit weights and activations) -> GRU (alternating 2-bit) -> Dense" };
        model.Inputs.Add(new TensorInfo { Name = "token", Shape = { 1 } });
        model.Outputs.Add(new TensorInfo { Name = "logits", Shape = { 5 } });
        model.Layers.Add(new Layer { Name = "embed", Embedding = new Embedding { NumEmbeddings = 5, EmbeddingDim = 4, Weights = TestModels.Uniform(random, 5, 4, 4, signed: true, perRow: true, zeroPoints: false) } });
        Layer lstm = Recurrent.RecurrentTestModels.Lstm(random, (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), 4, 3);
        lstm.InputQuantizer = TestModels.UniformActivation(4, -1f, 1f);
        lstm.Lstm.Options.RecurrentQuantizer = TestModels.UniformActivation(4, -1f, 1f);
        model.Layers.Add(lstm);
        Layer gru = Recurrent.RecurrentTestModels.Gru(random, (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, 2), 3, 3);
        gru.InputQuantizer = TestModels.Online(2, 2);
        gru.Gru.Options.RecurrentQuantizer = TestModels.Online(2, 2);
        model.Layers.Add(gru);
        model.Layers.Add(new Layer { Name = "head", Dense = new Dense { InFeatures = 3, OutFeatures = 5, Weights = TestModels.Float(random, 5, 3) } });
        return model;
    }

    /// <summary>The alternating 2-bit LSTM stack built for AVX2: its gate and head products take the row-major xor/popcount
    /// kernel (Xnor.DenseRows), the shared codes of each h included (<see cref="Planning.RowMajorXnorTests"/>).</summary>
    [Fact]
    public void Recurrent_model_with_the_row_major_xor_popcount_kernel() =>
        VerifyAll(nameof(Recurrent_model_with_the_row_major_xor_popcount_kernel), TestModels.Json(Recurrent.RecurrentTestModels.AlternatingStack("lm-rows", lstm: true, 2, seed: 19)), "StackRows", "App.Models", target: "Avx2");

    /// <summary>Embedding -> bidirectional GRU (4-bit weights, 4-bit input) -> float head: the sequence-only API, one method per layer.</summary>
    [Fact]
    public void Bidirectional_model_runs_whole_sequences_layer_by_layer() =>
        VerifyAll(nameof(Bidirectional_model_runs_whole_sequences_layer_by_layer), TestModels.Json(Recurrent.CompiledSequenceModels.Bidirectional(
            "tagger", lstm: false, (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), _ => TestModels.UniformActivation(4, -1f, 1f), seed: 8)), "Tagger", "App.Models");

    /// <summary>Conv2d (2-bit weights, 2-bit input, stride 1, padding 1) -> ReLU -> MaxPool2d -> Flatten -> float head.</summary>
    internal static Model Convolution() =>
        Recurrent.RecurrentTestModels.Convolution(
            "cnn", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 2, signed: true, perRow: true, zeroPoints: false), TestModels.UniformActivation(2, 0f, 1f), stride: 1, padding: 1, poolPadding: 0, seed: 7);

    [Fact]
    public void Convolution_with_quantized_weights_and_input() =>
        VerifyAll(nameof(Convolution_with_quantized_weights_and_input), TestModels.Json(Convolution()), "Cnn", "App.Models");

    /// <summary>Conv2d over 6 channels into 20 (4-bit weights, 8-bit input on [0, 2]): the integer convolution.</summary>
    internal static Model IntegerConvolution() =>
        Recurrent.RecurrentTestModels.Convolution(
            "cnn-int8", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), TestModels.UniformActivation(8, 0f, 2f), stride: 1, padding: 1, poolPadding: 0, seed: 11, channels: 6, outChannels: 20);

    /// <summary>Planned for Avx512: its 6 channels in 8-bit codes cost more than the float convolution on AVX2 without
    /// VNNI, so the default (Portable) plan takes the float one (<see cref="Planning.TargetChoiceTests"/>).</summary>
    [Fact]
    public void Convolution_with_the_integer_kernel() =>
        VerifyAll(nameof(Convolution_with_the_integer_kernel), TestModels.Json(IntegerConvolution()), "CnnInt8", "App.Models", target: "Avx512");

    internal static Model XnorConvolution() =>
        Recurrent.RecurrentTestModels.Convolution(
            "cnn-xnor", (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, 2), TestModels.Online(2, 2), stride: 1, padding: 1, poolPadding: 0, seed: 12, channels: 16, outChannels: 12);

    [Fact]
    public void Convolution_with_the_xor_popcount_kernel() =>
        VerifyAll(nameof(Convolution_with_the_xor_popcount_kernel), TestModels.Json(XnorConvolution()), "CnnXnor", "App.Models");

    /// <summary>Generates, checks the code compiles without warnings, and compares each file with its snapshot.</summary>
    internal static void VerifyAll(string test, string json, string className, string? ns, string? target = null)
    {
        string[] names = className.Split('.');
        string declaration = names.Length == 1
            ? $"[global::QuantGen.QuantModel(\"model.qgm.json\")] public partial class {names[0]};"
            : $"public static partial class {names[0]} {{ [global::QuantGen.QuantModel(\"model.qgm.json\")] public partial class {names[1]}; }}";
        string source = (ns is null ? "" : $"namespace {ns};\n") + declaration + "\n";
        GeneratorRun run = GeneratorHarness.Run([(GeneratorHarness.SourceDirectory + "/Model.cs", source)], [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/model.qgm.json", json)], target);
        Assert.Empty(run.AllDiagnostics);
        IReadOnlyDictionary<string, string> sources = run.Sources;
        Assert.Equal(3, sources.Count);
        foreach ((string hint, string text) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            Snapshot.Verify(test, hint, text);
        }
    }
}
