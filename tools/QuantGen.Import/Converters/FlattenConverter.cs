using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Flatten to [prod(dims before axis), prod(dims from axis)]. With the batch first, that is one vector per
/// sample when axis >= 1 and every per-sample dimension before the axis is 1 (nn.Flatten and
/// torch.flatten(x, 1) export axis = 1). The description's flatten is a no-op on the values.
/// </summary>
internal sealed class FlattenConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("axis");
        ImportContext.RequireInputCount(node, 1, 1);
        long[] sample = context.SampleShape;
        int rank = sample.Length + 1;
        long axis = node.GetInt("axis", 1);
        int normalized = node.NormalizeAxis(axis, rank, rankAllowed: true);
        if (normalized == 0 || sample.Take(normalized - 1).Any(d => d != 1))
        {
            throw node.Error($"axis = {axis} on the shape {OnnxText.BatchShape(sample)} mixes the batch with the features; only a flatten to [batch, features] is supported (axis = 1)");
        }

        context.AddLayer(node, new Layer { Flatten = new Flatten() });
        context.SetSampleShape(node, new[] { context.SampleLength });
    }
}
