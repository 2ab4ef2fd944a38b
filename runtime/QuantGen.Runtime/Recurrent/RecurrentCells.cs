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
    /// Vectorised (<see cref="ICellLanes{V}"/>, sigmoid and tanh in float by <see cref="CellMath"/>): five scalar
    /// MathF.Exp/Tanh calls per unit took a third of a 512-unit 2-bit step. In three passes, h = i * g, then
    /// c = f * c + h, then h = o * tanh(c), each with at most two functions per vector: with all five in one loop a
    /// step of 8 units was about 400 instructions on one dependent chain (sigmoid, cell, tanh), more than the core's
    /// reorder window, so the steps ran one after another (256 units: 2.3 us, 1.0 us in passes on an AVX2 EPYC). The
    /// products and sums are the one-pass cell's, in the same order, so the bits are too.
    /// </remarks>
    public static void Lstm(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> c, Span<float> h, bool sigmoidCell)
    {
        Cascade(new LstmInputCell(gx, gh, h));
        Cascade(new LstmStateCell(gx, gh, c, h));
        Cascade(new LstmOutputCell(gx, gh, c, h, sigmoidCell));
    }

    /// <summary>The GRU's reset product r * (U_n h + d_n), which bit-RNN quantizes before the candidate. Vectorised as the LSTM cell.</summary>
    public static void GruReset(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> reset) =>
        Cascade(new GruResetCell(gx, gh, gh.Slice(2 * reset.Length), reset, reset.Length));

    /// <summary>
    /// r * h, for a GRU whose reset comes before the recurrent product (ONNX's linear_before_reset = 0): the
    /// product U (r * h) + d then gives the reset term of <see cref="GruUpdate"/> in its n rows.
    /// </summary>
    public static void GruResetHidden(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> h, Span<float> resetHidden) =>
        Cascade(new GruResetCell(gx, gh, h, resetHidden, h.Length));

    /// <summary>n = tanh(W_n x + b_n + reset) (sigmoid with <paramref name="sigmoidCandidate"/>), h = (1 - z) * n + z * h.</summary>
    public static void GruUpdate(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> reset, Span<float> h, bool sigmoidCandidate) =>
        Cascade(new GruUpdateCell(gx, gh, reset, h, sigmoidCandidate));

    /// <summary>
    /// Runs a cell over all its units: whole vectors of the widest accelerated width first, then of each
    /// narrower one over what is left, then the scalar twin.
    /// </summary>
    private static void Cascade<C>(C cell)
        where C : ICell, allows ref struct
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = cell.Run<CellLanes512, Vector512<float>>(k);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            k = cell.Run<CellLanes256, Vector256<float>>(k);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            k = cell.Run<CellLanes128, Vector128<float>>(k);
        }

        cell.Run<CellLanes1, float>(k);
    }

    /// <summary>A cell's element-wise work over its operands.</summary>
    private interface ICell
    {
        /// <summary>Units k, k + 1, ... in whole vectors of L; returns the first unit left.</summary>
        int Run<L, V>(int k)
            where L : struct, ICellLanes<V>
            where V : struct;
    }

    /// <summary>The LSTM's i * g (input gate times candidate), into h until the last pass overwrites it.</summary>
    private readonly ref struct LstmInputCell(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> h) : ICell
    {
        private readonly ReadOnlySpan<float> gx = gx;
        private readonly ReadOnlySpan<float> gh = gh;
        private readonly Span<float> h = h;

        public int Run<L, V>(int k)
            where L : struct, ICellLanes<V>
            where V : struct
        {
            int n = h.Length;
            for (; k + L.Count <= n; k += L.Count)
            {
                V i = CellMath.Sigmoid<L, V>(L.Add(L.Load(gx, k), L.Load(gh, k)));
                V g = CellMath.Tanh<L, V>(L.Add(L.Load(gx, 2 * n + k), L.Load(gh, 2 * n + k)));
                L.Store(L.Multiply(i, g), h, k);
            }

            return k;
        }
    }

    /// <summary>The LSTM's new cell c = f * c + i * g, i * g read from h.</summary>
    private readonly ref struct LstmStateCell(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, Span<float> c, ReadOnlySpan<float> inputTimesCandidate) : ICell
    {
        private readonly ReadOnlySpan<float> gx = gx;
        private readonly ReadOnlySpan<float> gh = gh;
        private readonly Span<float> c = c;
        private readonly ReadOnlySpan<float> inputTimesCandidate = inputTimesCandidate;

        public int Run<L, V>(int k)
            where L : struct, ICellLanes<V>
            where V : struct
        {
            int n = c.Length;
            for (; k + L.Count <= n; k += L.Count)
            {
                V f = CellMath.Sigmoid<L, V>(L.Add(L.Load(gx, n + k), L.Load(gh, n + k)));
                L.Store(L.Add(L.Multiply(f, L.Load(c, k)), L.Load(inputTimesCandidate, k)), c, k);
            }

            return k;
        }
    }

    /// <summary>The LSTM's h = o * tanh(c) (o * sigmoid(c) in bit-RNN).</summary>
    private readonly ref struct LstmOutputCell(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> c, Span<float> h, bool sigmoidCell) : ICell
    {
        private readonly ReadOnlySpan<float> gx = gx;
        private readonly ReadOnlySpan<float> gh = gh;
        private readonly ReadOnlySpan<float> c = c;
        private readonly Span<float> h = h;
        private readonly bool sigmoidCell = sigmoidCell;

        public int Run<L, V>(int k)
            where L : struct, ICellLanes<V>
            where V : struct
        {
            int n = h.Length;
            for (; k + L.Count <= n; k += L.Count)
            {
                V o = CellMath.Sigmoid<L, V>(L.Add(L.Load(gx, 3 * n + k), L.Load(gh, 3 * n + k)));
                V cell = L.Load(c, k);
                L.Store(L.Multiply(o, sigmoidCell ? CellMath.Sigmoid<L, V>(cell) : CellMath.Tanh<L, V>(cell)), h, k);
            }

            return k;
        }
    }

    /// <summary>sigmoid(gx_r + gh_r) * factor over n units, the GRU's reset gate applied to <paramref name="factor"/>: U_n h + d_n or h.</summary>
    private readonly ref struct GruResetCell(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> factor, Span<float> result, int n) : ICell
    {
        private readonly ReadOnlySpan<float> gx = gx;
        private readonly ReadOnlySpan<float> gh = gh;
        private readonly ReadOnlySpan<float> factor = factor;
        private readonly Span<float> result = result;
        private readonly int n = n;

        public int Run<L, V>(int k)
            where L : struct, ICellLanes<V>
            where V : struct
        {
            for (; k + L.Count <= n; k += L.Count)
            {
                L.Store(L.Multiply(CellMath.Sigmoid<L, V>(L.Add(L.Load(gx, k), L.Load(gh, k))), L.Load(factor, k)), result, k);
            }

            return k;
        }
    }

    private readonly ref struct GruUpdateCell(ReadOnlySpan<float> gx, ReadOnlySpan<float> gh, ReadOnlySpan<float> reset, Span<float> h, bool sigmoidCandidate) : ICell
    {
        private readonly ReadOnlySpan<float> gx = gx;
        private readonly ReadOnlySpan<float> gh = gh;
        private readonly ReadOnlySpan<float> reset = reset;
        private readonly Span<float> h = h;
        private readonly bool sigmoidCandidate = sigmoidCandidate;

        public int Run<L, V>(int k)
            where L : struct, ICellLanes<V>
            where V : struct
        {
            int n = h.Length;
            for (; k + L.Count <= n; k += L.Count)
            {
                V z = CellMath.Sigmoid<L, V>(L.Add(L.Load(gx, n + k), L.Load(gh, n + k)));
                V a = L.Add(L.Load(gx, 2 * n + k), L.Load(reset, k));
                V candidate = sigmoidCandidate ? CellMath.Sigmoid<L, V>(a) : CellMath.Tanh<L, V>(a);
                L.Store(L.Add(L.Multiply(L.Subtract(L.One, z), candidate), L.Multiply(z, L.Load(h, k))), h, k);
            }

            return k;
        }
    }
}
