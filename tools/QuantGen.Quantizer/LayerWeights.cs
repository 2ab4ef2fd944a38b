using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>One weight tensor of a layer: its name (<c>LAYER.weights</c>), shape, and where it lives in the layer.</summary>
internal sealed record WeightSlot(string Name, int Rows, int Cols, Func<Weights> Get, Action<Weights> Set);

/// <summary>
/// The one place that knows which weight tensors each layer type has. A layer with none (activations,
/// Flatten, MaxPool2d) is not quantized and gets no input quantizer. Every weight method quantizes every
/// slot; an LSTM or GRU has two (input and recurrent weights, each [gates x hidden, columns]).
/// </summary>
internal static class LayerWeights
{
    public static IReadOnlyList<WeightSlot> Of(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Dense =>
        [
            new WeightSlot(layer.Name + ".weights", layer.Dense.OutFeatures, layer.Dense.InFeatures, () => layer.Dense.Weights, w => layer.Dense.Weights = w),
        ],
        Layer.OpOneofCase.Embedding =>
        [
            new WeightSlot(layer.Name + ".weights", layer.Embedding.NumEmbeddings, layer.Embedding.EmbeddingDim, () => layer.Embedding.Weights, w => layer.Embedding.Weights = w),
        ],
        Layer.OpOneofCase.Lstm =>
        [
            new WeightSlot(layer.Name + ".inputWeights", 4 * layer.Lstm.HiddenSize, layer.Lstm.InputSize, () => layer.Lstm.InputWeights, w => layer.Lstm.InputWeights = w),
            new WeightSlot(layer.Name + ".recurrentWeights", 4 * layer.Lstm.HiddenSize, layer.Lstm.HiddenSize, () => layer.Lstm.RecurrentWeights, w => layer.Lstm.RecurrentWeights = w),
        ],
        Layer.OpOneofCase.Gru =>
        [
            new WeightSlot(layer.Name + ".inputWeights", 3 * layer.Gru.HiddenSize, layer.Gru.InputSize, () => layer.Gru.InputWeights, w => layer.Gru.InputWeights = w),
            new WeightSlot(layer.Name + ".recurrentWeights", 3 * layer.Gru.HiddenSize, layer.Gru.HiddenSize, () => layer.Gru.RecurrentWeights, w => layer.Gru.RecurrentWeights = w),
        ],
        Layer.OpOneofCase.Conv2D =>
        [
            new WeightSlot(layer.Name + ".weights", layer.Conv2D.OutChannels, layer.Conv2D.InChannels * layer.Conv2D.KernelH * layer.Conv2D.KernelW, () => layer.Conv2D.Weights, w => layer.Conv2D.Weights = w),
        ],
        _ => [],
    };
}
