using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Softmax, which QuantGen computes over each sample as one vector. ONNX's axis means two things: before
/// opset 13 the input is flattened to [prod(dims before axis), prod(dims from axis)] and each row is
/// normalized (default axis 1); from opset 13 it normalizes along that one axis (default -1). Either way
/// the layer is exact when the normalized group is the whole sample: the axis is not the batch axis and
/// every per-sample dimension outside the group is 1. For PyTorch's softmax(dim=-1) that is the last axis.
/// </summary>
internal sealed class SoftmaxConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("axis");
        ImportContext.RequireInputCount(node, 1, 1);
        long[] sample = context.SampleShape;
        int rank = sample.Length + 1;
        bool flattening = context.Opset < 13;
        long axis = node.GetInt("axis", flattening ? 1 : -1);
        int normalized = node.NormalizeAxis(axis, rank, rankAllowed: false);
        if (normalized == 0)
        {
            throw node.Error($"axis = {axis} normalizes across the batch; only a softmax within each sample is supported");
        }

        // Per-sample dimensions outside the normalized group (sample index = axis - 1).
        int first = normalized - 1;
        bool whole = flattening
            ? sample.Take(first).All(d => d == 1)
            : sample.Where((d, i) => i != first).All(d => d == 1);
        if (!whole)
        {
            string semantics = flattening ? "over the dimensions from axis" : "along axis";
            throw node.Error($"axis = {axis} (opset {context.Opset}: {semantics}) on the shape {OnnxText.BatchShape(sample)} normalizes parts of a sample separately; QuantGen's softmax takes the whole sample (use the last axis, with every other dimension of a sample 1)");
        }

        context.AddLayer(node, new Layer { Softmax = new Softmax() });
    }
}
