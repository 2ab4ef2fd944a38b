using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>An unsupported operator's error names the node and the operator and says what to do.</summary>
public sealed class UnsupportedOpAdviceTests
{
    [Theory]
    [InlineData("QLinearConv", "the model is already quantized in the QOperator format; export it in the QDQ format (QuantizeLinear/DequantizeLinear around float operators), which imports")]
    [InlineData("QLinearMatMul", "the model is already quantized in the QOperator format")]
    [InlineData("Shape", "computed shapes are only recognised as PyTorch's x.view(x.size(0), -1); flatten with nn.Flatten()")]
    [InlineData("Erf", "replace it in the model by supported operators before exporting")]
    public void The_error_names_node_and_operator_and_says_what_to_do(string op, string advice)
    {
        var builder = new OnnxGraphBuilder();
        builder.Append(op, "/odd/" + op);
        var e = Assert.Throws<QuantGen.Import.OnnxImportException>(() => builder.Import());
        Assert.StartsWith($"test.onnx: node \"/odd/{op}\" ({op}): the operator \"{op}\" is not supported (supported: Add, ", e.Message);
        Assert.Contains("); " + advice, e.Message);
    }
}
