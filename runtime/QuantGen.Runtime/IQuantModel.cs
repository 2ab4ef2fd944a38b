using System;

namespace QuantGen;

/// <summary>What every generated model offers. Implementations hold no mutable state: any number of
/// threads may call <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> at once.</summary>
public interface IQuantModel
{
    /// <summary>The model's name from its description.</summary>
    string Name { get; }

    /// <summary>Values in one input vector.</summary>
    int InputLength { get; }

    /// <summary>Values in one output vector.</summary>
    int OutputLength { get; }

    /// <summary>Bytes of parameters the model carries (packed codes, their scales and tables, biases).</summary>
    long WeightBytes { get; }

    /// <summary>Bytes the same parameters take as float32 (every weight and bias a 4-byte float).</summary>
    long Float32WeightBytes { get; }

    /// <summary>The input and output with their names and shapes, and a summary of every layer (constants; no reflection).</summary>
    ModelMetadata Metadata { get; }

    /// <summary>Runs the model on one input. Allocates nothing.</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs the model on <paramref name="batchSize"/> inputs stored one after another.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);
}
