using System.Collections.Generic;
using Google.Protobuf.Collections;

namespace QuantGen.Schema;

/// <summary>
/// One weight matrix of a layer with its shape and bias: the single place that says which weight tensors
/// each layer kind has, shared by the validator, the generator, the reference interpreter and the tools.
/// </summary>
/// <remarks>Part: "" for the layer's only matrix; "Input" or "Recurrent" for an LSTM's or GRU's two. Field: The weights' JSON field under the layer's op, e.g. <c>inputWeights</c>. BiasField: The bias's JSON field, or "" when the matrix has no bias field (Embedding).</remarks>
public sealed class LayerMatrix
{
    public LayerMatrix(string part, Weights? weights, int rows, int cols, RepeatedField<float>? bias, string field, string biasField)
    {
        Part = part;
        Weights = weights;
        Rows = rows;
        Cols = cols;
        Bias = bias;
        Field = field;
        BiasField = biasField;
    }

    public string Part { get; }
    public Weights? Weights { get; }
    public int Rows { get; }
    public int Cols { get; }
    public RepeatedField<float>? Bias { get; }
    public string Field { get; }
    public string BiasField { get; }
}

/// <summary>Shapes of the layers beyond Dense: embedding, recurrent and 2-D spatial layers.</summary>
public static class LayerShapes
{
    /// <summary>The JSON name of a layer's op field (the path segment under <c>layers[i]</c>).</summary>
    public static string OpField(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Embedding => "embedding",
        Layer.OpOneofCase.Lstm => "lstm",
        Layer.OpOneofCase.Gru => "gru",
        Layer.OpOneofCase.Conv2D => "conv2d",
        Layer.OpOneofCase.MaxPool2D => "maxPool2d",
        Layer.OpOneofCase.AvgPool2D => "avgPool2d",
        Layer.OpOneofCase.GlobalAvgPool2D => "globalAvgPool2d",
        Layer.OpOneofCase.Clip => "clip",
        Layer.OpOneofCase.LeakyRelu => "leakyRelu",
        Layer.OpOneofCase.Add => "add",
        Layer.OpOneofCase.Concat => "concat",
        _ => "dense",
    };

    /// <summary>Gate blocks of a recurrent layer: 4 for the LSTM (i, f, g, o), 3 for the GRU (r, z, n).</summary>
    public static int Gates(Layer layer) => layer.OpCase == Layer.OpOneofCase.Lstm ? 4 : 3;

