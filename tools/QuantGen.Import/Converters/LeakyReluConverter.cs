using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>LeakyRelu (nn.LeakyReLU): a leakyRelu layer with the node's alpha (ONNX's default 0.01).</summary>
internal sealed class LeakyReluConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("alpha");
        ImportContext.RequireInputCount(node, 1, 1);
        float alpha = node.GetFloat("alpha", 0.01f);
        if (float.IsNaN(alpha) || float.IsInfinity(alpha))
        {
            throw node.Error($"alpha = {alpha}; it must be a finite number");
        }

        context.AddLayer(node, new Layer { LeakyRelu = new LeakyRelu { Alpha = alpha } });
    }
}
