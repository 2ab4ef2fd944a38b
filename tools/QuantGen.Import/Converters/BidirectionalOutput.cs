using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>
/// What PyTorch puts after a bidirectional nn.LSTM / nn.GRU: ONNX's Y is [time, 2, batch, hidden] (the
/// directions on axis 1), and PyTorch turns it into [time, batch, 2 * hidden] by a Transpose (perm [0, 2, 1, 3])
/// and a Reshape ([0, 0, -1]). The concatenation it makes, forward h then backward h, is exactly the output of
/// the description's bidirectional pair (a layer and its reverse layer), so both nodes emit nothing.
/// </summary>
internal static class BidirectionalOutput
{
    /// <summary>The Transpose that moves the directions next to hidden; false for any other Transpose.</summary>
    public static bool TryTranspose(OnnxNode node, ImportContext context, IReadOnlyList<long> perm)
    {
        if (context.Directions != 2 || context.Sequence != SequenceAxes.TimeDirectionsBatch)
        {
            return false;
        }

        if (!perm.SequenceEqual([0L, 2, 1, 3]))
        {
            throw node.Error($"perm = [{string.Join(", ", perm)}] after a bidirectional layer is not supported; only PyTorch's [0, 2, 1, 3], which puts each step's forward and backward h side by side, is");
        }

        context.Sequence = SequenceAxes.TimeBatch;
        context.SetSampleShape(node, [2, context.SampleShape[0]]);
        return true;
    }

    /// <summary>
    /// In a model with LSTM or GRU layers the only Reshape is the one that merges the two directions after
    /// that Transpose: [0, 0, -1] (or the hidden size doubled for -1). Returns false outside such models.
    /// </summary>
    public static bool TryReshape(OnnxNode node, ImportContext context, long[] target)
    {
        if (context.Sequence is null)
        {
            return false;
        }

        long[] sample = context.SampleShape;
        bool merges = context.Directions == 2 && context.Sequence == SequenceAxes.TimeBatch && sample.Length == 2 && sample[0] == 2
            && target.Length == 3 && target[0] == 0 && target[1] == 0 && (target[2] == -1 || target[2] == 2 * sample[1]);
        if (!merges)
        {
            throw node.Error($"the target shape {OnnxText.Shape(target)} is not supported in a model with LSTM or GRU layers; only the [0, 0, -1] that joins a bidirectional layer's two directions (after its Transpose [0, 2, 1, 3]) is");
        }

        context.Directions = 1;
        context.SetSampleShape(node, [2 * sample[1]]);
        return true;
    }
}
