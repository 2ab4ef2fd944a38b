using System;
using System.Runtime.Intrinsics;

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
    /// Vectorised (<see cref="ICellLanes{V}"/>, in double): five scalar MathF.Exp/Tanh calls per unit took a
    /// third of a 512-unit 2-bit step.
    /// </remarks>
    public static void Lstm(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> c, Span<float> h, bool sigmoidCell)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = Lstm<CellLanes512, Vector512<float>>(k, gx, gh, c, h, sigmoidCell);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            k = Lstm<CellLanes256, Vector256<float>>(k, gx, gh, c, h, sigmoidCell);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            k = Lstm<CellLanes128, Vector128<float>>(k, gx, gh, c, h, sigmoidCell);
        }

        Lstm<CellLanes1, float>(k, gx, gh, c, h, sigmoidCell);
    }

    /// <summary>The LSTM cell from unit <paramref name="k"/> on, in whole vectors of L; returns the first unit left.</summary>
    private static int Lstm<L, V>(int k, ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> c, Span<float> h, bool sigmoidCell)
        where L : struct, ICellLanes<V>
        where V : struct
    {
        int n = h.Length;
        for (; k + L.Count <= n; k += L.Count)
        {
            V i = L.Sigmoid(L.Add(L.Load(gx, k), L.Load(gh, k)));
            V f = L.Sigmoid(L.Add(L.Load(gx, n + k), L.Load(gh, n + k)));
            V g = L.Tanh(L.Add(L.Load(gx, 2 * n + k), L.Load(gh, 2 * n + k)));
            V o = L.Sigmoid(L.Add(L.Load(gx, 3 * n + k), L.Load(gh, 3 * n + k)));
            V cell = L.Add(L.Multiply(f, L.Load(c, k)), L.Multiply(i, g));
            L.Store(cell, c, k);
            L.Store(L.Multiply(o, sigmoidCell ? L.Sigmoid(cell) : L.Tanh(cell)), h, k);
        }

        return k;
    }

    /// <summary>The GRU's reset product r * (U_n h + d_n), which bit-RNN quantizes before the candidate. Vectorised as the LSTM cell.</summary>
    public static void GruReset(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> reset)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = GruReset<CellLanes512, Vector512<float>>(k, gx, gh, reset);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            k = GruReset<CellLanes256, Vector256<float>>(k, gx, gh, reset);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            k = GruReset<CellLanes128, Vector128<float>>(k, gx, gh, reset);
        }

        GruReset<CellLanes1, float>(k, gx, gh, reset);
    }

    private static int GruReset<L, V>(int k, ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> reset)
        where L : struct, ICellLanes<V>
        where V : struct
    {
        int n = reset.Length;
        for (; k + L.Count <= n; k += L.Count)
        {
            L.Store(L.Multiply(L.Sigmoid(L.Add(L.Load(gx, k), L.Load(gh, k))), L.Load(gh, 2 * n + k)), reset, k);
        }

        return k;
    }

    /// <summary>
    /// r * h, for a GRU whose reset comes before the recurrent product (ONNX's linear_before_reset = 0): the
    /// product U (r * h) + d then gives the reset term of <see cref="GruUpdate"/> in its n rows.
    /// </summary>
    public static void GruResetHidden(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, Span<float> resetHidden)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = GruResetHidden<CellLanes512, Vector512<float>>(k, gx, gh, h, resetHidden);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            k = GruResetHidden<CellLanes256, Vector256<float>>(k, gx, gh, h, resetHidden);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            k = GruResetHidden<CellLanes128, Vector128<float>>(k, gx, gh, h, resetHidden);
        }

        GruResetHidden<CellLanes1, float>(k, gx, gh, h, resetHidden);
    }

    private static int GruResetHidden<L, V>(int k, ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, Span<float> resetHidden)
        where L : struct, ICellLanes<V>
        where V : struct
    {
        int n = h.Length;
        for (; k + L.Count <= n; k += L.Count)
        {
            L.Store(L.Multiply(L.Sigmoid(L.Add(L.Load(gx, k), L.Load(gh, k))), L.Load(h, k)), resetHidden, k);
        }

        return k;
    }

    /// <summary>n = tanh(W_n x + b_n + reset) (sigmoid with <paramref name="sigmoidCandidate"/>), h = (1 - z) * n + z * h.</summary>
    public static void GruUpdate(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> reset, Span<float> h, bool sigmoidCandidate)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = GruUpdate<CellLanes512, Vector512<float>>(k, gx, gh, reset, h, sigmoidCandidate);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            k = GruUpdate<CellLanes256, Vector256<float>>(k, gx, gh, reset, h, sigmoidCandidate);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            k = GruUpdate<CellLanes128, Vector128<float>>(k, gx, gh, reset, h, sigmoidCandidate);
        }

        GruUpdate<CellLanes1, float>(k, gx, gh, reset, h, sigmoidCandidate);
    }

    private static int GruUpdate<L, V>(int k, ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> reset, Span<float> h, bool sigmoidCandidate)
        where L : struct, ICellLanes<V>
        where V : struct
    {
        int n = h.Length;
        for (; k + L.Count <= n; k += L.Count)
        {
            V z = L.Sigmoid(L.Add(L.Load(gx, n + k), L.Load(gh, n + k)));
            V a = L.Add(L.Load(gx, 2 * n + k), L.Load(reset, k));
            V candidate = sigmoidCandidate ? L.Sigmoid(a) : L.Tanh(a);
            L.Store(L.Add(L.Multiply(L.Subtract(L.One, z), candidate), L.Multiply(z, L.Load(h, k))), h, k);
        }

        return k;
    }
}
