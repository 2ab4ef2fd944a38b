using System;

namespace QuantGen;

/// <summary>
/// What every generated recurrent model (one with an LSTM or GRU layer) offers. The model itself holds
/// no mutable state: each sequence has its own <see cref="QuantGen.Runtime.RecurrentState"/>, so any
/// number of sequences may run at once, each on its own thread. A step allocates nothing.
/// </summary>
public interface IRecurrentQuantModel
{
    /// <summary>The model's name from its description.</summary>
    string Name { get; }

    /// <summary>Values in one step's input vector (1 for a model that reads token ids).</summary>
    int InputLength { get; }

    /// <summary>Values in one step's output vector (the logits of a language model).</summary>
    int OutputLength { get; }

    /// <summary>The number of token ids the first (embedding) layer knows, or 0 when the model reads vectors.</summary>
    int VocabularySize { get; }

    /// <summary>Bytes of parameters the model carries.</summary>
    long WeightBytes { get; }

    /// <summary>Bytes the same parameters take as float32.</summary>
    long Float32WeightBytes { get; }

    /// <summary>The input and output with their names and shapes, the vocabulary, and a summary of every layer (constants; no reflection).</summary>
    ModelMetadata Metadata { get; }

    /// <summary>A new state at the start of a sequence (all zero). The generated class's own <c>CreateState</c> returns its typed <c>State</c>.</summary>
    QuantGen.Runtime.RecurrentState CreateState();

    /// <summary>One step on a token id; advances <paramref name="state"/>.</summary>
    void Step(int token, QuantGen.Runtime.RecurrentState state, Span<float> output);

    /// <summary>One step on an input vector; advances <paramref name="state"/>.</summary>
    void Step(ReadOnlySpan<float> input, QuantGen.Runtime.RecurrentState state, Span<float> output);

    /// <summary>
    /// One step of several independent sequences together: <c>states[i]</c> advances on <c>tokens[i]</c> and writes output
    /// row i (<paramref name="outputs"/>: states.Length x OutputLength values). Each state gets exactly what
    /// <see cref="Step(int, QuantGen.Runtime.RecurrentState, Span{float})"/> gives it; the float32 and integer gate
    /// products of the recurrent layers take up to 16 states per call, reading each weight once for all of them. A
    /// state may appear only once.
    /// </summary>
    void StepMany(ReadOnlySpan<int> tokens, ReadOnlySpan<QuantGen.Runtime.RecurrentState> states, Span<float> outputs);

    /// <summary>
    /// <see cref="StepMany(ReadOnlySpan{int}, ReadOnlySpan{QuantGen.Runtime.RecurrentState}, Span{float})"/> on input
    /// vectors: <paramref name="inputs"/> holds states.Length x InputLength values, one vector per state.
    /// </summary>
    void StepMany(ReadOnlySpan<float> inputs, ReadOnlySpan<QuantGen.Runtime.RecurrentState> states, Span<float> outputs);
}
