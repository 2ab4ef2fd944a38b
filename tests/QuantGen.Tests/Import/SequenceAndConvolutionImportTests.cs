using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>
/// Gather, LSTM, GRU, Conv and MaxPool as PyTorch 1.13 exports them: the trained CharLm (embedding, LSTM,
/// linear) against PyTorch's logits through generated code, and the make_sequence_fixtures.py models
/// (a GRU language model, a convolution and pooling network) through the reference interpreter.
/// </summary>
public sealed class SequenceAndConvolutionImportTests
{
    private static readonly string CharLmDirectory = Path.Combine(AppContext.BaseDirectory, "charlm");

    [Fact]
    public void The_CharLm_export_imports_to_the_weights_of_its_float_description()
    {
        Model imported = OnnxImporter.Import(Path.Combine(CharLmDirectory, "charlm.onnx"));
        Model written = DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(CharLmDirectory, "charlm-float.qgm.json")), "charlm-float.qgm.json");

        Assert.Equal("Embedding embed, Lstm lstm, Lstm lstm_2, Dense head", string.Join(", ", imported.Layers.Select(l => l.OpCase + " " + l.Name)));
        Assert.Equal(new[] { 1 }, imported.Inputs[0].Shape.ToArray());
        Assert.Equal(new[] { 63 }, imported.Outputs[0].Shape.ToArray());
        // The same layers and weights; the names differ (the description says lstm1 and lstm2).
        Assert.Equal(written.Layers.Select(Unnamed), imported.Layers.Select(Unnamed));
    }

    private static Layer Unnamed(Layer layer)
    {
        Layer copy = layer.Clone();
        copy.Name = "";
        return copy;
    }

    [Fact]
    public void Generated_float_code_of_the_imported_CharLm_gives_PyTorchs_logits()
    {
        Model imported = OnnxImporter.Import(Path.Combine(CharLmDirectory, "charlm.onnx"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(CharLmDirectory, "charlm-expected.json")));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        float[][] logits = expected.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        GeneratorRun run = GeneratorHarness.Run(
            [GeneratorHarness.Bindings([("ImportedCharLm", "imported-charlm.qgm.json")], "Tests.ImportedCharLm")],
            [new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/imported-charlm.qgm.json", TestModels.Json(imported))]);
        Assert.Empty(run.Result.Diagnostics);
        Assembly assembly = run.Load();
        var model = (IRecurrentQuantModel)Activator.CreateInstance(assembly.GetType("Tests.ImportedCharLm.ImportedCharLm")!)!;

        RecurrentState state = model.CreateState();
        var output = new float[model.OutputLength];
        Assert.Equal(48, tokens.Length);
        for (int t = 0; t < tokens.Length; t++)
        {
            model.Step(tokens[t], state, output);
            for (int i = 0; i < output.Length; i++)
            {
                Assert.True(Math.Abs(output[i] - logits[t][i]) <= 1e-4f, $"step {t}, logit {i}: generated {output[i]:R}, PyTorch {logits[t][i]:R}");
            }
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void An_exported_GRU_language_model_gives_PyTorchs_logits(int opset)
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("gru_lm", opset));
        Assert.Equal("Embedding embed, Gru gru, Dense head", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(OnnxFixtures.Directory, "gru_lm.expected.json")));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        float[][] logits = expected.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();

        var reference = new ReferenceInterpreter(model);
        ReferenceInterpreter.SequenceState state = reference.NewState();
        for (int t = 0; t < tokens.Length; t++)
        {
            float[] actual = reference.Step(tokens[t], state);
            Assert.Equal(logits[t].Length, actual.Length);
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - logits[t][i]) <= 1e-5f, $"opset {opset}, step {t}, logit {i}: {actual[i]:R} against PyTorch {logits[t][i]:R}");
            }
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void An_exported_convolution_and_pooling_network_gives_PyTorchs_outputs(int opset)
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("conv_pool", opset));
        Assert.Equal("Conv2D conv1, Relu Relu, MaxPool2D pool, Conv2D conv2, Flatten Flatten, Dense fc", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
        Assert.Equal((1, 0, 2, 0), (model.Layers[3].Conv2D.PaddingH, model.Layers[3].Conv2D.PaddingW, model.Layers[3].Conv2D.StrideH, model.Layers[2].MaxPool2D.PaddingH));
        (int[] sampleShape, float[][] inputs, float[][] outputs) = OnnxFixtures.Expected("conv_pool");
        Assert.Equal(sampleShape, model.Inputs[0].Shape.ToArray());
        var reference = new ReferenceInterpreter(model);
        for (int s = 0; s < inputs.Length; s++)
        {
            float[] actual = reference.Predict(inputs[s]);
            Assert.Equal(outputs[s].Length, actual.Length);
            for (int i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - outputs[s][i]) <= 1e-5f, $"opset {opset}, sample {s}, output {i}: {actual[i]:R} against PyTorch {outputs[s][i]:R}");
            }
        }
    }

    [Fact]
    public void The_former_unsupported_conv_fixture_now_imports()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("conv_relu", 13));
        Assert.Equal("Conv2D, Relu, Flatten, Dense", string.Join(", ", model.Layers.Select(l => l.OpCase)));
    }

    [Fact]
    public void A_token_input_without_recurrence_is_an_embedding_lookup_per_sample()
    {
        var builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", 7, -1);
        float[] table = Enumerable.Range(0, 20).Select(i => (i - 9) / 7f).ToArray();
        builder.Initializer("table", [5, 4], table);
        var gather = new NodeProto { OpType = "Gather", Name = "/embed/Gather" };
        gather.Input.Add(new[] { "table", "x" });
        gather.Output.Add("e");
        builder.Graph.Node.Insert(0, gather);
        builder.Gemm.Input[0] = "e";
        Model model = builder.Import();

        Assert.Equal("Embedding embed, Dense fc, Relu act", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
        Assert.Equal(new[] { 1 }, model.Inputs[0].Shape.ToArray());
        float[] w = Enumerable.Range(0, 12).Select(i => (i - 6) / 8f).ToArray();
        float[] b = [0.5f, -0.25f, 0.125f];
        float[] actual = new ReferenceInterpreter(model).Predict([3f]);
        for (int o = 0; o < 3; o++)
        {
            float expected = Math.Max(0f, b[o] + Enumerable.Range(0, 4).Sum(i => w[o * 4 + i] * table[3 * 4 + i]));
            Assert.True(Math.Abs(actual[o] - expected) <= 1e-6f, $"output {o}: {actual[o]:R} against {expected:R}");
        }
    }

    [Theory]
    [InlineData("gru_lm", "GRU", "linear_before_reset", 2L, "node \"/gru/GRU\" (GRU): linear_before_reset = 2 is not supported; it must be 1 (PyTorch) or 0 (the ONNX default)")]
    [InlineData("conv_pool", "Conv", "group", 2L, "node \"/conv1/Conv\" (Conv): W has the shape [4, 2, 3, 3]: with group = 2 it takes 4 channels but the data has 2")]
    [InlineData("conv_pool", "MaxPool", "ceil_mode", 1L, "node \"/pool/MaxPool\" (MaxPool): ceil_mode = 1 and storage_order = 0 are not supported")]
    public void Unsupported_attribute_values_name_the_node_and_operator(string fixture, string op, string attribute, long value, string message)
    {
        ModelProto file = Load(fixture);
        SetInt(file.Graph.Node.First(n => n.OpType == op), attribute, value);
        AssertFails(file, message);
    }

    [Fact]
    public void Other_recurrent_and_window_forms_are_refused_by_node_and_operator()
    {
        ModelProto file = Load("gru_lm");
        NodeProto gru = file.Graph.Node.First(n => n.OpType == "GRU");
        gru.Attribute.Add(new AttributeProto { Name = "direction", Type = 3, S = ByteString.CopyFromUtf8("reverse") });
        AssertFails(file, "node \"/gru/GRU\" (GRU): direction = \"reverse\" is not supported; only forward and bidirectional (as nn.GRU exports) are");

        // Bidirectional with one direction's weights: the shape check names the directions.
        file = Load("gru_lm");
        file.Graph.Node.First(n => n.OpType == "GRU").Attribute.Add(new AttributeProto { Name = "direction", Type = 3, S = ByteString.CopyFromUtf8("bidirectional") });
        AssertFails(file, "node \"/gru/GRU\" (GRU): W has the shape [1, ");

        file = Load("conv_pool");
        file.Graph.Node.First(n => n.OpType == "Conv").Attribute.First(a => a.Name == "dilations").Ints[0] = 2;
        AssertFails(file, "node \"/conv1/Conv\" (Conv): dilations = [2, 1] are not supported");

        file = Load("conv_pool");
        AttributeProto pads = file.Graph.Node.First(n => n.OpType == "Conv").Attribute.First(a => a.Name == "pads");
        pads.Ints[2] = 0;
        AssertFails(file, "node \"/conv1/Conv\" (Conv): pads = [1, 1, 0, 1] are not supported; they must be symmetric");

        file = Load("gru_lm");
        file.Graph.Node.First(n => n.OpType == "Transpose").Attribute.Single().Ints[0] = 0;
        AssertFails(file, "node \"/gru/Transpose\" (Transpose): perm = [0, 0, 2] is not supported");
    }

    [Fact]
    public void A_nonzero_initial_state_is_refused()
    {
        ModelProto file = Load("gru_lm");
        NodeProto expand = file.Graph.Node.First(n => n.OpType == "Expand");
        NodeProto zero = file.Graph.Node.First(n => n.Output.Contains(expand.Input[0]));
        TensorProto value = zero.Attribute.Single(a => a.Name == "value").T;
        byte[] raw = value.RawData.ToByteArray();
        BitConverter.GetBytes(0.5f).CopyTo(raw, 0);
        value.RawData = ByteString.CopyFrom(raw);
        AssertFails(file, "node \"/gru/GRU\" (GRU): input 5 (the initial state) is \"/gru/Expand_output_0\"; only a zero initial state");
    }

    private static ModelProto Load(string fixture) => ModelProto.Parser.ParseFrom(OnnxFixtures.Bytes(fixture, 13));

    private static void SetInt(NodeProto node, string name, long value)
    {
        AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (attribute is null)
        {
            node.Attribute.Add(attribute = new AttributeProto { Name = name, Type = 2 });
        }

        attribute.I = value;
    }

    private static void AssertFails(ModelProto file, string message)
    {
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream(file.ToByteArray()), "test.onnx"));
        Assert.StartsWith("test.onnx: " + message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
