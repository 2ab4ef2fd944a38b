using System;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Reference;

/// <summary>Each activation quantizer of the schema, element by element, written as its definition reads.</summary>
public static class ReferenceQuantizers
{
    /// <param name="portable">Online alternating codes on the scalar path only, the same on every machine
    /// (<see cref="AlternatingQuantizer.QuantizePortable"/>); otherwise the machine's fast path, as the generated code.</param>
    public static void Apply(ActivationQuantizer quantizer, float[] x, bool portable = false)
    {
        switch (quantizer.KindCase)
        {
            case ActivationQuantizer.KindOneofCase.Uniform:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = Uniform(x[i], quantizer.Uniform);
                }

                break;
            case ActivationQuantizer.KindOneofCase.Thresholds:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = Staircase(x[i], quantizer.Thresholds);
                }

                break;
            case ActivationQuantizer.KindOneofCase.LogQuant:
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = LogQuant(x[i], quantizer.LogQuant);
                }

                break;
            case ActivationQuantizer.KindOneofCase.OnlineMultiBinary:
                OnlineMultiBinary(x, quantizer.OnlineMultiBinary, portable);
                break;
            default:
                throw new ArgumentException("a quantizer without a kind", nameof(quantizer));
        }
    }

    public static float Uniform(float x, UniformActivation u)
    {
        if (u.Scale > 0f)
        {
            return Affine(x, u);
        }

        if (float.IsNaN(x))
        {
            return u.Lo;
        }

        float n = (1 << u.Bits) - 1;
        float clamped = Math.Clamp(x, u.Lo, u.Hi);
        float q = MathF.Round((clamped - u.Lo) * (n / (u.Hi - u.Lo)), MidpointRounding.ToEven);
        return u.Lo + q * (u.Hi - u.Lo) / n;
    }

    /// <summary>ONNX QuantizeLinear (round x / scale half to even, add the zero point, saturate) then DequantizeLinear.</summary>
    public static float Affine(float x, UniformActivation u)
    {
        int n = (1 << u.Bits) - 1;
        if (float.IsNaN(x))
        {
            return (0 - u.ZeroPoint) * u.Scale;
        }

        double rounded = Math.Round((double)(x / u.Scale), MidpointRounding.ToEven);
        long q = (long)Math.Clamp(rounded + u.ZeroPoint, 0, n);
        return (q - u.ZeroPoint) * u.Scale;
    }

    public static float Staircase(float x, ThresholdActivation t)
    {
        int below = 0;
        foreach (float threshold in t.Thresholds)
        {
            if (x > threshold)
            {
                below++;
            }
        }

        return t.Levels[below];
    }

    public static float LogQuant(float x, LogQuantActivation l)
    {
        if (float.IsNaN(x) || x <= 0f)
        {
            return 0f;
        }

        int levels = 1 << l.Bits;
        // Half away from zero, as the official code's CUDA round() does.
        double idx = Math.Round((16.0 * Math.Log2(x) - l.Fsr) / l.Step, MidpointRounding.AwayFromZero);
        if (idx < 0)
        {
            return 0f;
        }

        idx = Math.Min(levels - 2, idx);
        return (float)Math.Pow(2.0, (l.Fsr + l.Step * idx) / 16.0);
    }

    /// <summary>The alternating codes of the whole vector; the scalar <see cref="AlternatingQuantizer"/> is itself the reference.</summary>
    public static void OnlineMultiBinary(float[] x, OnlineMultiBinaryActivation o, bool portable = false)
    {
        float[] clean = Array.ConvertAll(x, v => float.IsFinite(v) ? v : 0f);
        var alphas = new float[o.Bits];
        if (portable)
        {
            AlternatingQuantizer.QuantizePortable(clean, o.Bits, o.Cycles, alphas, x, codes: default);
        }
        else
        {
            AlternatingQuantizer.Quantize(clean, o.Bits, o.Cycles, alphas, x, codes: default);
        }
    }
}
