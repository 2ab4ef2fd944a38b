using System;
using System.Diagnostics.CodeAnalysis;

namespace QuantGen.Runtime;

/// <summary>Argument checks for generated code, with the throw kept out of line so the callers stay small.</summary>
public static class Guard
{
    public static void Length(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, name);
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

    [DoesNotReturn]
    private static void ThrowLength(int actual, int expected, string name) =>
        throw new ArgumentException($"{name} holds {actual} values; the model needs exactly {expected}.", name);
}
