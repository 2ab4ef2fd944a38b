using System;

namespace QuantGen.Runtime;

/// <summary>Element-wise activation functions; source and destination may be the same span. NaN propagates.</summary>
public static class Activations
{
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            // Written so that NaN stays NaN (x > 0 is false for NaN, but NaN is returned as is).
            y[i] = x[i] < 0f ? 0f : x[i];
        }
    }

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = 1f / (1f + MathF.Exp(-x[i]));
        }
    }

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
