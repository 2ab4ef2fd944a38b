using System.IO;
using System.Linq;
using QuantGen.Import;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>
/// What make_cnn_fixtures.py's exports become: BatchNormalization, Add/Sub/Mul/Div of constants folded into
/// the layer before, grouped and depthwise convolutions as full ones, PyTorch's computed flatten shape as a
/// flatten (OnnxRuntimeOracleTests checks the outputs against ONNX Runtime).
/// </summary>
public sealed class LayerFoldImportTests
{
    [Fact]
    public void The_CNN_patterns_become_three_convolutions_a_flatten_and_a_dense_layer()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("cnn_patterns", 13));
        Assert.Equal("Conv2D conv1, Relu Relu, Conv2D dw, Conv2D grouped, Flatten Reshape, Dense fc", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
        Conv2d depthwise = model.Layers[2].Conv2D, grouped = model.Layers[3].Conv2D;
        Assert.Equal((8, 8, 6, 8), (depthwise.InChannels, depthwise.OutChannels, grouped.OutChannels, grouped.InChannels));

        // Depthwise: output channel o reads input channel o only; grouped (2 groups): outputs 0-2 read inputs 0-3.
        float[] w = depthwise.Weights.Float32.Values.ToArray();
        Assert.All(Enumerable.Range(0, 8), o => Assert.All(Enumerable.Range(0, 8).Where(i => i != o), i => Assert.All(w.Skip((o * 8 + i) * 9).Take(9), v => Assert.Equal(0f, v))));
        float[] g = grouped.Weights.Float32.Values.ToArray();
        Assert.All(g.Skip(4 * 9).Take(4 * 9), v => Assert.Equal(0f, v));
        Assert.Contains(g.Take(4 * 9), v => v != 0f);
    }

    [Fact]
    public void The_MLP_patterns_fold_into_the_two_dense_layers()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("mlp_patterns", 13));
        Assert.Equal("Dense fc1, Tanh Tanh, Dense fc2", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
    }

    [Fact]
    public void BatchNormalization_with_nothing_to_fold_into_is_refused_by_name()
    {
        var builder = new OnnxGraphBuilder();
        builder.Append("BatchNormalization", "/bn/BatchNormalization", "bn_s", "bn_b", "bn_m", "bn_v");
        foreach (string name in new[] { "bn_s", "bn_b", "bn_m", "bn_v" })
        {
            builder.Initializer(name, [3], [1f, 1f, 1f]);
        }

        var e = Assert.Throws<OnnxImportException>(() => builder.Import());
        Assert.Contains("node \"/bn/BatchNormalization\" (BatchNormalization): BatchNormalization is only supported right after a Conv, Gemm or MatMul", e.Message);
    }

    [Fact]
    public void A_constant_divided_by_the_data_is_refused_by_name()
    {
        var builder = new OnnxGraphBuilder();
        builder.Initializer("c", [1], [2f]);
        builder.NodeNamed("/act/Relu").Input[0] = "d";
        builder.Node("Div", ["c", "h"], "d", "/Div");
        var e = Assert.Throws<OnnxImportException>(() => builder.Import());
        Assert.Contains("node \"/Div\" (Div): a constant divided by the data is not supported", e.Message);
    }
}
