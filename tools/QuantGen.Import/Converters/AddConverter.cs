namespace QuantGen.Import.Converters;

/// <summary>
/// Add of a constant right after a MatMul (passing through Identity or Dropout at most): the bias of the
/// Dense the MatMul emitted, as PyTorch exports nn.Linear on inputs of more than two dimensions. Any other
/// Add (a second bias, an Add after an activation, the sum of two computed values) has no layer to become.
/// </summary>
internal sealed class AddConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes();
        ImportContext.RequireInputCount(node, 2, 2);
        int constantIndex = node.Inputs[0] == context.CurrentValue ? 1 : 0;
        Schema.Dense dense = context.DenseAwaitingBias
            ?? throw node.Error($"Add is only supported as the bias of a MatMul (a constant added right after a weight MatMul)");
        ConstantTensor bias = context.RequireConstant(node, constantIndex, "the bias");
        dense.Bias.Add(BiasVector.Read(node, bias, dense.OutFeatures, maxRank: context.SampleShape.Length + 1, "the bias"));
        context.BiasSet();
    }
}
