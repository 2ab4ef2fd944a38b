using System;

namespace QuantGen.Runtime;

/// <summary>Row <c>token</c> of an embedding table in each weight codec, decoded into the output.</summary>
public static class EmbeddingLookup
{
    /// <summary>Bit clear: -1, set: +1. A static array: a span collection literal here allocated on every call.</summary>
    private static readonly float[] Signs = [-1f, 1f];

    /// <summary>The token id held in a step's one-value input: an integer from 0 to <paramref name="count"/> - 1.</summary>
    public static int Token(ReadOnlySpan<float> input, int count)
    {
        float t = input[0];
        if (!(t >= 0f && t < count) || t != MathF.Floor(t))
        {
            throw new ArgumentOutOfRangeException("token", t, $"A token id must be an integer from 0 to {count - 1}.");
        }

        return (int)t;
    }

    /// <summary>
    /// A sequence's token ids as the one-value step inputs the model reads, each checked first (0 to
    /// <paramref name="count"/> - 1), so that a bad id stops the sequence before any step runs.
    /// </summary>
    public static void Tokens(ReadOnlySpan<int> tokens, Span<float> inputs, int count, string name)
    {
        for (int t = 0; t < tokens.Length; t++)
        {
            if ((uint)tokens[t] >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(name, tokens[t], $"Token {t} is {tokens[t]}; a token id must be from 0 to {count - 1}.");
            }

            inputs[t] = tokens[t];
        }
    }

    /// <summary>Copies row <paramref name="token"/> of a float32 table into <paramref name="y"/>.</summary>
    public static void Float(int token, Span<float> y, ReadOnlySpan<float> table) => table.Slice(token * y.Length, y.Length).CopyTo(y);

    /// <summary>Decodes row <paramref name="token"/> of uniform k-bit codes into <paramref name="y"/>: scale * (code - zero point).</summary>
    public static void Uniform(int token, Span<float> y, ReadOnlySpan<byte> codes, int bits, bool signed, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints)
    {
        PackedRow.DecodeIntegers(codes, (long)token * y.Length, bits, signed, y);
        float scale = scales[scales.Length == 1 ? 0 : token];
        int zeroPoint = zeroPoints.IsEmpty ? 0 : zeroPoints[zeroPoints.Length == 1 ? 0 : token];
        for (int c = 0; c < y.Length; c++)
        {
            y[c] = scale * (y[c] - zeroPoint);
        }
    }

    /// <summary>Decodes row <paramref name="token"/> of k-bit level indices into <paramref name="y"/>: the levels they name.</summary>
    public static void Levels(int token, Span<float> y, ReadOnlySpan<byte> codes, int bits, ReadOnlySpan<float> levels)
    {
        Span<float> map = stackalloc float[1 << bits];
        map.Clear();
        levels.CopyTo(map);
        PackedRow.Decode(codes, (long)token * y.Length, bits, map, y);
    }

    /// <summary>Multi-binary rows: y = sum_j coefficient_j * (plane j's row as +-1); <paramref name="row"/> holds y.Length values.</summary>
    public static void MultiBinary(int token, Span<float> y, ReadOnlySpan<byte> planes, int bits, int rows, ReadOnlySpan<float> coefficients, Span<float> row)
    {
        row = row.Slice(0, y.Length);
        y.Clear();
        for (int j = 0; j < bits; j++)
        {
            PackedRow.Decode(planes, ((long)j * rows + token) * y.Length, 1, Signs, row);
            float a = coefficients[token * bits + j];
            for (int c = 0; c < y.Length; c++)
            {
                y[c] += a * row[c];
            }
        }
    }
}
