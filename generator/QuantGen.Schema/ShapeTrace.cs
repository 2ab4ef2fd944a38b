using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Schema;

/// <summary>
/// The shape of the values between the layers of a valid model, dimension by dimension: what the generated
/// class's metadata shows. Each shape's product is the length <see cref="ModelShape.OutputLength"/> gives.
/// </summary>
public static class ShapeTrace
{
    /// <summary>
    /// The shapes each layer reads and writes, layer by layer. A layer reads what the one before it wrote (the
    /// first, the model's input), except that a Conv2d or MaxPool2d reads its channels x height x width and a
    /// reverse LSTM or GRU what the forward layer before it read (it writes the pair's 2 x hidden values).
    /// </summary>
    public static IReadOnlyList<(int[] Input, int[] Output)> Of(Model model)
    {
        var shapes = new List<(int[], int[])>(model.Layers.Count);
        int[] shape = model.Inputs[0].Shape.ToArray();
        foreach (Layer layer in model.Layers)
        {
            // The backward half of a bidirectional layer reads what its forward half read.
            int[] input = LayerShapes.IsReverse(layer) && shapes.Count > 0 ? shapes[shapes.Count - 1].Item1 : Input(layer, shape);
            shape = Output(layer, input);
            shapes.Add((input, shape));
        }

        return shapes;
    }

    /// <summary>The shape a layer reads, given the shape of the values it is handed.</summary>
    public static int[] Input(Layer layer, int[] handed) => layer.OpCase switch
    {
        Layer.OpOneofCase.Conv2D => new[] { layer.Conv2D.InChannels, layer.Conv2D.Height, layer.Conv2D.Width },
        Layer.OpOneofCase.MaxPool2D => new[] { layer.MaxPool2D.Channels, layer.MaxPool2D.Height, layer.MaxPool2D.Width },
        _ => handed,
    };

    /// <summary>The shape a layer writes when it reads <paramref name="input"/>.</summary>
    public static int[] Output(Layer layer, int[] input)
    {
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Conv2D:
            {
                Conv2d c = layer.Conv2D;
                return new[] { c.OutChannels, (int)LayerShapes.Out(c.Height, c.KernelH, c.StrideH, c.PaddingH), (int)LayerShapes.Out(c.Width, c.KernelW, c.StrideW, c.PaddingW) };
            }

            case Layer.OpOneofCase.MaxPool2D:
            {
                MaxPool2d p = layer.MaxPool2D;
                return new[] { p.Channels, (int)LayerShapes.Out(p.Height, p.KernelH, p.StrideH, p.PaddingH), (int)LayerShapes.Out(p.Width, p.KernelW, p.StrideW, p.PaddingW) };
            }

            case Layer.OpOneofCase.Relu or Layer.OpOneofCase.Sigmoid or Layer.OpOneofCase.Tanh or Layer.OpOneofCase.Softmax:
                // Element-wise: the shape stays.
                return input;

            default:
                // Dense, Flatten, Embedding, LSTM, GRU (and any kind added later) give a flat vector.
                int length = input.Aggregate(1, (a, b) => a * b);
                return new[] { ModelShape.OutputLength(layer, length) };
        }
    }
}
