using System;

namespace QuantGen.Runtime;

/// <summary>
/// The element-wise part of an LSTM or GRU step, after the two gate products gx = W x + b and
/// gh = U h + d (PyTorch's gate layout: LSTM i, f, g, o; GRU r, z, n; each block n values).
/// </summary>
public static class RecurrentCells
{
    /// <summary>
    /// c = f * c + i * g, h = o * tanh(c) (or o * sigmoid(c) with <paramref name="sigmoidCell"/>, bit-RNN).
    /// Updates <paramref name="c"/> and writes the new hidden state into <paramref name="h"/>.
    /// </summary>
    public static void Lstm(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> c, Span<float> h, bool sigmoidCell)
    {
        int n = h.Length;
        for (int k = 0; k < n; k++)
        {
            float i = Sigmoid(gx[k] + gh[k]);
            float f = Sigmoid(gx[n + k] + gh[n + k]);
            float g = MathF.Tanh(gx[2 * n + k] + gh[2 * n + k]);
            float o = Sigmoid(gx[3 * n + k] + gh[3 * n + k]);
            float cell = f * c[k] + i * g;
            c[k] = cell;
            h[k] = o * (sigmoidCell ? Sigmoid(cell) : MathF.Tanh(cell));
        }
    }

    /// <summary>The GRU's reset product r * (U_n h + d_n), which bit-RNN quantizes before the candidate.</summary>
    public static void GruReset(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> reset)
    {
        int n = reset.Length;
        for (int k = 0; k < n; k++)
        {
            reset[k] = Sigmoid(gx[k] + gh[k]) * gh[2 * n + k];
        }
    }

    /// <summary>n = tanh(W_n x + b_n + reset) (sigmoid with <paramref name="sigmoidCandidate"/>), h = (1 - z) * n + z * h.</summary>
    public static void GruUpdate(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> reset, Span<float> h, bool sigmoidCandidate)
    {
        int n = h.Length;
        for (int k = 0; k < n; k++)
        {
            float z = Sigmoid(gx[n + k] + gh[n + k]);
            float a = gx[2 * n + k] + reset[k];
            float candidate = sigmoidCandidate ? Sigmoid(a) : MathF.Tanh(a);
            h[k] = (1f - z) * candidate + z * h[k];
        }
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
