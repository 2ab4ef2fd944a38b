using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace QuantGen;

/// <summary>
/// What a generated model is, at run time: its input and output with their names and shapes, the vocabulary
/// of a model that reads token ids, and a summary of every layer. The generator writes it as constants into
/// the model class (no reflection, nothing read from disk), so it works the same after trimming and Native AOT.
/// </summary>
/// <example><code>
/// var model = new Digits();
/// Console.WriteLine($"{model.Metadata.Input} -> {model.Metadata.Output}");   // pixels [64] -> logits [10]
/// foreach (LayerMetadata layer in model.Metadata.Layers)
///     Console.WriteLine($"{layer}: {layer.WeightBits}-bit weights, {layer.Kernel}, {layer.ParameterBytes} bytes");
/// </code></example>
public sealed class ModelMetadata
{
    private readonly IReadOnlyList<LayerMetadata> _layers = Array.Empty<LayerMetadata>();

    /// <summary>The model's name from its description.</summary>
    public required string Name { get; init; }

    /// <summary>The model's input: its name and shape (for a model that reads token ids, shape [1]).</summary>
    public required TensorMetadata Input { get; init; }

    /// <summary>The model's output: its name and shape.</summary>
    public required TensorMetadata Output { get; init; }

    /// <summary>The number of token ids a model that reads them knows (its first layer is an Embedding); 0 for a model that reads vectors.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>Bytes of parameters the model carries: the sum of the layers' <see cref="LayerMetadata.ParameterBytes"/>, and the model's <c>WeightBytes</c>.</summary>
    public required long WeightBytes { get; init; }

    /// <summary>Bytes the same parameters take as float32 (every weight and bias a 4-byte float).</summary>
    public required long Float32WeightBytes { get; init; }

    /// <summary>The layers in the order they run.</summary>
    public required IReadOnlyList<LayerMetadata> Layers
    {
        get => _layers;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var copy = new LayerMetadata[value.Count];
            for (int i = 0; i < copy.Length; i++)
            {
                copy[i] = value[i] ?? throw new ArgumentException($"Layer {i} is null.", nameof(value));
            }

            _layers = new ReadOnlyCollection<LayerMetadata>(copy);
        }
    }

    /// <summary>One line: the name, the input and output, the number of layers and the parameter bytes.</summary>
    public override string ToString() => $"{Name}: {Input} -> {Output}, {Layers.Count} layers, {WeightBytes} parameter bytes";
}
