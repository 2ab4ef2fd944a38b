using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace QuantGen.Runtime;

/// <summary>Element-wise activation functions; source and destination may be the same span. NaN propagates.</summary>
public static partial class Activations
{
    /// <summary>y = max(x, 0), element by element.</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        // max(x, 0) written so that NaN stays NaN and -0 stays -0 (x < 0 is false for both), on every path.
        // The last vector overlaps the one before rather than running a scalar tail; in place that only
        // applies ReLU twice to a few values, which changes nothing.
        int n = x.Length;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            for (int i = 0; i < n; i += Vector512<float>.Count)
            {
                nuint at = (nuint)Math.Min(i, n - Vector512<float>.Count);
                Vector512<float> v = Vector512.LoadUnsafe(ref xs, at);
                Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), Vector512<float>.Zero, v).StoreUnsafe(ref ys, at);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            for (int i = 0; i < n; i += Vector256<float>.Count)
            {
                nuint at = (nuint)Math.Min(i, n - Vector256<float>.Count);
                Vector256<float> v = Vector256.LoadUnsafe(ref xs, at);
                Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), Vector256<float>.Zero, v).StoreUnsafe(ref ys, at);
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            for (int i = 0; i < n; i += Vector128<float>.Count)
            {
                nuint at = (nuint)Math.Min(i, n - Vector128<float>.Count);
                Vector128<float> v = Vector128.LoadUnsafe(ref xs, at);
                Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128<float>.Zero), Vector128<float>.Zero, v).StoreUnsafe(ref ys, at);
            }
        }
        else
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = x[i] < 0f ? 0f : x[i];
            }
        }
    }

    /// <summary>y = 1 / (1 + exp(-x)), element by element (CellMath's float formula, as the recurrent cells).</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, default(SigmoidOp));

    /// <summary>y = tanh(x), element by element (CellMath's float formula, as the recurrent cells).</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, default(TanhOp));

    /// <summary>exp(x - max) / sum, so large inputs do not overflow.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = v > max ? v : max;
        }

        Map(x, y, new ShiftedExpOp(max));
        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            sum += y[i];
        }

        float inverse = 1f / sum;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] *= inverse;
        }
    }

    /// <summary>
    /// y[i] = op(x[i]) at the widest accelerated vector width for every element, a last partial vector through a
    /// padded copy, so an element's result does not depend on the span's length or its place in it (a batch gives
    /// each input what a single call gives); the scalar twin only where no vector width is accelerated.
    /// Source and destination may be the same span.
    /// </summary>
    private static void Map<F>(ReadOnlySpan<float> x, Span<float> y, F op)
        where F : struct, IElementOp
    {
        KernelChecks.AtLeast(y.Length, x.Length, nameof(y));
        if (Vector512.IsHardwareAccelerated)
        {
            Map<F, CellLanes512, Vector512<float>>(x, y, op);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Map<F, CellLanes256, Vector256<float>>(x, y, op);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Map<F, CellLanes128, Vector128<float>>(x, y, op);
        }
        else
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = op.Apply<CellLanes1, float>(x[i]);
            }
        }
    }

    private static void Map<F, L, V>(ReadOnlySpan<float> x, Span<float> y, F op)
        where F : struct, IElementOp
        where L : struct, ICellLanes<V>
        where V : struct
    {
        int i = 0;
        for (; i + L.Count <= x.Length; i += L.Count)
        {
            L.Store(op.Apply<L, V>(L.Load(x, i)), y, i);
        }

        if (i < x.Length)
        {
            Span<float> tail = stackalloc float[L.Count];
            tail.Clear();
            x.Slice(i).CopyTo(tail);
            L.Store(op.Apply<L, V>(L.Load(tail, 0)), tail, 0);
            tail.Slice(0, x.Length - i).CopyTo(y.Slice(i));
        }
    }

    /// <summary>An element-wise function over the cells' lane primitives.</summary>
    private interface IElementOp
    {
        V Apply<L, V>(V v)
            where L : struct, ICellLanes<V>
            where V : struct;
    }

    private readonly struct SigmoidOp : IElementOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V Apply<L, V>(V v)
            where L : struct, ICellLanes<V>
            where V : struct => CellMath.Sigmoid<L, V>(v);
    }

    private readonly struct TanhOp : IElementOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V Apply<L, V>(V v)
            where L : struct, ICellLanes<V>
            where V : struct => CellMath.Tanh<L, V>(v);
    }

    /// <summary>e^(v - max), softmax's numerators.</summary>
    private readonly struct ShiftedExpOp(float max) : IElementOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public V Apply<L, V>(V v)
            where L : struct, ICellLanes<V>
            where V : struct => L.Exp(L.Subtract(v, L.Create(max)));
    }
}
