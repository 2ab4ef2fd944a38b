using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>
/// Reads a Constant node's value. PyTorch emits them for shapes (Reshape's target); other exporters also
/// for weights. The value is a tensor attribute, or since opset 12 a plain number or list.
/// </summary>
internal static class ConstantNodes
{
    // TensorProto data types.
    private const int Float = 1;
    private const int Int64 = 7;

    public static TensorProto Value(OnnxNode node)
    {
        node.AllowOnlyAttributes("value", "value_float", "value_floats", "value_int", "value_ints");
        if (node.Inputs.Count != 0 || node.Proto.Output.Count != 1)
        {
            throw node.Error($"a Constant has no inputs and one output; this one has {node.Inputs.Count} and {node.Proto.Output.Count}");
        }

        if (node.Proto.Attribute.Count != 1)
        {
            throw node.Error($"it must have exactly one value attribute; it has {node.Proto.Attribute.Count}");
        }

        switch (node.Proto.Attribute[0].Name)
        {
            case "value":
                return node.GetTensor("value");
            case "value_float":
            {
                var tensor = new TensorProto { DataType = Float };
                tensor.FloatData.Add(node.GetFloat("value_float", 0f));
                return tensor;
            }

            case "value_floats":
            {
                var tensor = new TensorProto { DataType = Float };
                tensor.FloatData.Add(node.GetFloats("value_floats"));
                tensor.Dims.Add(tensor.FloatData.Count);
                return tensor;
            }

            case "value_int":
            {
                var tensor = new TensorProto { DataType = Int64 };
                tensor.Int64Data.Add(node.GetInt("value_int", 0));
                return tensor;
            }

            default:
            {
                var tensor = new TensorProto { DataType = Int64 };
                tensor.Int64Data.Add(node.GetInts("value_ints"));
                tensor.Dims.Add(tensor.Int64Data.Count);
                return tensor;
            }
        }
    }

    public static bool IsConstant(NodeProto node) =>
        node.OpType == Converters.ConverterRegistry.ConstantOp && IsDefaultDomain(node.Domain);

    /// <summary>ONNX's own operators: the domain "" or its alias "ai.onnx".</summary>
    public static bool IsDefaultDomain(string domain) => domain.Length == 0 || domain == "ai.onnx";
}
