using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Gather(table, token ids) on axis 0: nn.Embedding. The table [num_embeddings, embedding_dim] must be a
/// constant and the indices the graph's token-id input, one id per sample (or per time step).
/// In a step graph also the pick of the one time step (<c>out[:, -1]</c>, <c>out[-1]</c>): a constant scalar
/// index 0 or -1 on the batch or time axis, both 1 long, which leaves one vector per sample.
/// </summary>
internal sealed class GatherConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("axis");
        ImportContext.RequireInputCount(node, 2, 2);
        long axis = node.GetInt("axis", 0);
        if (!context.HoldsTokens && node.Inputs[0] == context.CurrentValue)
        {
            PickStep(node, context, axis);
            return;
        }

        context.RequireData(node, 1, "the indices");
        if (axis != 0)
        {
            throw node.Error($"axis = {axis} is not supported; only a lookup of table rows (axis = 0, nn.Embedding) is");
        }

        if (!context.HoldsTokens)
        {
            throw node.Error($"the indices must be the graph's token-id input; only nn.Embedding's lookup of the model's input is supported");
        }

        ConstantTensor table = context.RequireConstant(node, 0, "the embedding table");
        if (table.Dims.Length != 2 || table.Dims[0] <= 0 || table.Dims[1] <= 0)
        {
            throw node.Error($"the embedding table has the shape {OnnxText.Shape(table.Dims)}; it must be [num_embeddings, embedding_dim]");
        }

        var embedding = new Embedding { NumEmbeddings = (int)table.Dims[0], EmbeddingDim = (int)table.Dims[1] };
        embedding.Weights = new Weights { Float32 = new FloatCodec() };
        embedding.Weights.Float32.Values.Add(table.ReadFloats());
        context.AddLayer(node, new Layer { Embedding = embedding });
        context.HoldsTokens = false;
        context.SetSampleShape(node, [.. context.SampleShape, table.Dims[1]]);
    }

    private static void PickStep(OnnxNode node, ImportContext context, long axis)
    {
        ConstantTensor index = context.RequireConstant(node, 1, "the indices");
        long[] value = index.ReadInt64s();
        bool scalarFirstOrLast = index.Dims.Length == 0 && value.Length == 1 && value[0] is 0 or -1;
        if (!context.IsStepGraph || context.Sequence is not (SequenceAxes.BatchTime or SequenceAxes.TimeBatch) || axis is not (0 or 1) || !scalarFirstOrLast)
        {
            throw node.Error($"a Gather of the data is only supported as the pick of the one time step of a step graph (out[:, -1] or out[-1]: a constant scalar index 0 or -1 on axis 0 or 1 of [batch, time, ...] or [time, batch, ...] values); the graph's other Gathers must look up an embedding table with the token-id input");
        }

        context.Sequence = null;
    }
}
