using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>
/// The Transpose PyTorch puts around an exported batch_first nn.LSTM / nn.GRU: perm [1, 0, 2, ...] swaps
/// batch and time and leaves each step's values alone, so nothing is emitted. Any other permutation moves
/// values within a sample, which a description cannot express.
/// </summary>
internal sealed class TransposeConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("perm");
        ImportContext.RequireInputCount(node, 1, 1);
        int rank = context.SampleShape.Length + 2;
        IReadOnlyList<long> perm = node.GetInts("perm", []);
        if (BidirectionalOutput.TryTranspose(node, context, perm))
        {
            return;
        }

        bool swapsBatchAndTime = perm.SequenceEqual(new long[] { 1, 0 }.Concat(Enumerable.Range(2, rank - 2).Select(i => (long)i)));
        if (context.Sequence is not (SequenceAxes.BatchTime or SequenceAxes.TimeBatch) || !swapsBatchAndTime)
        {
            throw node.Error($"perm = [{string.Join(", ", perm)}] is not supported; only the swap of batch and time around an LSTM or GRU (perm = [1, 0, 2, ...]) is");
        }

        context.Sequence = context.Sequence == SequenceAxes.BatchTime ? SequenceAxes.TimeBatch : SequenceAxes.BatchTime;
    }
}
