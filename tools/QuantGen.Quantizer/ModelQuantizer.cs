using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>A method and a bit width, as written on the command line: <c>uniform:4</c>, <c>alternating:2</c>, <c>float</c>, <c>none</c>.</summary>
public sealed record MethodSpec(string Method, int Bits)
{
    public static MethodSpec Parse(string text)
    {
        string[] parts = text.Split(':');
        string method = parts[0].Trim().ToLowerInvariant();
        if (method is "float" or "none")
        {
            return new MethodSpec("none", 0);
        }

        if (parts.Length != 2 || !int.TryParse(parts[1], out int bits) || bits < 1 || bits > 8)
        {
            throw new FormatException($"'{text}' is not METHOD:BITS with BITS from 1 to 8 (or 'float' / 'none').");
        }

        if (method is not ("uniform" or "alternating"))
        {
            throw new FormatException($"unknown method '{method}'; this version knows uniform, alternating, float, none.");
        }

        return new MethodSpec(method, bits);
    }

    public bool IsNone => Method == "none";
}

/// <summary>
/// Post-training quantization of a float description: every Dense layer's weights with one method; the
/// inputs of every Dense layer but the first (which sees the raw model input) with another, calibrated
/// on the float model's own activations.
/// </summary>
public static class ModelQuantizer
{
    public static Model Quantize(Model floatModel, MethodSpec weights, MethodSpec activations, IReadOnlyList<float[]> calibration, string? name = null)
    {
        var model = floatModel.Clone();
        if (name is not null)
        {
            model.Name = name;
        }

        var interpreter = new ReferenceInterpreter(floatModel);
        float[][][] traces = calibration.Select(x => interpreter.Trace(x)).ToArray();
        bool first = true;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            if (layer.OpCase != Layer.OpOneofCase.Dense)
            {
                continue;
            }

            Dense dense = layer.Dense;
            if (dense.Weights.CodecCase != Weights.CodecOneofCase.Float32)
            {
                throw new InvalidOperationException($"layer {i} is already quantized; quantize from a float description.");
            }

            float[] w = dense.Weights.Float32.Values.ToArray();
            dense.Weights = weights.Method switch
            {
                "uniform" => WeightQuantizers.UniformSymmetric(w, dense.OutFeatures, dense.InFeatures, weights.Bits),
                "alternating" => WeightQuantizers.Alternating(w, dense.OutFeatures, dense.InFeatures, weights.Bits),
                _ => dense.Weights,
            };

            if (!first && !activations.IsNone)
            {
                if (activations.Method == "uniform" && calibration.Count == 0)
                {
                    throw new InvalidOperationException("uniform activations need calibration data.");
                }

                layer.InputQuantizer = activations.Method == "uniform"
                    ? ActivationCalibration.Uniform(traces.SelectMany(t => t[i]).ToArray(), activations.Bits)
                    : ActivationCalibration.OnlineAlternating(activations.Bits);
            }

            first = false;
        }

        return model;
    }
}
