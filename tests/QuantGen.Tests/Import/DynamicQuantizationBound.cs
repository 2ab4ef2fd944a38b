using System;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Tests.Import;

/// <summary>
/// How far ONNX Runtime's dynamically quantized MatMul (the dynq_ fixtures: DynamicQuantizeLinear, MatMulInteger)
/// may lie from the imported layer, which reads its input in float. DynamicQuantizeLinear codes x in 256 levels
/// s = (max(0, max x) - min(0, min x)) / 255 apart, with a rounded zero point: each x_c moves by at most one step s
/// (half a step of rounding, and at most half a step where the rounded zero point shifts the range's end). So
/// output r moves by at most s * sum_c |W[r, c]|, with W the dequantized weight of the first (dense) layer.
/// </summary>
internal static class DynamicQuantizationBound
{
    /// <summary>The allowance per output for input <paramref name="x"/>, or null for a model that is not a dynq_ fixture.</summary>
    public static float[]? Of(ImportedModel model, float[] x)
    {
        if (!model.Name.StartsWith("dynq_", StringComparison.Ordinal))
        {
            return null;
        }

        Dense dense = model.Description.Layers[0].Dense;
        float[] w = DequantizedWeights.Of(dense.Weights, dense.OutFeatures, dense.InFeatures);
        float step = (Math.Max(0f, x.Max()) - Math.Min(0f, x.Min())) / 255f;
        return Enumerable.Range(0, dense.OutFeatures)
            .Select(r => step * Enumerable.Range(0, dense.InFeatures).Sum(c => Math.Abs(w[r * dense.InFeatures + c])))
            .ToArray();
    }
}
