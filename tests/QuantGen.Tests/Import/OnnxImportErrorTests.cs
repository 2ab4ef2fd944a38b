using System;
using System.IO;
using System.Linq;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>Every way an import fails: one <see cref="OnnxImportException"/> with one line saying where and what.</summary>
public sealed class OnnxImportErrorTests
{
    [Fact]
    public void The_builders_base_model_imports()
    {
        Model model = new OnnxGraphBuilder().Import();
        Assert.Equal("Dense fc, Relu act", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
    }

    [Fact]
    public void Layers_are_named_after_their_modules_uniquely_and_unnamed_nodes_give_unnamed_layers()
    {
        var builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Name = "/fc/Relu";
        builder.Append("Sigmoid", "/fc/Sigmoid");
        builder.Append("Tanh", "");
        builder.Append("Relu", "plain_name");
        Assert.Equal(new[] { "fc", "fc_2", "fc_3", "", "plain_name" }, builder.Import().Layers.Select(l => l.Name).ToArray());
    }

    [Fact]
    public void An_unnamed_unsupported_node_is_named_by_its_index_and_another_domain_by_its_domain()
    {
        var builder = new OnnxGraphBuilder();
        builder.Append("Elu", "");
        AssertFails(builder, "node #2 (Elu): the operator \"Elu\" is not supported (supported: Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, DequantizeLinear, Div, Dropout, Flatten, GRU, Gather, Gemm, GlobalAveragePool, Identity, LSTM, LeakyRelu, MatMul, MaxPool, Mul, QuantizeLinear, Relu, Reshape, Sigmoid, Softmax, Squeeze, Sub, Tanh, Transpose)");

        builder = new OnnxGraphBuilder();
        builder.Append("Relu", "custom").Domain = "com.example";
        AssertFails(builder, "node \"custom\" (Relu): the operator \"com.example.Relu\" is not supported");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(18)]
    public void Opsets_outside_11_to_17_are_refused(long opset)
    {
        AssertFails(new OnnxGraphBuilder(opset), $"opset {opset} is not supported; export with an opset from 11 to 17");
    }

    [Fact]
    public void Weights_that_are_not_float32_are_refused()
    {
        var builder = new OnnxGraphBuilder();
        TensorProto w = builder.InitializerNamed("W");
        w.DataType = 11; // DOUBLE
        w.RawData = Google.Protobuf.ByteString.CopyFrom(new byte[12 * 8]);
        AssertFails(builder, "initializer \"W\": its data type is DOUBLE; it must be FLOAT (float32)");
    }

    [Fact]
    public void Weights_with_the_wrong_byte_count_or_non_finite_values_are_refused()
    {
        var builder = new OnnxGraphBuilder();
        builder.InitializerNamed("W").RawData = Google.Protobuf.ByteString.CopyFrom(new byte[44]);
        AssertFails(builder, "initializer \"W\": raw_data holds 44 bytes but the shape [3, 4] needs 48");

        builder = new OnnxGraphBuilder();
        TensorProto b = builder.InitializerNamed("b");
        b.RawData = Google.Protobuf.ByteString.Empty;
        b.FloatData.Add(new[] { 1f, float.NaN, 2f });
        AssertFails(builder, "initializer \"b\": value 1 is NaN; the model's parameters must be finite");

        builder = new OnnxGraphBuilder();
        builder.InitializerNamed("W").DataLocation = 1;
        AssertFails(builder, "initializer \"W\": its values are stored in an external file");
    }

    [Fact]
    public void Unsupported_attribute_values_and_unknown_attributes_are_refused()
    {
        var builder = new OnnxGraphBuilder();
        builder.Gemm.Attribute.Add(new AttributeProto { Name = "transA", Type = 2, I = 1 });
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): transA = 1 is not supported");

        builder = new OnnxGraphBuilder();
        builder.Gemm.Attribute[0].I = 2;
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): transB = 2 is not supported: it must be 0 or 1");

