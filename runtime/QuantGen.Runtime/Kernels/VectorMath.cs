using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QuantGen.Runtime;

/// <summary>Small vector helpers the plain kernels share.</summary>
public static class VectorMath
{
    /// <summary>Sum of a[i] * b[i]. Four independent accumulators hide the add latency; the tail is scalar.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b.Slice(0, n));
            Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
            int v = 0;
            for (; v + 4 <= va.Length; v += 4)
            {
                s0 += va[v] * vb[v];
                s1 += va[v + 1] * vb[v + 1];
                s2 += va[v + 2] * vb[v + 2];
                s3 += va[v + 3] * vb[v + 3];
            }

            for (; v < va.Length; v++)
            {
                s0 += va[v] * vb[v];
            }

            sum = Vector.Sum((s0 + s1) + (s2 + s3));
            i = va.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Sum of the values.</summary>
    public static float Sum(ReadOnlySpan<float> a)
    {
        float sum = 0f;
        foreach (float x in a)
        {
            sum += x;
        }

        return sum;
    }

    /// <summary>y[i] = x[i] where it is finite, 0 where it is NaN or infinite (how every online coder treats
    /// a value it cannot code). x - x is 0 exactly for finite x and NaN otherwise.</summary>
    public static void FiniteOrZero(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            Span<Vector<float>> vy = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(0, x.Length));
            for (int v = 0; v < vx.Length; v++)
            {
                Vector<float> value = vx[v];
                vy[v] = Vector.ConditionalSelect(Vector.Equals(value - value, Vector<float>.Zero), value, Vector<float>.Zero);
            }

            i = vx.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            y[i] = float.IsFinite(x[i]) ? x[i] : 0f;
        }
    }

    /// <summary>The larger of a and b; NaN if either is NaN (as max pooling defines it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : MathF.Max(a, b);

    /// <summary>acc[i] = <see cref="Max(float, float)"/>(acc[i], x[i]).</summary>
    public static void MaxInto(ReadOnlySpan<float> x, Span<float> acc)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            Span<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(acc.Slice(0, x.Length));
            for (int v = 0; v < vx.Length; v++)
            {
                Vector<float> a = va[v], b = vx[v];
                // Lanes where either is NaN (x != x) take NaN, whatever the instruction's own NaN rule.
                Vector<int> nan = ~(Vector.Equals(a, a) & Vector.Equals(b, b));
                va[v] = Vector.ConditionalSelect(nan, new Vector<float>(float.NaN), Vector.Max(a, b));
            }

            i = vx.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            acc[i] = Max(acc[i], x[i]);
        }
    }
}
