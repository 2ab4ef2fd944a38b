using System;
using System.Numerics;

namespace QuantGen.Runtime;

/// <summary>Clip (ReLU6) and LeakyRelu, and the element-wise sum where a graph joins.</summary>
public static partial class Activations
{
    /// <summary>
    /// y = min(max(x, lo), hi), element by element; NaN stays NaN (both comparisons are false for it, on every
    /// path). The tail runs scalar rather than overlapping the last vector, so that the loop shape matches
    /// <see cref="LeakyRelu"/> and <see cref="Add"/>, which must not run twice on a value in place.
    /// </summary>
    public static void Clip(ReadOnlySpan<float> x, Span<float> y, float lo, float hi)
    {
        KernelChecks.AtLeast(y.Length, x.Length, nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var low = new Vector<float>(lo);
            var high = new Vector<float>(hi);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                v = Vector.ConditionalSelect(Vector.LessThan(v, low), low, v);
                Vector.ConditionalSelect(Vector.GreaterThan(v, high), high, v).CopyTo(y.Slice(i));
            }
        }

        for (; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v < lo ? lo : v > hi ? hi : v;
        }
    }

    /// <summary>y = x &lt; 0 ? alpha * x : x, element by element (a float32 product); NaN stays NaN.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        KernelChecks.AtLeast(y.Length, x.Length, nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<float>(alpha);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), v * a, v).CopyTo(y.Slice(i));
            }
        }

        for (; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v < 0f ? alpha * v : v;
        }
    }

    /// <summary>y = a + b, element by element, in float32; y may be a or b.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        KernelChecks.AtLeast(b.Length, a.Length, nameof(b));
        KernelChecks.AtLeast(y.Length, a.Length, nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(a.Slice(i)) + new Vector<float>(b.Slice(i))).CopyTo(y.Slice(i));
            }
        }

        for (; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }
    }
}
