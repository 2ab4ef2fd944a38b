using System.Linq;

namespace QuantGen.Schema;

/// <summary>Shapes that follow from a valid model.</summary>
public static class ModelShape
{
    /// <summary>The number of values in the model's input.</summary>
    public static int InputLength(Model model) => model.Inputs[0].Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The number of values in the model's output: the last layer's (<see cref="ShapeTrace"/> follows the graph).</summary>
    public static int OutputLength(Model model) => ShapeTrace.Of(model)[model.Layers.Count - 1].Output.Aggregate(1, (a, b) => a * b);

    /// <summary>
    /// The length of the vector a single-input layer gives for an input of <paramref name="inputLength"/> values
    /// (a Concat's is the sum of its inputs': <see cref="ShapeTrace"/>). A reverse layer gives its bidirectional
    /// pair's output: the forward h then its own.
    /// </summary>
    public static int OutputLength(Layer layer, int inputLength) => LayerShapes.IsReverse(layer) ? 2 * LayerShapes.Hidden(layer) : layer.OpCase switch
    {
        Layer.OpOneofCase.Dense => layer.Dense.OutFeatures,
        Layer.OpOneofCase.Embedding or Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru or
            Layer.OpOneofCase.Conv2D or Layer.OpOneofCase.MaxPool2D or Layer.OpOneofCase.AvgPool2D or Layer.OpOneofCase.GlobalAvgPool2D => (int)LayerShapes.OutputLength(layer),
        _ => inputLength,
    };
}
