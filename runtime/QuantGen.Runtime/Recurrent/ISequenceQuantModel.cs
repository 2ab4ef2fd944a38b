using System;

namespace QuantGen;

/// <summary>
/// Whole sequences through a generated recurrent model: every generated model with an LSTM or GRU layer offers
/// it, and a model with a bidirectional layer offers only this (a step's output depends on the steps after it).
/// Each call runs one sequence from the zero state. The model holds no mutable state: calls may run on several
/// threads at once. The working memory is the calling thread's (<see cref="QuantGen.Runtime.ScratchBuffer"/>),
/// grown when a longer sequence than before comes, so calls allocate nothing once it is large enough.
/// </summary>
public interface ISequenceQuantModel
{
    /// <summary>The model's name from its description.</summary>
    string Name { get; }

    /// <summary>Values in one step's input vector (1 for a model that reads token ids).</summary>
    int InputLength { get; }

    /// <summary>Values in one step's output vector.</summary>
    int OutputLength { get; }

    /// <summary>The number of token ids the first (embedding) layer knows, or 0 when the model reads vectors.</summary>
    int VocabularySize { get; }

    /// <summary>
    /// Runs <paramref name="steps"/> input vectors (<paramref name="inputs"/>: steps x InputLength values, step after
    /// step) as one sequence and writes every step's output (<paramref name="outputs"/>: steps x OutputLength).
    /// </summary>
    void PredictSequence(ReadOnlySpan<float> inputs, int steps, Span<float> outputs);

    /// <summary>Like <see cref="PredictSequence(ReadOnlySpan{float}, int, Span{float})"/>, writing only the last step's output (OutputLength values).</summary>
    void PredictLast(ReadOnlySpan<float> inputs, int steps, Span<float> output);

    /// <summary>A sequence of token ids (a model whose first layer is an embedding; others throw InvalidOperationException): every step's output, tokens.Length x OutputLength values.</summary>
    void PredictSequence(ReadOnlySpan<int> tokens, Span<float> outputs);

    /// <summary>A sequence of token ids: the last step's output.</summary>
    void PredictLast(ReadOnlySpan<int> tokens, Span<float> output);
}
