using System;
using System.Collections.Generic;

namespace QuantGen.Import.Converters;

/// <summary>
/// What to do about an operator the importer does not convert: the supported rewrite where there is one,
/// else what the operator usually comes from and the general way out. Shown after the list of supported
/// operators in the error that names the node.
/// </summary>
internal static class UnsupportedOpAdvice
{
    private static readonly Dictionary<string, string> Advice = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["QLinearConv"] = "the model is already quantized in the QOperator format; export it in the QDQ format (QuantizeLinear/DequantizeLinear around float operators), which imports, or import the float model and run `quantgen quantize`",
        ["QLinearMatMul"] = "the model is already quantized in the QOperator format; export it in the QDQ format (QuantizeLinear/DequantizeLinear around float operators), which imports, or import the float model and run `quantgen quantize`",
        ["Shape"] = "computed shapes are only recognised as PyTorch's x.view(x.size(0), -1); flatten with nn.Flatten() or torch.flatten(x, 1)",
        ["Unsqueeze"] = "computed shapes are only recognised as PyTorch's x.view(x.size(0), -1); flatten with nn.Flatten() or torch.flatten(x, 1)",
    };

    /// <summary>The advice for <paramref name="op"/>, or the general way out.</summary>
    public static string For(string op) =>
        Advice.TryGetValue(op, out string? advice) ? advice
            : "replace it in the model by supported operators before exporting, or export with opset 13 (torch.onnx.export(..., opset_version=13)) if a newer opset wrote it differently";
}
