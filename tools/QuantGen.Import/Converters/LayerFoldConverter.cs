using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>
/// Add, Sub, Mul or Div of the data and a constant, right after a Conv, Gemm or MatMul: folded into that
/// layer (<see cref="LayerFold"/>). This is also how the Add after a MatMul becomes its bias (nn.Linear on
/// more than two dimensions): a layer without a bias gets the constant bit for bit. The constant may be
/// either input; constant / data is not an affine map and is refused, as is a division by zero.
/// </summary>
internal sealed class LayerFoldConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes();
        ImportContext.RequireInputCount(node, 2, 2);
        int data = node.Inputs[0] == context.CurrentValue ? 0 : 1;
        context.RequireData(node, data, "the data");
        Schema.Layer layer = LayerFold.Target(node, context, $"{node.OpType} of a constant");
        double[] c = LayerFold.PerChannel(node, context.RequireConstant(node, 1 - data, "the constant"), layer, context.SampleShape, "the constant");
        double[] one = Enumerable.Repeat(1.0, c.Length).ToArray(), zero = new double[c.Length];
        switch (node.OpType)
        {
            case "Add":
                LayerFold.Apply(layer, one, c);
                break;
            case "Sub" when data == 0:
                LayerFold.Apply(layer, one, c.Select(v => -v).ToArray());
                break;
            case "Sub":
                LayerFold.Apply(layer, one.Select(v => -v).ToArray(), c);
                break;
            case "Mul":
                LayerFold.Apply(layer, c, zero);
                break;
            case "Div" when data == 1:
                throw node.Error($"a constant divided by the data is not supported; only the data divided by a constant (x / c) folds into the layer before");
            default:
                if (c.Any(v => v == 0.0))
                {
                    throw node.Error($"the data is divided by a constant that holds 0");
                }

                LayerFold.Apply(layer, c.Select(v => 1.0 / v).ToArray(), zero);
                break;
        }
    }
}
