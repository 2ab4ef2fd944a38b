using System;
using System.Numerics;
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
}
