using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>
/// Squeeze of the directions axis (1) that PyTorch puts after an exported LSTM or GRU: Y [time, 1, batch,
/// hidden] becomes [time, batch, hidden]. The axes are an attribute before opset 13 and a constant input
/// from 13. Nothing is emitted; any other squeeze has no meaning a description can keep.
/// </summary>
internal sealed class SqueezeConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        bool axesInput = context.Opset >= 13;
        node.AllowOnlyAttributes(axesInput ? [] : ["axes"]);
        ImportContext.RequireInputCount(node, axesInput ? 2 : 1, axesInput ? 2 : 1);
        context.RequireData(node, 0, "the data");
        IReadOnlyList<long> axes = axesInput ? context.RequireConstant(node, 1, "the axes").ReadInt64s() : node.GetInts("axes", []);
        if (context.Sequence != SequenceAxes.TimeDirectionsBatch || !axes.SequenceEqual([1L]))
        {
            throw node.Error($"only the Squeeze of the directions axis (axes = [1]) right after an LSTM or GRU is supported; here the axes are [{string.Join(", ", axes)}]");
        }

        context.Sequence = SequenceAxes.TimeBatch;
    }
}
