using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>One weight tensor of a layer: its name (<c>LAYER.weights</c>), shape, and where it lives in the layer.</summary>
internal sealed record WeightSlot(string Name, int Rows, int Cols, Func<Weights> Get, Action<Weights> Set);

/// <summary>
/// The one place that knows which weight tensors each layer type has. A layer with none (activations,
/// Flatten) is not quantized and gets no input quantizer. New layer types (LSTM, GRU, Embedding, Conv2D)
/// add a case here and are quantized by every weight method.
/// </summary>
internal static class LayerWeights
{
    public static IReadOnlyList<WeightSlot> Of(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Dense =>
        [
            new WeightSlot(layer.Name + ".weights", layer.Dense.OutFeatures, layer.Dense.InFeatures, () => layer.Dense.Weights, w => layer.Dense.Weights = w),
        ],
        _ => [],
    };
}
