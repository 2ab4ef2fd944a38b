using System;
using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Import;

/// <summary>
/// The weight half of an already-quantized (QDQ) model: a DequantizeLinear of a constant integer tensor (ONNX
/// Runtime's quantize_static writes INT8/UINT8 weights and INT32 biases so), or of a QuantizeLinear of a
/// constant float tensor (PyTorch's QAT export), becomes a float constant with the values ONNX would compute,
/// (q - zero_point) * scale, and its codes are kept (<see cref="QuantizedTensor"/>) so that the layer that reads
/// it gets them back as a uniform codec (<see cref="QuantizedWeights"/>). The nodes go; the activations'
/// QuantizeLinear/DequantizeLinear pairs stay on the chain for their converters.
/// </summary>
internal static class QuantizedGraph
{
    public static OnnxNode[] FoldConstantDequantize(OnnxNode[] nodes, Dictionary<string, ConstantTensor> constants, Dictionary<string, QuantizedTensor> quantized, int opset)
    {
        if (!nodes.Any(n => n.OpType == "DequantizeLinear"))
        {
            return nodes;
        }

        Dictionary<string, OnnxNode> producers = OnnxNode.Producers(nodes);
        var uses = nodes.SelectMany(n => n.Inputs).Where(i => i.Length > 0).GroupBy(i => i, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var removed = new HashSet<int>();
        foreach (OnnxNode node in nodes.Where(n => n.OpType == "DequantizeLinear" && ConstantNodes.IsDefaultDomain(n.Proto.Domain)))
        {
            if (node.Inputs.Count == 0 || node.Proto.Output.Count != 1)
            {
                continue;
            }

            string source = node.Inputs[0];
            QuantizedTensor? tensor = null;
            if (constants.TryGetValue(source, out ConstantTensor? codes))
            {
                tensor = FromCodes(node, codes, constants, opset);
            }
            else if (producers.TryGetValue(source, out OnnxNode? quantize) && quantize.OpType == "QuantizeLinear" && quantize.Inputs.Count > 0
                && constants.TryGetValue(quantize.Inputs[0], out ConstantTensor? floats) && uses.GetValueOrDefault(source) == 1)
            {
                // PyTorch's QAT export: the float weight quantized in the graph, then dequantized.
                tensor = FromFloats(quantize, floats, constants, opset);
                Parameters(node, floats.Dims, constants, opset);
                RequireSameParameters(node, quantize, constants);
                removed.Add(quantize.Index);
            }

            if (tensor is null)
            {
                continue;
            }

            string output = node.Proto.Output[0];
            constants[output] = ConstantTensor.FromFloats(tensor.Dims, tensor.Dequantize(), "the dequantized weight of " + node.Label);
            if (tensor.Codes.Length > 0)
            {
                quantized[output] = tensor;
            }

            removed.Add(node.Index);
        }

        return nodes.Where(n => !removed.Contains(n.Index)).ToArray();
    }

    /// <summary>A DequantizeLinear's codes (INT8/UINT8 weights; INT32 biases, kept as floats only) with its scale and zero point.</summary>
    private static QuantizedTensor FromCodes(OnnxNode node, ConstantTensor codes, IReadOnlyDictionary<string, ConstantTensor> constants, int opset)
    {
        (float[] scales, int[] zeroPoints, int axis) = Parameters(node, codes.Dims, constants, opset);
        int[] values = codes.ReadIntegers();
        return new QuantizedTensor(codes.Dims, codes.IsEightBit ? values : [], scales, zeroPoints, axis, codes.IsSigned, codes.IsEightBit ? [] : values);
    }

    /// <summary>QuantizeLinear of a float constant, as ONNX computes it: saturate(round_half_even(x / scale) + zero_point).</summary>
    private static QuantizedTensor FromFloats(OnnxNode quantize, ConstantTensor floats, IReadOnlyDictionary<string, ConstantTensor> constants, int opset)
    {
        (float[] scales, int[] zeroPoints, int axis) = Parameters(quantize, floats.Dims, constants, opset);
        bool signed = quantize.Inputs.Count > 2 && constants[quantize.Inputs[2]].IsSigned;
        (int min, int max) = signed ? (-128, 127) : (0, 255);
        float[] x = floats.ReadFloats();
        var codes = new int[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int channel = QuantizedTensor.Channel(floats.Dims, axis, i, scales.Length);
            double q = Math.Round((double)(x[i] / scales[channel]), MidpointRounding.ToEven) + zeroPoints[channel];
            codes[i] = (int)Math.Clamp(q, min, max);
        }

        return new QuantizedTensor(floats.Dims, codes, scales, zeroPoints, axis, signed, []);
    }

    /// <summary>Scale (positive, finite) and zero point of a QuantizeLinear or DequantizeLinear: per tensor, or from opset 13 one per index of <c>axis</c>.</summary>
    public static (float[] Scales, int[] ZeroPoints, int Axis) Parameters(OnnxNode node, long[] dims, IReadOnlyDictionary<string, ConstantTensor> constants, int opset)
    {
        node.AllowOnlyAttributes("axis");
        ImportContext.RequireInputCount(node, 2, 3);
        if (!constants.TryGetValue(node.Inputs[1], out ConstantTensor? scaleTensor))
        {
            throw node.Error($"input 1 (the scale) must be a constant");
        }

        float[] scales = scaleTensor.ReadFloats();
        int[] zeroPoints = node.Inputs.Count > 2 && node.Inputs[2].Length > 0
            ? constants.TryGetValue(node.Inputs[2], out ConstantTensor? zp) ? zp.ReadIntegers() : throw node.Error($"input 2 (the zero point) must be a constant")
            : new int[scales.Length];
        long axis = node.GetInt("axis", 1);
        axis = axis < 0 ? axis + dims.Length : axis;
        if (scales.Length != 1 && (opset < 13 || axis < 0 || axis >= dims.Length || dims[axis] != scales.Length))
        {
            throw node.Error($"it has {scales.Length} scales; per-axis scales need opset 13 and one scale per index of axis {axis} of {OnnxText.Shape(dims)}");
        }

        if (zeroPoints.Length != scales.Length || scales.Any(s => !(s > 0f) || !float.IsFinite(s)))
        {
            throw node.Error($"the scale must be positive and finite and the zero point must have as many values as the scale ({scales.Length})");
        }

        return (scales, zeroPoints, (int)axis);
    }

    private static void RequireSameParameters(OnnxNode dequantize, OnnxNode quantize, IReadOnlyDictionary<string, ConstantTensor> constants)
    {
        bool same = dequantize.Inputs.Skip(1).SequenceEqual(quantize.Inputs.Skip(1))
            || (constants[dequantize.Inputs[1]].ReadFloats().SequenceEqual(constants[quantize.Inputs[1]].ReadFloats())
                && Zero(dequantize, constants).SequenceEqual(Zero(quantize, constants)));
        if (!same)
        {
            throw dequantize.Error($"it dequantizes with another scale or zero point than {quantize.Label} quantized with; only matching pairs are supported");
        }
    }

    private static int[] Zero(OnnxNode node, IReadOnlyDictionary<string, ConstantTensor> constants) =>
        node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? constants[node.Inputs[2]].ReadIntegers() : [0];
}

/// <summary>
/// A weight as its quantized model holds it: 8-bit codes (or INT32 <see cref="Wide"/> values, a bias) with a
/// scale and zero point per tensor or per index of <see cref="Axis"/>.
/// </summary>
internal sealed record QuantizedTensor(long[] Dims, int[] Codes, float[] Scales, int[] ZeroPoints, int Axis, bool Signed, int[] Wide)
{
    /// <summary>(q - zero_point) * scale in float, as ONNX's DequantizeLinear computes it.</summary>
    public float[] Dequantize()
    {
        int[] q = Codes.Length > 0 ? Codes : Wide;
        var values = new float[q.Length];
        for (int i = 0; i < q.Length; i++)
        {
            int c = Channel(Dims, Axis, i, Scales.Length);
            values[i] = (float)(q[i] - ZeroPoints[c]) * Scales[c];
        }

        return values;
    }

    /// <summary>The index along <paramref name="axis"/> of element <paramref name="i"/> (row-major), or 0 for one scale.</summary>
    public static int Channel(long[] dims, int axis, long i, int scales)
    {
        if (scales == 1)
        {
            return 0;
        }

        long inner = 1;
        for (int d = axis + 1; d < dims.Length; d++)
        {
            inner *= dims[d];
        }

        return (int)(i / inner % dims[axis]);
    }
}
