using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// Gives the Dense and Conv2d layers whose weights were dequantized from codes (<see cref="QuantizedGraph"/>)
/// those codes back, as a uniform codec: the scale and zero point per tensor or per output channel, and as few
/// bits as the codes need (INT8 codes that all lie in -8..7 are 4-bit codes, as a 4-bit model stored in INT8 has
/// them). The float values the converters made are checked to be exactly (code - zero point) * scale, so a fold
/// that changed them (alpha, a BatchNormalization) is an error, not a silent requantization.
/// </summary>
internal static class QuantizedWeights
{
    public static void Encode(ImportContext context, IReadOnlyDictionary<string, QuantizedTensor> quantized)
    {
        for (int i = 0; i < context.Layers.Count; i++)
        {
            Layer layer = context.Layers[i];
            OnnxNode node = context.LayerNodes[i];
            Weights? weights = layer.Dense?.Weights ?? layer.Conv2D?.Weights;
            if (weights?.Float32 is null || node.Inputs.Count < 2 || !quantized.TryGetValue(node.Inputs[1], out QuantizedTensor? tensor))
            {
                continue;
            }

            int rows = layer.Dense?.OutFeatures ?? layer.Conv2D!.OutChannels;
            int outputAxis = node.OpType switch
            {
                "Gemm" => node.GetInt("transB", 0) == 1 ? 0 : 1,
                "MatMul" => tensor.Dims.Length - 1,
                _ => 0,
            };
            if (tensor.Scales.Length != 1 && tensor.Axis != outputAxis)
            {
                throw node.Error($"its weight has one scale per index of axis {tensor.Axis}, an input axis; only one scale per tensor or per output channel (axis {outputAxis}) can be a description's codec");
            }

            Weights encoded = Uniform(node, weights.Float32.Values.ToArray(), rows, tensor);
            if (layer.Dense is not null)
            {
                layer.Dense.Weights = encoded;
            }
            else
            {
                layer.Conv2D!.Weights = encoded;
            }
        }
    }

    private static Weights Uniform(OnnxNode node, float[] values, int rows, QuantizedTensor tensor)
    {
        int columns = values.Length / rows;
        var codes = new int[values.Length];
        for (int r = 0; r < rows; r++)
        {
            int c = tensor.Scales.Length == 1 ? 0 : r;
            float scale = tensor.Scales[c];
            int zero = tensor.ZeroPoints[c];
            for (int k = 0; k < columns; k++)
            {
                int i = r * columns + k;
                int code = (int)Math.Round((double)values[i] / scale, MidpointRounding.ToEven) + zero;
                if ((float)(code - zero) * scale != values[i])
                {
                    throw node.Error($"its dequantized weight {i} is {values[i]:R}, no longer (code - zero point) x scale after the import folded something into it (alpha, a BatchNormalization or a constant); fold it before quantizing");
                }

                codes[i] = code;
            }
        }

        int bits = Bits(codes.Concat(tensor.ZeroPoints), tensor.Signed);
        var uniform = new UniformCodec { Bits = bits, Signed = tensor.Signed, Codes = Google.Protobuf.ByteString.CopyFrom(PackedCodes.Pack(codes, bits)) };
        uniform.Scales.Add(tensor.Scales);
        if (tensor.ZeroPoints.Any(z => z != 0))
        {
            uniform.ZeroPoints.Add(tensor.ZeroPoints);
        }

        return new Weights { Uniform = uniform };
    }

    /// <summary>The fewest bits (2 to 8) whose signed or unsigned range holds every code and zero point.</summary>
    private static int Bits(IEnumerable<int> values, bool signed)
    {
        int[] all = values.ToArray();
        for (int bits = 2; bits < 8; bits++)
        {
            (int min, int max) = signed ? (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) : (0, (1 << bits) - 1);
            if (all.All(v => v >= min && v <= max))
            {
                return bits;
            }
        }

        return 8;
    }
}
