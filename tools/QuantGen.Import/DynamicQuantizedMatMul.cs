using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>
/// ONNX Runtime's quantize_dynamic form of a MatMul: DynamicQuantizeLinear(x) gives x's UINT8 codes, scale and
/// zero point; MatMulInteger(codes, W codes, x zero point, W zero point), Cast to float, and a Mul by x scale x
/// W scale give x W. The weight's codes (INT8 or UINT8, zero point and scale per tensor or per output column)
/// are what the description keeps, as a uniform codec (<see cref="QuantizedWeights"/>); the five nodes become
/// one MatMul of x by the dequantized weight. x's quantization happens per call with a range taken from that
/// call's values, which no description quantizer does: the layer reads x in float, so its result differs from
/// ONNX Runtime's by x's rounding, at most one step of that range per input value (docs/onnx-import.md).
/// </summary>
internal static class DynamicQuantizedMatMul
{
    public static OnnxNode[] Rewrite(OnnxNode[] nodes, Dictionary<string, ConstantTensor> constants, Dictionary<string, QuantizedTensor> quantized, int opset)
    {
        // Most graphs have none: they should not pay for the maps below (a 20,000-node chain is imported in a test).
        if (!nodes.Any(n => n.OpType is "MatMulInteger" or "DynamicQuantizeLinear"))
        {
            return nodes;
        }

        Dictionary<string, OnnxNode> producers = OnnxNode.Producers(nodes);
        var consumers = nodes.SelectMany(n => n.Inputs.Where(i => i.Length > 0).Distinct().Select(i => (i, n))).GroupBy(p => p.i, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.n).ToList(), StringComparer.Ordinal);
        var removed = new HashSet<int>();
        var added = new List<OnnxNode>();
        foreach (OnnxNode matMul in nodes.Where(n => n.OpType == "MatMulInteger"))
        {
            if (matMul.Inputs.Count is < 3 or > 4 || !producers.TryGetValue(matMul.Inputs[0], out OnnxNode? dynamic) || dynamic.OpType != "DynamicQuantizeLinear"
                || dynamic.Proto.Output.Count != 3 || matMul.Inputs[2] != dynamic.Proto.Output[2])
            {
                throw matMul.Error($"input 0 must be a DynamicQuantizeLinear's codes and input 2 its zero point (ONNX Runtime's quantize_dynamic); other integer matrix products are not supported");
            }

            OnnxNode cast = Single(consumers, matMul.Proto.Output[0], matMul, "Cast");
            OnnxNode outer = Single(consumers, cast.Proto.Output[0], cast, "Mul");
            string scaleProduct = Other(outer, cast.Proto.Output[0]);
            if (!producers.TryGetValue(scaleProduct, out OnnxNode? inner) || inner.OpType != "Mul" || !inner.Inputs.Contains(dynamic.Proto.Output[1]))
            {
                throw outer.Error($"it must multiply the product by the input's scale times the weight's scale (ONNX Runtime's quantize_dynamic)");
            }

            if (!constants.TryGetValue(matMul.Inputs[1], out ConstantTensor? codes) || !codes.IsEightBit || codes.Dims.Length != 2)
            {
                throw matMul.Error($"input 1 (the weight) must be a constant INT8 or UINT8 [K, M] matrix");
            }

            string weightScale = Other(inner, dynamic.Proto.Output[1]);
            float[] scales = constants.TryGetValue(weightScale, out ConstantTensor? s) ? s.ReadFloats() : throw inner.Error($"the weight's scale must be a constant");
            int[] zeroPoints = matMul.Inputs.Count > 3 && matMul.Inputs[3].Length > 0
                ? constants.TryGetValue(matMul.Inputs[3], out ConstantTensor? zero) ? zero.ReadIntegers() : throw matMul.Error($"input 3 (the weight's zero point) must be a constant")
                : new int[scales.Length];
            if (scales.Length != 1 && scales.Length != codes.Dims[1] || zeroPoints.Length != scales.Length && zeroPoints.Length != 1)
            {
                throw matMul.Error($"the weight's scale and zero point must be one value, or one per output column ({codes.Dims[1]})");
            }

            if (zeroPoints.Length != scales.Length)
            {
                zeroPoints = Enumerable.Repeat(zeroPoints[0], scales.Length).ToArray();
            }

            var tensor = new QuantizedTensor(codes.Dims, codes.ReadIntegers(), scales, zeroPoints, 1, codes.IsSigned, []);
            string weight = matMul.Inputs[1] + "/dequantized";
            constants[weight] = ConstantTensor.FromFloats(tensor.Dims, tensor.Dequantize(), "the dequantized weight of " + matMul.Label);
            quantized[weight] = tensor;
            var replacement = new NodeProto { Name = matMul.Name, OpType = "MatMul" };
            replacement.Input.Add(dynamic.Inputs[0]);
            replacement.Input.Add(weight);
            replacement.Output.Add(outer.Proto.Output[0]);
            added.Add(new OnnxNode(replacement, matMul.Index));
            removed.UnionWith([dynamic.Index, matMul.Index, cast.Index, inner.Index, outer.Index]);
        }

        if (nodes.Any(n => n.OpType == "DynamicQuantizeLinear" && !removed.Contains(n.Index)))
        {
            OnnxNode stray = nodes.First(n => n.OpType == "DynamicQuantizeLinear" && !removed.Contains(n.Index));
            throw stray.Error($"a DynamicQuantizeLinear is only supported in front of a MatMulInteger (ONNX Runtime's quantize_dynamic of a MatMul)");
        }

        return nodes.Where(n => !removed.Contains(n.Index)).Concat(added).OrderBy(n => n.Index).ToArray();
    }

    /// <summary>The input of a two-input Mul that is not <paramref name="known"/>.</summary>
    private static string Other(OnnxNode mul, string known)
    {
        if (mul.Inputs.Count != 2 || mul.Inputs.Count(i => i == known) != 1)
        {
            throw mul.Error($"it must multiply two values, one of them {OnnxText.Quote(known)} (ONNX Runtime's quantize_dynamic)");
        }

        return mul.Inputs[0] == known ? mul.Inputs[1] : mul.Inputs[0];
    }

    private static OnnxNode Single(Dictionary<string, List<OnnxNode>> consumers, string value, OnnxNode from, string op)
    {
        if (!consumers.TryGetValue(value, out List<OnnxNode>? list) || list.Count != 1 || list[0].OpType != op)
        {
            throw from.Error($"its output must feed one {op} (ONNX Runtime's quantize_dynamic: MatMulInteger, Cast to float, Mul by the scales)");
        }

        return list[0];
    }
}