        builder = new OnnxGraphBuilder();
        builder.Gemm.Attribute.Add(new AttributeProto { Name = "broadcast", Type = 2, I = 1 });
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): attribute \"broadcast\" is not supported (it takes alpha, beta, transA, transB)");

        builder = new OnnxGraphBuilder();
        builder.Gemm.Attribute[0] = new AttributeProto { Name = "transB", Type = 1, F = 1 };
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): attribute \"transB\" must be an integer (its type code is 1)");
    }

    [Fact]
    public void Shape_mismatches_are_refused()
    {
        var builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", OnnxGraphBuilder.FloatType, -1, 5);
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): B has the shape [3, 4] (transB = 1): it takes 4 features but A has 5");

        builder = new OnnxGraphBuilder();
        builder.Graph.Output[0] = OnnxGraphBuilder.Value("y", OnnxGraphBuilder.FloatType, -1, 4);
        AssertFails(builder, "the graph output \"y\" is declared as [?, 4] but the layers give [batch, 3]");

        builder = new OnnxGraphBuilder();
        builder.Initializer("b2", new long[] { 2 }, new[] { 1f, 2f });
        builder.Gemm.Input[2] = "b2";
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): C has the shape [2]; it must give one value per output feature ([3], [1, 3]) or a single value");
    }

    [Fact]
    public void A_model_must_have_one_input_and_one_output_of_float32()
    {
        var builder = new OnnxGraphBuilder();
        builder.Graph.Input.Add(OnnxGraphBuilder.Value("mask", OnnxGraphBuilder.FloatType, -1, 4));
        AssertFails(builder, "the graph has 2 inputs (\"x\", \"mask\"); QuantGen models have exactly one");

        builder = new OnnxGraphBuilder();
        builder.Graph.Output.Add(OnnxGraphBuilder.Value("h", OnnxGraphBuilder.FloatType, -1, 3));
        AssertFails(builder, "the graph has 2 outputs (\"y\", \"h\"); QuantGen models have exactly one");

        builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", 7, -1, 4);
        AssertFails(builder, "the graph input \"x\" holds INT64 values of the shape [batch, 4]; integers are token ids for an embedding, one per sample ([batch] or [batch, 1]); other inputs must be float32");

        builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", 7, -1, 1);
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): it reads the token ids of the graph input; only a Gather of an embedding table can");

        builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", 11, -1, 4);
        AssertFails(builder, "the graph input \"x\" has the element type DOUBLE; only float32 (or int64 token ids for an embedding) is supported");

        builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", OnnxGraphBuilder.FloatType, 4);
        AssertFails(builder, "the graph input \"x\" has 1 dimension(s); it must be [batch, features...] with the batch first");
    }

    [Fact]
    public void Initializers_listed_as_graph_inputs_are_not_counted_as_inputs()
    {
        // Files with IR version < 4 list every initializer among the graph's inputs.
        var builder = new OnnxGraphBuilder();
        builder.Graph.Input.Add(OnnxGraphBuilder.Value("W", OnnxGraphBuilder.FloatType, 3, 4));
        builder.Graph.Input.Add(OnnxGraphBuilder.Value("b", OnnxGraphBuilder.FloatType, 3));
        Assert.Equal(2, builder.Import().Layers.Count);
    }

    [Fact]
    public void Softmax_must_normalize_the_whole_sample_under_its_opsets_axis_semantics()
    {
        // On [batch, 1, 3], axis = 1 before opset 13 flattens dims 1.. (the whole sample): fine. From opset 13 it
        // normalizes along the axis of length 1 alone: three separate groups, which QuantGen cannot express.
        static OnnxGraphBuilder Build(long opset, long axis)
        {
            var builder = new OnnxGraphBuilder(opset);
            builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", OnnxGraphBuilder.FloatType, -1, 1, 3);
            builder.Graph.Output[0] = OnnxGraphBuilder.Value("y", OnnxGraphBuilder.FloatType, -1, 1, 3);
            builder.Graph.Node.Clear();
            builder.Node("Softmax", new[] { "x" }, "y", "/softmax/Softmax").Attribute.Add(new AttributeProto { Name = "axis", Type = 2, I = axis });
            return builder;
        }

        Assert.Single(Build(11, 1).Import().Layers);
        Assert.Single(Build(13, 2).Import().Layers);
        Assert.Single(Build(13, -1).Import().Layers);
        AssertFails(Build(13, 1), "node \"/softmax/Softmax\" (Softmax): axis = 1 (opset 13: along axis) on the shape [batch, 1, 3] normalizes parts of a sample separately");
        AssertFails(Build(17, 0), "node \"/softmax/Softmax\" (Softmax): axis = 0 normalizes across the batch");
    }

    [Fact]
    public void Add_is_a_bias_only_right_after_a_MatMul_and_MatMul_needs_one_row_per_sample()
    {
        var builder = new OnnxGraphBuilder();
        builder.Append("Add", "/extra/Add", "b");
        AssertFails(builder, "node \"/extra/Add\" (Add): Add of a constant is only supported right after a Conv, Gemm or MatMul (Identity or Dropout may sit between), where it folds into that layer's weights and bias");

        builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", OnnxGraphBuilder.FloatType, -1, 2, 3);
        builder.Graph.Node.Clear();
        builder.Graph.Output[0] = OnnxGraphBuilder.Value("y", OnnxGraphBuilder.FloatType, -1, 2, 4);
        builder.Initializer("M", new long[] { 3, 4 }, new float[12]);
        builder.Node("MatMul", new[] { "x", "M" }, "y", "/fc/MatMul");
        AssertFails(builder, "node \"/fc/MatMul\" (MatMul): the data has the shape [batch, 2, 3]: MatMul would apply the weights to each row of a sample separately");
    }

    [Fact]
    public void Reshape_must_keep_the_batch_first_and_takes_its_shape_from_a_Constant_node()
    {
        // The nodes are listed out of order on purpose: the walk follows the values, not the list.
        static OnnxGraphBuilder Build(params long[] target)
        {
            var builder = new OnnxGraphBuilder();
            builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", OnnxGraphBuilder.FloatType, -1, 2, 2);
            NodeProto constant = builder.Node("Constant", Array.Empty<string>(), "shape", "/Constant");
            var value = new TensorProto { DataType = 7 };
            value.Dims.Add(target.Length);
            value.Int64Data.Add(target);
            constant.Attribute.Add(new AttributeProto { Name = "value", Type = 4, T = value });
            builder.Gemm.Input[0] = "flat";
            builder.Node("Reshape", new[] { "x", "shape" }, "flat", "/Reshape");
            return builder;
        }

        Assert.Equal(3, Build(0, -1).Import().Layers.Count);
        Assert.Equal(3, Build(-1, 4).Import().Layers.Count);
        AssertFails(Build(-1), "node \"/Reshape\" (Reshape): the target shape [-1] for [batch, 2, 2] has no dimension for the batch");
        AssertFails(Build(2, -1), "node \"/Reshape\" (Reshape): the target shape [2, -1] for [batch, 2, 2]: the first dimension must stay the batch (0 or -1)");
        AssertFails(Build(-1, -1), "node \"/Reshape\" (Reshape): the target shape [-1, -1] for [batch, 2, 2] has more than one -1");
        AssertFails(Build(-1, 3), "node \"/Reshape\" (Reshape): the target shape [-1, 3] for [batch, 2, 2] does not hold one sample of 4 values per batch entry");
    }

    [Fact]
    public void Constant_nodes_may_give_plain_integer_lists_and_Dropouts_mask_must_be_unused()
    {
        var builder = new OnnxGraphBuilder();
        builder.Graph.Input[0] = OnnxGraphBuilder.Value("x", OnnxGraphBuilder.FloatType, 1, 2, 2);
        builder.Node("Constant", Array.Empty<string>(), "shape", "").Attribute.Add(new AttributeProto { Name = "value_ints", Type = 7, Ints = { 1, 4 } });
        builder.Node("Reshape", new[] { "x", "shape" }, "flat", "/Reshape");
        builder.Gemm.Input[0] = "flat";
        Assert.Equal(new[] { 2, 2 }, builder.Import().Inputs[0].Shape.ToArray());

        builder = new OnnxGraphBuilder();
        builder.Append("Dropout", "/drop/Dropout").Output.Add("mask");
        Assert.Equal(2, builder.Import().Layers.Count);
        builder.Graph.Output.Add(OnnxGraphBuilder.Value("mask", 9, -1, 3));
        AssertFails(builder, "the graph has 2 outputs");
        builder.Graph.Output.RemoveAt(1);
        builder.Append("Relu", "/act2/Relu");
        builder.Node("Sigmoid", new[] { "mask" }, "unused", "/side/Sigmoid");
        AssertFails(builder, "node \"/drop/Dropout\" (Dropout): its extra output \"mask\" is used; only the first output of a node may be");
    }

    [Fact]
    public void Graphs_whose_nodes_do_not_all_lead_from_the_input_to_the_output_are_refused()
    {
        // A branch may leave a value only to join again: a value that goes nowhere is an error.
        var builder = new OnnxGraphBuilder();
        builder.Node("Sigmoid", new[] { "h" }, "side", "/side/Sigmoid");
        AssertFails(builder, "node \"/side/Sigmoid\" (Sigmoid): its output \"side\" is read by no node and is not the graph output; every branch must lead to the output");

        builder = new OnnxGraphBuilder();
        builder.Gemm.Input[2] = "nothing";
        AssertFails(builder, "node \"/fc/Gemm\" (Gemm): its input \"nothing\" is not defined: no initializer, Constant or node gives it");

        builder = new OnnxGraphBuilder();
        builder.Append("Add", "/late/Add", "y2");
        builder.Node("Sigmoid", new[] { "b" }, "y2", "/side/Sigmoid");
        AssertFails(builder, "node \"/side/Sigmoid\" (Sigmoid): it reads no computed value, only constants; every node must lead from the graph input");

        builder = new OnnxGraphBuilder();
        builder.Graph.Output[0] = OnnxGraphBuilder.Value("z", OnnxGraphBuilder.FloatType, -1, 3);
        AssertFails(builder, "the graph does not lead from its input to its output: the value \"y\" feeds no node and is not the graph output \"z\"");

        builder = new OnnxGraphBuilder();
        builder.Graph.Node.Clear();
        builder.Node("Identity", new[] { "x" }, "y", "");
        builder.Graph.Output[0] = OnnxGraphBuilder.Value("y", OnnxGraphBuilder.FloatType, -1, 4);
        AssertFails(builder, "the graph has no layers between its input and its output");
    }

    [Fact]
    public void Missing_empty_and_non_ONNX_files_are_refused()
    {
        string missing = Path.Combine(Path.GetTempPath(), "quantgen-no-such-file.onnx");
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(missing));
        AssertOneLine(e, missing + ": cannot read the file:");

        e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream(), "empty.onnx"));
        AssertOneLine(e, "empty.onnx: the file imports the default ONNX operator set 0 times");

        byte[] json = System.Text.Encoding.UTF8.GetBytes("{\"schema\": \"quantgen.v1\"}");
        e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream(json), "model.qgm.json"));
        AssertOneLine(e, "model.qgm.json: not a readable ONNX file (corrupt or truncated):");
    }

    [Fact]
    public void Every_truncation_of_a_real_file_is_an_import_error()
    {
        byte[] bytes = OnnxFixtures.Bytes("mlp_gemm", 13);
        for (int length = 0; length < bytes.Length; length++)
        {
            var stream = new MemoryStream(bytes, 0, length);
            OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(stream, "cut.onnx"));
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void Random_byte_changes_give_a_valid_model_or_an_import_error_never_another_exception()
    {
        // Bytes anywhere in the file: lengths, tags, names, shapes, attribute values and weights.
        var random = new Random(20261122);
        int failures = 0;
        foreach (string fixture in new[] { "mlp_gemm", "linear3d", "reshape", "identity_dropout" })
        {
            byte[] original = OnnxFixtures.Bytes(fixture, 13);
            for (int trial = 0; trial < 600; trial++)
            {
                byte[] bytes = (byte[])original.Clone();
                int changes = 1 + random.Next(3);
                for (int c = 0; c < changes; c++)
                {
                    int at = random.Next(bytes.Length);
                    bytes[at] = random.Next(2) == 0 ? (byte)(bytes[at] ^ (1 << random.Next(8))) : (byte)random.Next(256);
                }

                try
                {
                    Model model = OnnxImporter.Import(new MemoryStream(bytes), "changed.onnx");
                    Assert.NotEmpty(model.Layers);
                }
                catch (OnnxImportException e)
                {
                    Assert.DoesNotContain('\n', e.Message);
                    Assert.StartsWith("changed.onnx: ", e.Message, StringComparison.Ordinal);
                    failures++;
                }
            }
        }

        Assert.InRange(failures, 100, 2399);
    }

    private static void AssertFails(OnnxGraphBuilder builder, string messageStart)
    {
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => builder.Import());
        AssertOneLine(e, "test.onnx: " + messageStart);
    }

    private static void AssertOneLine(OnnxImportException e, string messageStart)
    {
        Assert.StartsWith(messageStart, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
    }
}
