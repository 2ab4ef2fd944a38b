using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace QuantGen;

/// <summary>
/// One layer of a generated model, as the generated file's header table shows it: what it computes, the shapes
/// it reads and writes, the bit widths of its weights and of its input, the kernel the generator chose, and
/// the bytes of parameters it carries. Generated code fills it in with constants.
/// </summary>
public sealed class LayerMetadata
{
    private readonly IReadOnlyList<int> _inputShape = Array.Empty<int>();
    private readonly IReadOnlyList<int> _outputShape = Array.Empty<int>();

    /// <summary>The layer's position in the model, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>The layer's name in the description ("" when it has none).</summary>
    public required string Name { get; init; }

    /// <summary>What the layer computes: Dense, Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d, Flatten, Embedding, Lstm, Gru, Relu, Sigmoid, Tanh, Softmax, Clip, LeakyRelu, Add or Concat.</summary>
    public required string Kind { get; init; }

    /// <summary>The shape of the values the layer reads (for the first layer, the model's input shape).</summary>
    public required IReadOnlyList<int> InputShape { get => _inputShape; init => _inputShape = Copy(value); }

    /// <summary>The shape of the values the layer writes: channels, height, width after a Conv2d or a pooling layer; one dimension otherwise (an element-wise layer or an Add keeps its input's).</summary>
    public required IReadOnlyList<int> OutputShape { get => _outputShape; init => _outputShape = Copy(value); }

    /// <summary>Bits per weight code: 1 to 8 for quantized weights (the wider, when an LSTM's or GRU's two matrices differ), 32 for float32 weights, 0 for a layer without weights.</summary>
    public required int WeightBits { get; init; }

    /// <summary>Bits of the quantizer applied to the layer's input: 1 to 8, or 32 when the layer reads float values as they are.</summary>
    public required int ActivationBits { get; init; }

    /// <summary>The weights' encoding, for example "Uniform 4-bit signed, per-row scale" ("" for a layer without weights).</summary>
    public required string Weights { get; init; }

    /// <summary>The input quantizer, for example "Uniform 2-bit over [0, 1]" ("" when the input is not quantized).</summary>
    public required string InputQuantizer { get; init; }

    /// <summary>The kernel the generator chose for each weight matrix (for example "Int8" or "PlaneLut, PlaneLut"); for a layer without weights, its kind.</summary>
    public required string Kernel { get; init; }

    /// <summary>Bytes of parameters the layer carries as the generated class stores them (codes, scales, tables, bias); they add up to <see cref="ModelMetadata.WeightBytes"/>.</summary>
    public required long ParameterBytes { get; init; }

    /// <summary>One line: index, name, kind and shapes, for example <c>0 conv Conv2d [1, 12, 12] -> [6, 12, 12]</c>.</summary>
    public override string ToString() => $"{Index} {Name} {Kind} {ShapeText.Of(InputShape)} -> {ShapeText.Of(OutputShape)}";

    private static IReadOnlyList<int> Copy(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var copy = new int[shape.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = shape[i];
        }

        return new ReadOnlyCollection<int>(copy);
    }
}
