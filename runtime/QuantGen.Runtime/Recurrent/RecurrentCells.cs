using System;
using System.Numerics;

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
    /// <remarks>
    /// Vectorised (System.Numerics.Vector's Exp, in double): five scalar MathF.Exp/Tanh calls per unit took a
    /// third of a 512-unit 2-bit step.
    /// </remarks>
    public static void Lstm(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> c, Span<float> h, bool sigmoidCell)
    {
        int n = h.Length;
        int k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k + Vector<float>.Count <= n; k += Vector<float>.Count)
            {
                Vector<float> i = Sigmoid(new Vector<float>(gx.Slice(k)) + new Vector<float>(gh.Slice(k)));
                Vector<float> f = Sigmoid(new Vector<float>(gx.Slice(n + k)) + new Vector<float>(gh.Slice(n + k)));
                Vector<float> g = Tanh(new Vector<float>(gx.Slice(2 * n + k)) + new Vector<float>(gh.Slice(2 * n + k)));
                Vector<float> o = Sigmoid(new Vector<float>(gx.Slice(3 * n + k)) + new Vector<float>(gh.Slice(3 * n + k)));
                Vector<float> cell = f * new Vector<float>(c.Slice(k)) + i * g;
                cell.CopyTo(c.Slice(k));
                (o * (sigmoidCell ? Sigmoid(cell) : Tanh(cell))).CopyTo(h.Slice(k));
            }
        }

        for (; k < n; k++)
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

    /// <summary>The GRU's reset product r * (U_n h + d_n), which bit-RNN quantizes before the candidate. Vectorised as the LSTM cell.</summary>
    public static void GruReset(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> reset)
    {
        int n = reset.Length;
        int k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k + Vector<float>.Count <= n; k += Vector<float>.Count)
            {
                (Sigmoid(new Vector<float>(gx.Slice(k)) + new Vector<float>(gh.Slice(k))) * new Vector<float>(gh.Slice(2 * n + k))).CopyTo(reset.Slice(k));
            }
        }

        for (; k < n; k++)
        {
            reset[k] = Sigmoid(gx[k] + gh[k]) * gh[2 * n + k];
        }
    }

    /// <summary>
    /// r * h, for a GRU whose reset comes before the recurrent product (ONNX's linear_before_reset = 0): the
    /// product U (r * h) + d then gives the reset term of <see cref="GruUpdate"/> in its n rows.
    /// </summary>
    public static void GruResetHidden(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, Span<float> resetHidden)
    {
        int n = h.Length;
        int k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k + Vector<float>.Count <= n; k += Vector<float>.Count)
            {
                (Sigmoid(new Vector<float>(gx.Slice(k)) + new Vector<float>(gh.Slice(k))) * new Vector<float>(h.Slice(k))).CopyTo(resetHidden.Slice(k));
            }
        }

        for (; k < n; k++)
        {
            resetHidden[k] = Sigmoid(gx[k] + gh[k]) * h[k];
        }
    }

    /// <summary>n = tanh(W_n x + b_n + reset) (sigmoid with <paramref name="sigmoidCandidate"/>), h = (1 - z) * n + z * h.</summary>
    public static void GruUpdate(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> reset, Span<float> h, bool sigmoidCandidate)
    {
        int n = h.Length;
        int k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; k + Vector<float>.Count <= n; k += Vector<float>.Count)
            {
                Vector<float> z = Sigmoid(new Vector<float>(gx.Slice(n + k)) + new Vector<float>(gh.Slice(n + k)));
                Vector<float> a = new Vector<float>(gx.Slice(2 * n + k)) + new Vector<float>(reset.Slice(k));
                Vector<float> candidate = sigmoidCandidate ? Sigmoid(a) : Tanh(a);
                ((Vector<float>.One - z) * candidate + z * new Vector<float>(h.Slice(k))).CopyTo(h.Slice(k));
            }
        }

        for (; k < n; k++)
        {
            float z = Sigmoid(gx[n + k] + gh[n + k]);
            float a = gx[2 * n + k] + reset[k];
            float candidate = sigmoidCandidate ? Sigmoid(a) : MathF.Tanh(a);
            h[k] = (1f - z) * candidate + z * h[k];
        }
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    // In double, rounded once to float: as close to the reference's double Math.Exp / Math.Tanh as the scalar
    // MathF forms. A float tanh as 2 sigmoid(2v) - 1 was not: its error near 0 flipped an online code downstream.
    private static Vector<float> Sigmoid(Vector<float> x)
    {
        Vector.Widen(x, out Vector<double> low, out Vector<double> high);
        return Vector.Narrow(Vector<double>.One / (Vector<double>.One + Vector.Exp(-low)), Vector<double>.One / (Vector<double>.One + Vector.Exp(-high)));
    }

    private static Vector<float> Tanh(Vector<float> x)
    {
        Vector.Widen(x, out Vector<double> low, out Vector<double> high);
        return Vector.Narrow(Tanh(low), Tanh(high));
    }

    /// <summary>1 - 2 / (e^2v + 1): exact limits +-1 for large |v| (e^2v overflows to infinity or underflows to 0).</summary>
    private static Vector<double> Tanh(Vector<double> v) => Vector<double>.One - new Vector<double>(2.0) / (Vector.Exp(v + v) + Vector<double>.One);
}
