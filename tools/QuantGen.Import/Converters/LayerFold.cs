using System;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Folds a per-output-channel affine map y = a * x + t into the Dense or Conv2d layer right before it
/// (<see cref="ImportContext.FoldTarget"/>): row r of the weights and the bias times a[r], then t[r] added to
/// the bias. Computed in double and rounded once; ONNX Runtime, which runs the map after the layer in float,
/// differs by float rounding.
/// </summary>
internal static class LayerFold
{
    /// <summary>The layer to fold into, or an error saying where such a node is supported.</summary>
    public static Layer Target(OnnxNode node, ImportContext context, string what) =>
        context.FoldTarget is not null && context.CurrentValue == context.FoldTargetValue ? context.FoldTarget
            : throw node.Error($"{what} is only supported right after a Conv, Gemm or MatMul (Identity or Dropout may sit between), where it folds into that layer's weights and bias; here its data comes from another node");

    /// <summary>The number of output channels (rows) of a Dense or Conv2d layer.</summary>
    public static int Rows(Layer layer) => layer.Dense?.OutFeatures ?? layer.Conv2D.OutChannels;

    public static void Apply(Layer layer, double[] scale, double[] shift)
    {
        int rows = Rows(layer);
        var weights = layer.Dense?.Weights ?? layer.Conv2D.Weights;
        var bias = layer.Dense?.Bias ?? layer.Conv2D.Bias;
        float[] w = weights.Float32.Values.ToArray();
        int rowLength = w.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            if (scale[r] != 1.0)
            {
                for (int c = 0; c < rowLength; c++)
                {
                    w[r * rowLength + c] = (float)(w[r * rowLength + c] * scale[r]);
                }
            }
        }

        float[] b = bias.Count == 0 ? new float[rows] : bias.ToArray();
        for (int r = 0; r < rows; r++)
        {
            b[r] = (float)(b[r] * scale[r] + shift[r]);
        }

        weights.Float32.Values.Clear();
        weights.Float32.Values.Add(w);
        bias.Clear();
        bias.Add(b);
    }

    /// <summary>
    /// A constant that gives one value per output channel of the value it meets: a single value, or a
    /// shape that broadcasts against [batch, sample...] with every dimension 1 but the channels' (the first
    /// sample axis of a Conv2d's [C, H, W], the last of a Dense's output).
    /// </summary>
    public static double[] PerChannel(OnnxNode node, ConstantTensor tensor, Layer layer, long[] sampleShape, string role)
    {
        int rows = Rows(layer);
        long[] dims = tensor.Dims;
        int rank = sampleShape.Length + 1;
        int channelAxis = layer.Conv2D is not null ? 1 : rank - 1;
        bool fits = dims.Length <= rank;
        for (int i = 0; fits && i < dims.Length; i++)
        {
            int axis = rank - dims.Length + i;
            fits = dims[i] == 1 || (axis == channelAxis && dims[i] == rows);
        }

        if (!fits)
        {
            throw node.Error($"{role} has the shape {OnnxText.Shape(dims)}; on the data's {OnnxText.BatchShape(sampleShape)} it must be one value per channel ({rows} along axis {channelAxis}, every other dimension 1) or a single value, to fold into the layer before");
        }

        float[] values = tensor.ReadFloats();
        return values.Length == 1 ? Enumerable.Repeat((double)values[0], rows).ToArray() : values.Select(v => (double)v).ToArray();
    }
}
