using System;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>Relu, Sigmoid, Tanh: elementwise, no attributes, one layer of the same shape.</summary>
internal sealed class ActivationConverter : IOpConverter
{
    private readonly Func<Layer> _create;

    public ActivationConverter(Func<Layer> create) => _create = create;

    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes();
        ImportContext.RequireInputCount(node, 1, 1);
        context.AddLayer(node, _create());
    }
}
