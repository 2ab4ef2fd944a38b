using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Reshape by a constant shape that keeps the batch first and each sample's values together:
/// x.view(x.size(0), -1), x.reshape(-1, 64), x.view(1, -1) when the batch is 1. In the target, 0 copies the
/// input's dimension (unless allowzero = 1) and one -1 is inferred. The first dimension must come out as
/// the batch: 0, -1 (the rest then holding exactly one sample), or the input's batch size when that is a
/// number. Emitted as a flatten: the values of a sample do not move.
/// </summary>
internal sealed class ReshapeConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("allowzero");
        ImportContext.RequireInputCount(node, 2, 2);
        context.RequireData(node, 0, "the data");
        bool allowZero = node.GetInt("allowzero", 0) != 0;
        long[] target = context.RequireConstant(node, 1, "the target shape").ReadInt64s();
        if (BidirectionalOutput.TryReshape(node, context, target))
        {
            return;
        }

        long[] sample = context.SampleShape;
        long length = context.SampleLength;
        string where = $"the target shape {OnnxText.Shape(target)} for {OnnxText.BatchShape(sample)}";
        if (target.Length < 2)
        {
            throw node.Error($"{where} has no dimension for the batch and one for the features; only reshapes that keep the batch first are supported");
        }

        // Resolve 0 (copy) in the sample part; check -1 and the other values.
        var shape = new long[target.Length - 1];
        int inferred = -1;
        for (int i = 1; i < target.Length; i++)
        {
            long dim = target[i];
            if (dim == 0 && !allowZero)
            {
                dim = i - 1 < sample.Length ? sample[i - 1] : 0;
            }

            if (dim == -1 && inferred < 0 && target[0] != -1)
            {
                inferred = i - 1;
                dim = 1;
            }
            else if (dim == -1)
            {
                throw node.Error($"{where} has more than one -1");
            }
            else if (dim <= 0)
            {
                throw node.Error($"{where}: dimension {i} ({target[i]}) is not supported");
            }

            shape[i - 1] = dim;
        }

        if (!ImportContext.TryLength(shape, out long known) || (inferred < 0 ? known != length : length % known != 0))
        {
            throw node.Error($"{where} does not hold one sample of {length} values per batch entry");
        }

        if (inferred >= 0)
        {
            shape[inferred] = length / known;
        }

        long first = target[0];
        bool keepsBatch = (first == 0 && !allowZero) || first == -1 || (context.BatchSize is long batch && first == batch);
        if (!keepsBatch)
        {
            throw node.Error($"{where}: the first dimension must stay the batch (0 or -1{(context.BatchSize is long b ? ", or " + b.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")})");
        }

        context.AddLayer(node, new Layer { Flatten = new Flatten() });
        context.SetSampleShape(node, shape);
    }
}
