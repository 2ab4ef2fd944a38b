using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// The activation half of a QDQ model: QuantizeLinear then DequantizeLinear with the same scale s and zero
/// point zp on the chain's value is ONNX's affine fake quantization, x' = (clamp(round(x / s) + zp, qmin, qmax) - zp) * s
/// with qmin..qmax 0..255 (UINT8) or -128..127 (INT8). That is the description's uniform quantizer over
/// [lo, hi] = [(qmin - zp) s, (qmax - zp) s] with 8 bits: the same 256 levels, s apart. It becomes the input
/// quantizer of the next layer (<see cref="ImportContext.PendingQuantizer"/>; a flatten at the end of the graph
/// when no layer follows). The two round differently only at ties: ONNX rounds x / s, the uniform quantizer
/// (x - lo) * (255 / (hi - lo)).
/// </summary>
internal sealed class QuantizeLinearConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        context.RequireData(node, 0, "x");
        (float[] scales, int[] zeroPoints, _) = QuantizedGraph.Parameters(node, [1], context.Constants, context.Opset);
        if (scales.Length != 1)
        {
            throw node.Error($"it quantizes an activation with {scales.Length} scales; only one scale per tensor is supported for activations");
        }

        bool signed = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && context.RequireConstant(node, 2, "the zero point").IsSigned;
        (int min, int max) = signed ? (-128, 127) : (0, 255);
        float s = scales[0];
        int zp = zeroPoints[0];
        context.QueueQuantizer(node, new ActivationQuantizer { Uniform = new UniformActivation { Bits = 8, Lo = (min - zp) * s, Hi = (max - zp) * s } }, (s, zp));
    }
}

/// <summary>The DequantizeLinear that completes a QuantizeLinear on the chain (see <see cref="QuantizeLinearConverter"/>): it must use the same scale and zero point.</summary>
internal sealed class DequantizeLinearConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        context.RequireData(node, 0, "x");
        (float[] scales, int[] zeroPoints, _) = QuantizedGraph.Parameters(node, [1], context.Constants, context.Opset);
        if (context.PendingAffine is not (float s, int zp) || scales.Length != 1 || scales[0] != s || zeroPoints[0] != zp || !context.PendingFromPreviousNode)
        {
            throw node.Error($"a DequantizeLinear on the data must directly follow a QuantizeLinear with the same scale and zero point (a QDQ pair); weights are dequantized from constants");
        }

        context.PendingFromPreviousNode = false;
    }
}
