using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>
/// PyTorch's <c>x.view(x.size(0), -1)</c> with a symbolic batch computes the target shape in the graph:
/// Shape(x) -> Gather(index 0, axis 0) -> Unsqueeze(axis 0) -> Concat(axis 0) with the constant [-1] ->
/// Reshape(x, that). The batch is what Reshape's 0 means already, so the chain is the constant shape [0, -1]:
/// it replaces the Concat as the Reshape's shape input, and the nodes that only computed it go.
/// </summary>
internal static class FlattenShapeChain
{
    public static OnnxNode[] Fold(OnnxNode[] nodes, Dictionary<string, ConstantTensor> constants)
    {
        if (!nodes.Any(n => n.OpType == "Shape"))
        {
            return nodes;
        }

        Dictionary<string, OnnxNode> producers = OnnxNode.Producers(nodes);

        var removed = new HashSet<int>();
        foreach (OnnxNode reshape in nodes.Where(n => n.OpType == "Reshape" && n.Inputs.Count == 2))
        {
            OnnxNode[]? chain = Chain(reshape, producers, constants);
            if (chain is null || nodes.Any(n => !chain.Contains(n) && n != reshape && n.Inputs.Any(i => chain.Any(c => c.Proto.Output.Contains(i)))))
            {
                continue;
            }

            string name = reshape.Inputs[1] + "/as_constant";
            var shape = new TensorProto { Name = name, DataType = 7 };
            shape.Dims.Add(2);
            shape.Int64Data.Add(new long[] { 0, -1 });
            constants[name] = new ConstantTensor(shape, "the shape [0, -1] that " + chain[^1].Label + " computes");
            reshape.Proto.Input[1] = name;
            removed.UnionWith(chain.Select(n => n.Index));
        }

        return nodes.Where(n => !removed.Contains(n.Index)).ToArray();
    }

    /// <summary>Shape, Gather, Unsqueeze and Concat that compute [batch of the reshaped value, -1], or null.</summary>
    private static OnnxNode[]? Chain(OnnxNode reshape, Dictionary<string, OnnxNode> producers, Dictionary<string, ConstantTensor> constants)
    {
        if (!producers.TryGetValue(reshape.Inputs[1], out OnnxNode? concat) || concat.OpType != "Concat" || concat.GetInt("axis", -1) != 0 || concat.Inputs.Count != 2
            || !constants.TryGetValue(concat.Inputs[1], out ConstantTensor? rest) || !IsInt64(rest, -1)
            || !producers.TryGetValue(concat.Inputs[0], out OnnxNode? unsqueeze) || unsqueeze.OpType != "Unsqueeze"
            || !producers.TryGetValue(unsqueeze.Inputs[0], out OnnxNode? gather) || gather.OpType != "Gather" || gather.GetInt("axis", 0) != 0 || gather.Inputs.Count != 2
            || !constants.TryGetValue(gather.Inputs[1], out ConstantTensor? index) || !IsInt64(index, 0)
            || !producers.TryGetValue(gather.Inputs[0], out OnnxNode? shape) || shape.OpType != "Shape" || shape.Proto.Attribute.Count > 0
            || shape.Inputs.Count != 1 || shape.Inputs[0] != reshape.Inputs[0])
        {
            return null;
        }

        IReadOnlyList<long> axes = unsqueeze.Inputs.Count > 1 && constants.TryGetValue(unsqueeze.Inputs[1], out ConstantTensor? a) && a.Dims.Length <= 1 && TryInt64s(a, out long[] values)
            ? values : unsqueeze.GetInts("axes", []);
        return axes.SequenceEqual([0L]) ? [shape, gather, unsqueeze, concat] : null;
    }

    private static bool IsInt64(ConstantTensor tensor, long value) => tensor.Count == 1 && TryInt64s(tensor, out long[] values) && values[0] == value;

    private static bool TryInt64s(ConstantTensor tensor, out long[] values)
    {
        try
        {
            values = tensor.ReadInt64s();
            return true;
        }
        catch (OnnxImportException)
        {
            values = [];
            return false;
        }
    }
}
