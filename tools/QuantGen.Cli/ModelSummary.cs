using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>One layer as <c>quantgen inspect</c> shows it.</summary>
public sealed record LayerSummary(
    int Index, string Name, string Op, int InLength, int OutLength,
    string Weights, int? Bits, string InputQuantizer, long PackedBytes, long Float32Bytes);

/// <summary>
/// What a description holds, layer by layer: shapes, codecs, bit widths and parameter bytes. Bytes are
/// counted as the generator counts them (IQuantModel.WeightBytes): packed codes, scales, zero points,
/// level tables, coefficients and biases; float32 bytes are 4 per weight and bias.
/// </summary>
public sealed record ModelSummary(string Name, int InputLength, int OutputLength, IReadOnlyList<LayerSummary> Layers)
{
    public long PackedBytes => Layers.Sum(l => l.PackedBytes);
    public long Float32Bytes => Layers.Sum(l => l.Float32Bytes);

    /// <summary>float32 bytes / packed bytes; 1 when there are no parameters.</summary>
    public double Ratio => PackedBytes == 0 ? 1 : (double)Float32Bytes / PackedBytes;

    public static ModelSummary Of(Model model)
    {
        var layers = new List<LayerSummary>();
        int length = ModelShape.InputLength(model);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            int next = ModelShape.OutputLength(layer, length);
            string quantizer = Describe(layer.InputQuantizer);
            if (layer.OpCase == Layer.OpOneofCase.Dense)
            {
                Dense d = layer.Dense;
                (string codec, int bits, long bytes) = Describe(d.Weights, d.OutFeatures, d.InFeatures);
                long floats = 4L * ((long)d.OutFeatures * d.InFeatures + d.Bias.Count);
                layers.Add(new LayerSummary(i, layer.Name, "Dense", length, next, codec, bits, quantizer, bytes + 4L * d.Bias.Count, floats));
            }
            else
            {
                layers.Add(new LayerSummary(i, layer.Name, layer.OpCase.ToString(), length, next, "-", null, quantizer, 0, 0));
            }

            length = next;
        }

        return new ModelSummary(model.Name, ModelShape.InputLength(model), length, layers);
    }

    private static (string Codec, int Bits, long Bytes) Describe(Weights w, int rows, int cols)
    {
        long count = (long)rows * cols;
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = w.Uniform;
                string scale = u.Scales.Count == 1 ? "per tensor" : "per row";
                string zp = u.ZeroPoints.Count > 0 ? ", zero point" : "";
                return ($"uniform {(u.Signed ? "signed" : "unsigned")}, {scale}{zp}", u.Bits, PackedCodes.ByteLength(count, u.Bits) + 4L * (u.Scales.Count + u.ZeroPoints.Count));
            }

            case Weights.CodecOneofCase.Levels:
                return ($"levels ({w.Levels.Levels.Count}-entry table)", w.Levels.Bits, PackedCodes.ByteLength(count, w.Levels.Bits) + 4L * w.Levels.Levels.Count);
            case Weights.CodecOneofCase.MultiBinary:
                return ("multi-binary, per-row coefficients", w.MultiBinary.Bits, PackedCodes.ByteLength(count * w.MultiBinary.Bits, 1) + 4L * w.MultiBinary.Coefficients.Count);
            default:
                return ("float32", 32, 4L * count);
        }
    }

    private static string Describe(ActivationQuantizer? q) => q?.KindCase switch
    {
        null or ActivationQuantizer.KindOneofCase.None => "-",
        ActivationQuantizer.KindOneofCase.Uniform => $"uniform {q.Uniform.Bits}-bit [{F(q.Uniform.Lo)}, {F(q.Uniform.Hi)}]",
        ActivationQuantizer.KindOneofCase.Thresholds => $"thresholds {q.Thresholds.Bits}-bit",
        ActivationQuantizer.KindOneofCase.LogQuant => $"logquant {q.LogQuant.Bits}-bit fsr {q.LogQuant.Fsr} step {q.LogQuant.Step}",
        ActivationQuantizer.KindOneofCase.OnlineMultiBinary => $"online multi-binary {q.OnlineMultiBinary.Bits}-bit, {q.OnlineMultiBinary.Cycles} cycles",
        _ => q.KindCase.ToString(),
    };

    private static string F(float v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
