using System.Linq;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>
/// Graphs that branch, imported: the layers name what they read where it is not the layer before, a
/// BatchNormalization folds into its Conv only where the Conv's value has no other reader, and every
/// join that a description cannot hold is one error naming the node. (The PyTorch-made fixtures
/// residual_block, concat_branches and residual run against ONNX Runtime in OnnxRuntimeOracleTests.)
/// </summary>
public sealed class GraphImportTests
{
    [Fact]
    public void A_residual_add_names_both_inputs_and_a_layer_after_a_branch_names_its_source()
    {
        // x -> fc (Gemm) -> h -> act (Relu) -> v; y = Add(v, h): the skip reads fc's value.
        var builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Add", new[] { "v", "h" }, "y", "/skip/Add");
        Model model = builder.Import();
        Assert.Equal("Dense fc, Relu act, Add skip", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
        Assert.Empty(model.Layers[1].Inputs);
        Assert.Equal(new[] { "act", "fc" }, model.Layers[2].Inputs.ToArray());
    }

    [Fact]
    public void A_branch_that_reads_the_graph_input_names_it()
    {
        // y = Concat(Relu(fc(x)), Sigmoid(x)) along the features: [batch, 3 + 4].
        var builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Sigmoid", new[] { "x" }, "s", "/gate/Sigmoid");
        builder.Node("Concat", new[] { "v", "s" }, "y", "/cat/Concat").Attribute.Add(new AttributeProto { Name = "axis", Type = 2, I = 1 });
        builder.Graph.Output[0] = OnnxGraphBuilder.Value("y", OnnxGraphBuilder.FloatType, -1, 7);
        Model model = builder.Import();
        Assert.Equal(new[] { "x" }, model.Layers.Single(l => l.Name == "gate").Inputs.ToArray());
        Assert.Equal(new[] { "act", "gate" }, model.Layers.Single(l => l.Name == "cat").Inputs.ToArray());
        Assert.Equal(7, model.Outputs[0].Shape.Single());
    }

    [Fact]
    public void A_constant_op_does_not_fold_into_a_layer_whose_value_another_branch_reads()
    {
        // h = fc(x) feeds both Mul(h, 2) and the Add: folding the Mul into fc would change what the Add reads.
        var builder = new OnnxGraphBuilder();
        builder.Initializer("two", new long[] { 1 }, new[] { 2f });
        builder.NodeNamed("/act/Relu").Input[0] = "m";
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Mul", new[] { "h", "two" }, "m", "/scale/Mul");
        builder.Node("Add", new[] { "v", "h" }, "y", "/skip/Add");
        OnnxImportException e = Assert.Throws<OnnxImportException>(builder.Import);
        Assert.StartsWith("test.onnx: node \"/scale/Mul\" (Mul): Mul of a constant is only supported right after", e.Message);
    }

    [Fact]
    public void Joins_a_description_cannot_hold_are_refused_by_node()
    {
        var builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Add", new[] { "v", "x" }, "y", "/skip/Add");
        Assert.Equal("test.onnx: node \"/skip/Add\" (Add): it adds values of the shapes [batch, 3] and [batch, 4]; only values of one shape can be added (no broadcasting)",
            Assert.Throws<OnnxImportException>(builder.Import).Message);

        builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Mul", new[] { "v", "h" }, "y", "/gate/Mul");
        Assert.Equal("test.onnx: node \"/gate/Mul\" (Mul): it reads 2 computed values; only Add and Concat may join branches of the graph (every other input must be a constant)",
            Assert.Throws<OnnxImportException>(builder.Import).Message);

        builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Concat", new[] { "v", "h" }, "y", "/cat/Concat").Attribute.Add(new AttributeProto { Name = "axis", Type = 2, I = 0 });
        Assert.Equal("test.onnx: node \"/cat/Concat\" (Concat): axis = 0 is not supported; only the concatenation along axis 1 (the channels, or the features of [batch, features]) is",
            Assert.Throws<OnnxImportException>(builder.Import).Message);
    }

    [Fact]
    public void A_cycle_is_refused()
    {
        var builder = new OnnxGraphBuilder();
        builder.NodeNamed("/act/Relu").Input[0] = "s";
        builder.NodeNamed("/act/Relu").Output[0] = "v";
        builder.Node("Add", new[] { "h", "v" }, "s", "/loop/Add");
        builder.Node("Sigmoid", new[] { "v" }, "y", "/out/Sigmoid");
        Assert.Equal("test.onnx: node \"/act/Relu\" (Relu): the graph has a cycle through this node",
            Assert.Throws<OnnxImportException>(builder.Import).Message);
    }
}
