using System;
using System.Diagnostics.CodeAnalysis;

namespace QuantGen.Runtime;

/// <summary>Argument checks for generated code, with the throw kept out of line so the callers stay small.</summary>
public static class Guard
{
    /// <summary>Checks that a span named <paramref name="name"/> holds exactly <paramref name="expected"/> values.</summary>
    /// <exception cref="ArgumentException">When it holds <paramref name="actual"/> values, another number.</exception>
    public static void Length(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, name);
        }
    }

    /// <summary>Checks that a call stepping several states has one token per state.</summary>
    public static void PerState(int actual, int states, string name)
    {
        if (actual != states)
        {
            throw new ArgumentException($"{name} holds {actual} ids for {states} states; give one token per state.", name);
        }
    }

    /// <summary>Checks a batch: <paramref name="actual"/> must be <paramref name="batchSize"/> vectors of <paramref name="vector"/> values.</summary>
    public static void BatchLength(int actual, int batchSize, int vector, string name)
    {
        if (batchSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size cannot be negative.");
        }

        if (actual != (long)batchSize * vector)
        {
            throw new ArgumentException($"{name} holds {actual} values; a batch of {batchSize} needs {(long)batchSize * vector}.", name);
        }
    }

    /// <summary>Checks a sequence length that must be at least one (the last step's output needs a step).</summary>
    public static void Steps(int steps, string name)
    {
        if (steps < 1)
        {
            throw new ArgumentOutOfRangeException(name, steps, "A sequence needs at least one step.");
        }
    }

    /// <summary>
    /// Refuses an output that shares memory with the input. The forward pass writes its first layer's
    /// results before it has read all of the input, so <c>Predict(b, b)</c> would give wrong values (and in
    /// a batch, outputs that overlap later inputs would change them); in-place use is not supported.
    /// </summary>
    public static void NoOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
    {
        if (input.Overlaps(output))
        {
            ThrowOverlap(inputName, outputName);
        }
    }

    [DoesNotReturn]
    private static void ThrowOverlap(string inputName, string outputName) =>
        throw new ArgumentException($"{outputName} overlaps {inputName}; the model cannot write its outputs over its inputs: give it separate memory.", outputName);

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string name) =>
        throw new ArgumentException($"{name} holds {actual} values; the model needs exactly {expected}.", name);
}
