using System;
using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>
/// BatchNormalization in inference form (running statistics), right after a Conv or Gemm: y = scale * (x -
/// mean) / sqrt(var + epsilon) + B per channel, folded into that layer (<see cref="LayerFold"/>). PyTorch
/// fuses Conv + BatchNorm itself when it exports in eval mode; the node stays after a Linear (BatchNorm1d)
/// and in exports that keep the training-mode graph.
/// </summary>
internal sealed class BatchNormConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("epsilon", "momentum", "training_mode", "spatial");
        ImportContext.RequireInputCount(node, 5, 5);
        context.RequireData(node, 0, "X");
        if (node.GetInt("training_mode", 0) != 0)
        {
            throw node.Error($"training_mode = {node.GetInt("training_mode", 0)} is not supported; export in eval mode (model.eval()), which uses the running statistics");
        }

        Schema.Layer layer = LayerFold.Target(node, context, "BatchNormalization");
        double[] scale = Read(node, context, layer, 1, "scale"), bias = Read(node, context, layer, 2, "B");
        double[] mean = Read(node, context, layer, 3, "mean"), variance = Read(node, context, layer, 4, "var");
        double epsilon = node.GetFloat("epsilon", 1e-5f);
        double[] factor = scale.Select((s, i) => s / Math.Sqrt(variance[i] + epsilon)).ToArray();
        if (factor.Any(f => !double.IsFinite(f)))
        {
            throw node.Error($"scale / sqrt(var + epsilon) is not finite for some channel; the running variance must be above -epsilon");
        }

        LayerFold.Apply(layer, factor, bias.Select((b, i) => b - mean[i] * factor[i]).ToArray());
    }

    private static double[] Read(OnnxNode node, ImportContext context, Schema.Layer layer, int index, string role)
    {
        ConstantTensor tensor = context.RequireConstant(node, index, role);
        if (tensor.Dims.Length != 1 || tensor.Dims[0] != LayerFold.Rows(layer))
        {
            throw node.Error($"{role} has the shape {OnnxText.Shape(tensor.Dims)}; it must be [{LayerFold.Rows(layer)}], one value per channel");
        }

        return tensor.ReadFloats().Select(v => (double)v).ToArray();
    }
}
