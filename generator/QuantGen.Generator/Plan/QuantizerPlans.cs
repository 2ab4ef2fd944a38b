using System;
using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>An activation quantizer of the description as the emitter calls it.</summary>
internal static class QuantizerPlans
{
    public static QuantizerPlan Of(ActivationQuantizer q)
    {
        var none = EquatableArray<float>.Empty;
        switch (q.KindCase)
        {
            case ActivationQuantizer.KindOneofCase.Uniform:
            {
                UniformActivation u = q.Uniform;
                if (u.Scale > 0f)
                {
                    return new QuantizerPlan(QuantizerKind.Affine, u.Bits, u.Lo, u.Hi, 0, 0, 0, none, none,
                        $"Affine {u.Bits}-bit, scale {Invariant.Float(u.Scale)}, zero point {Invariant.Int(u.ZeroPoint)} (ONNX rounding)", u.Scale, u.ZeroPoint);
                }

                return new QuantizerPlan(QuantizerKind.Uniform, u.Bits, u.Lo, u.Hi, 0, 0, 0, none, none,
                    $"Uniform {u.Bits}-bit over [{Invariant.Float(u.Lo)}, {Invariant.Float(u.Hi)}]");
            }

            case ActivationQuantizer.KindOneofCase.Thresholds:
            {
                ThresholdActivation t = q.Thresholds;
                return new QuantizerPlan(QuantizerKind.Thresholds, t.Bits, 0, 0, 0, 0, 0, t.Thresholds.ToEquatableArray(), t.Levels.ToEquatableArray(),
                    $"Thresholds {t.Bits}-bit, {t.Levels.Count} levels");
            }

            case ActivationQuantizer.KindOneofCase.LogQuant:
            {
                LogQuantActivation l = q.LogQuant;
                // The level table is baked in; runtime and reference compute each level with the same double expression.
                float[] levels = Enumerable.Range(0, (1 << l.Bits) - 1).Select(i => (float)Math.Pow(2.0, (l.Fsr + (double)l.Step * i) / 16.0)).ToArray();
                return new QuantizerPlan(QuantizerKind.LogQuant, l.Bits, 0, 0, l.Fsr, l.Step, 0, none, levels.ToEquatableArray(),
                    $"LogQuant {l.Bits}-bit, fsr {Invariant.Int(l.Fsr)}, step {l.Step}");
            }

            default:
            {
                OnlineMultiBinaryActivation o = q.OnlineMultiBinary;
                return new QuantizerPlan(QuantizerKind.OnlineMultiBinary, o.Bits, 0, 0, 0, 0, o.Cycles, none, none,
                    $"OnlineMultiBinary {o.Bits}-bit, {o.Cycles} cycles");
            }
        }
    }
}
