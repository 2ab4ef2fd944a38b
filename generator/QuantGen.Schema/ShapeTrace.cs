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
    /// The shapes each layer reads and writes, layer by layer. A layer reads what its source wrote
    /// (<see cref="LayerGraph"/>: the layer before, or the layers it names; the first input of an Add or a
    /// Concat), except that a window layer reads its channels x height x width and a reverse LSTM or GRU what
    /// the forward layer before it read (it writes the pair's 2 x hidden values).
    /// </summary>
    public static IReadOnlyList<(int[] Input, int[] Output)> Of(Model model)
    {
        var shapes = new List<(int[], int[])>(model.Layers.Count);
        int[] modelInput = model.Inputs[0].Shape.ToArray();
        int[][] sources = LayerGraph.Sources(model);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            int[][] handed = sources[i].Select(s => s == LayerGraph.ModelInput ? modelInput : shapes[s].Item2).ToArray();
            // The backward half of a bidirectional layer reads what its forward half read.
            int[] input = LayerShapes.IsReverse(layer) && i > 0 ? shapes[i - 1].Item1 : Input(layer, handed[0]);
            shapes.Add((input, layer.OpCase == Layer.OpOneofCase.Concat ? Concatenated(handed) : Output(layer, input)));
        }

        return shapes;
    }

    /// <summary>
    /// Concat joins along the first dimension: [c1, h, w] and [c2, h, w] give [c1 + c2, h, w]. Inputs whose
    /// other dimensions differ are joined as flat vectors (the same values in the same order).
    /// </summary>
    public static int[] Concatenated(IReadOnlyList<int[]> inputs)
    {
        int[] first = inputs[0];
        bool sameTail = inputs.All(s => s.Length == first.Length && s.Skip(1).SequenceEqual(first.Skip(1)));
        return sameTail
            ? new[] { inputs.Sum(s => s[0]) }.Concat(first.Skip(1)).ToArray()
            : new[] { inputs.Sum(s => s.Aggregate(1, (a, b) => a * b)) };
    }

    /// <summary>The shape a layer reads, given the shape of the values it is handed.</summary>
    public static int[] Input(Layer layer, int[] handed) => layer.OpCase switch
    {
        Layer.OpOneofCase.Conv2D => new[] { layer.Conv2D.InChannels, layer.Conv2D.Height, layer.Conv2D.Width },
        Layer.OpOneofCase.MaxPool2D => new[] { layer.MaxPool2D.Channels, layer.MaxPool2D.Height, layer.MaxPool2D.Width },
        Layer.OpOneofCase.AvgPool2D => new[] { layer.AvgPool2D.Channels, layer.AvgPool2D.Height, layer.AvgPool2D.Width },
        Layer.OpOneofCase.GlobalAvgPool2D => new[] { layer.GlobalAvgPool2D.Channels, layer.GlobalAvgPool2D.Height, layer.GlobalAvgPool2D.Width },
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

            case Layer.OpOneofCase.AvgPool2D:
            {
                AvgPool2d p = layer.AvgPool2D;
                return new[] { p.Channels, (int)LayerShapes.Out(p.Height, p.KernelH, p.StrideH, p.PaddingH), (int)LayerShapes.Out(p.Width, p.KernelW, p.StrideW, p.PaddingW) };
            }

            case Layer.OpOneofCase.GlobalAvgPool2D:
                return new[] { layer.GlobalAvgPool2D.Channels, 1, 1 };

            case Layer.OpOneofCase.Relu or Layer.OpOneofCase.Sigmoid or Layer.OpOneofCase.Tanh or Layer.OpOneofCase.Softmax
                or Layer.OpOneofCase.Clip or Layer.OpOneofCase.LeakyRelu or Layer.OpOneofCase.Add:
                // Element-wise: the shape stays.
                return input;

            default:
                // Dense, Flatten, Embedding, LSTM, GRU (and any kind added later) give a flat vector.
                int length = input.Aggregate(1, (a, b) => a * b);
                return new[] { ModelShape.OutputLength(layer, length) };
        }
    }
}
