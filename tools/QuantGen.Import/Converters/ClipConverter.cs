using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Clip (opset 11 on: min and max as optional constant inputs; nn.ReLU6 and torch.clamp export it): a clip
/// layer. A missing bound is infinite, as in ONNX.
/// </summary>
internal sealed class ClipConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes();
        ImportContext.RequireInputCount(node, 1, 3);
        context.RequireData(node, 0, "input");
        float min = Bound(node, context, 1, "min", float.NegativeInfinity);
        float max = Bound(node, context, 2, "max", float.PositiveInfinity);
        if (float.IsNaN(min) || float.IsNaN(max) || min > max)
        {
            throw node.Error($"min {min} and max {max} are not an interval; min must be at most max, neither NaN");
        }

        context.AddLayer(node, new Layer { Clip = new Clip { Min = min, Max = max } });
    }

    private static float Bound(OnnxNode node, ImportContext context, int index, string role, float absent)
    {
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0)
        {
            return absent;
        }

        ConstantTensor tensor = context.RequireConstant(node, index, role);
        if (tensor.Count != 1)
        {
            throw node.Error($"input {index} ({role}) holds {tensor.Count} values; it must be a single number");
        }

        return tensor.ReadFloats()[0];
    }
}