    /// <summary>The weight matrices of a layer, in blob order; empty for layers without weights.</summary>
    public static IReadOnlyList<LayerMatrix> Matrices(Layer layer)
    {
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Dense:
                return new[] { new LayerMatrix("", layer.Dense.Weights, layer.Dense.OutFeatures, layer.Dense.InFeatures, layer.Dense.Bias, "weights", "bias") };
            case Layer.OpOneofCase.Embedding:
                return new[] { new LayerMatrix("", layer.Embedding.Weights, layer.Embedding.NumEmbeddings, layer.Embedding.EmbeddingDim, null, "weights", "") };
            case Layer.OpOneofCase.Lstm:
            {
                Lstm l = layer.Lstm;
                return new[]
                {
                    new LayerMatrix("Input", l.InputWeights, 4 * l.HiddenSize, l.InputSize, l.InputBias, "inputWeights", "inputBias"),
                    new LayerMatrix("Recurrent", l.RecurrentWeights, 4 * l.HiddenSize, l.HiddenSize, l.RecurrentBias, "recurrentWeights", "recurrentBias"),
                };
            }

            case Layer.OpOneofCase.Gru:
            {
                Gru g = layer.Gru;
                return new[]
                {
                    new LayerMatrix("Input", g.InputWeights, 3 * g.HiddenSize, g.InputSize, g.InputBias, "inputWeights", "inputBias"),
                    new LayerMatrix("Recurrent", g.RecurrentWeights, 3 * g.HiddenSize, g.HiddenSize, g.RecurrentBias, "recurrentWeights", "recurrentBias"),
                };
            }

            case Layer.OpOneofCase.Conv2D:
            {
                Conv2d c = layer.Conv2D;
                return new[] { new LayerMatrix("", c.Weights, c.OutChannels, c.InChannels * c.KernelH * c.KernelW, c.Bias, "weights", "bias") };
            }

            default:
                return new LayerMatrix[0];
        }
    }

    /// <summary>The recurrent options of an LSTM or GRU layer (an empty message when absent), else null.</summary>
    public static RecurrentOptions? Options(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Lstm => layer.Lstm.Options ?? new RecurrentOptions(),
        Layer.OpOneofCase.Gru => layer.Gru.Options ?? new RecurrentOptions(),
        _ => null,
    };

    /// <summary>Hidden size of an LSTM or GRU layer.</summary>
    public static int Hidden(Layer layer) => layer.OpCase == Layer.OpOneofCase.Lstm ? layer.Lstm.HiddenSize : layer.Gru.HiddenSize;

    /// <summary>Output size of a window sweep: floor((size + 2 padding - kernel) / stride) + 1.</summary>
    public static long Out(int size, int kernel, int stride, int padding) => stride <= 0 ? 0 : ((long)size + 2L * padding - kernel) / stride + 1;

    /// <summary>The output length of an Embedding, LSTM, GRU, Conv2d or pooling layer with valid fields.</summary>
    public static long OutputLength(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Embedding => layer.Embedding.EmbeddingDim,
        Layer.OpOneofCase.Lstm => layer.Lstm.HiddenSize,
        Layer.OpOneofCase.Gru => layer.Gru.HiddenSize,
        Layer.OpOneofCase.Conv2D => layer.Conv2D.OutChannels * Out(layer.Conv2D.Height, layer.Conv2D.KernelH, layer.Conv2D.StrideH, layer.Conv2D.PaddingH) * Out(layer.Conv2D.Width, layer.Conv2D.KernelW, layer.Conv2D.StrideW, layer.Conv2D.PaddingW),
        Layer.OpOneofCase.MaxPool2D => layer.MaxPool2D.Channels * Out(layer.MaxPool2D.Height, layer.MaxPool2D.KernelH, layer.MaxPool2D.StrideH, layer.MaxPool2D.PaddingH) * Out(layer.MaxPool2D.Width, layer.MaxPool2D.KernelW, layer.MaxPool2D.StrideW, layer.MaxPool2D.PaddingW),
        Layer.OpOneofCase.AvgPool2D => layer.AvgPool2D.Channels * Out(layer.AvgPool2D.Height, layer.AvgPool2D.KernelH, layer.AvgPool2D.StrideH, layer.AvgPool2D.PaddingH) * Out(layer.AvgPool2D.Width, layer.AvgPool2D.KernelW, layer.AvgPool2D.StrideW, layer.AvgPool2D.PaddingW),
        Layer.OpOneofCase.GlobalAvgPool2D => layer.GlobalAvgPool2D.Channels,
        _ => 0,
    };

    /// <summary>Whether a model has state carried from one step to the next (an LSTM or GRU layer).</summary>
    public static bool IsRecurrent(Model model)
    {
        foreach (Layer layer in model.Layers)
        {
            if (layer.OpCase is Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a layer is the backward half of a bidirectional LSTM or GRU (it follows the forward half).</summary>
    public static bool IsReverse(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Lstm => layer.Lstm.Reverse,
        Layer.OpOneofCase.Gru => layer.Gru.Reverse,
        _ => false,
    };

    /// <summary>Whether a model has a bidirectional layer, so that it runs whole sequences only.</summary>
    public static bool RunsWholeSequences(Model model)
    {
        foreach (Layer layer in model.Layers)
        {
            if (IsReverse(layer))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the model's input is a token id looked up by a first Embedding layer.</summary>
    public static bool TakesTokens(Model model) => model.Layers.Count > 0 && model.Layers[0].OpCase == Layer.OpOneofCase.Embedding;
}
