using System;
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

    /// <summary>y = 1 / (1 + exp(-x)), element by element.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = 1f / (1f + MathF.Exp(-x[i]));
        }
    }

    /// <summary>y = tanh(x), element by element.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = MathF.Tanh(x[i]);
        }
    }

    /// <summary>exp(x - max) / sum, so large inputs do not overflow.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = v > max ? v : max;
        }

        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            float e = MathF.Exp(x[i] - max);
            y[i] = e;
            sum += e;
        }

        float inverse = 1f / sum;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] *= inverse;
        }
    }
}
