using System;
using System.IO;
using Google.Protobuf.Collections;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>
    /// The parameters: one blob of every tensor at a 64-byte boundary, embedded as a base64 UTF-8 literal
    /// and decoded once into aligned memory (a byte-array literal costs the compiler minutes per few MB),
    /// plus the quantizers' small tables as float constants.
    /// </summary>
    private static string EmitData(ModelPlan plan)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Open($"partial class {plan.Target.ClassName}");
        w.Line("/// <summary>The model's parameters and lookup tables.</summary>");
        w.Open("private static class QuantGenData");
        if (plan.BlobLength > 0)
        {
            w.Line($"// {Invariant.Grouped(plan.BlobLength)} bytes, each tensor at a 64-byte boundary:");
            w.Line("//   offset       bytes  tensor");
            foreach (LayerPlan layer in plan.Layers)
            {
                foreach (TensorPlan tensor in layer.Tensors)
                {
                    w.Line($"//   {Invariant.Int(tensor.Offset),-10} {Invariant.Int(tensor.ByteLength),7}  layer {layer.Index}: {tensor.Description}");
                }
            }

            w.Line($"private static global::System.ReadOnlySpan<byte> Base64 => \"{Convert.ToBase64String(BuildBlob(plan))}\"u8;");
            w.Line();
            w.Line($"private static readonly {Runtime}.WeightBlob Blob = {Runtime}.WeightBlob.FromBase64(Base64, {Invariant.Int(plan.BlobLength)});");
            foreach (LayerPlan layer in plan.Layers)
            {
                foreach (TensorPlan tensor in layer.Tensors)
                {
                    string view = tensor.Kind switch
                    {
                        TensorKind.Bytes => $"global::System.ReadOnlySpan<byte> {tensor.Name} => Blob.Bytes({tensor.Offset}, {tensor.Count})",
                        TensorKind.Floats => $"global::System.ReadOnlySpan<float> {tensor.Name} => Blob.Floats({tensor.Offset}, {tensor.Count})",
                        _ => $"global::System.ReadOnlySpan<int> {tensor.Name} => Blob.Int32s({tensor.Offset}, {tensor.Count})",
                    };
                    w.Line();
                    w.Line($"/// <summary>Layer {layer.Index}: {Xml(tensor.Description)}.</summary>");
                    w.Line($"internal static {view};");
                }
            }
        }

        foreach (LayerPlan layer in plan.Layers)
        {
            QuantizerPlan? q = layer.Quantizer;
            if (q is null || (q.Thresholds.Count == 0 && q.Levels.Count == 0))
            {
                continue;
            }

            string prefix = "Q" + Invariant.Int(layer.Index);
            w.Line();
            if (q.Kind == QuantizerKind.Thresholds)
            {
                w.Line($"/// <summary>Layer {layer.Index}'s input quantizer: x above thresholds[i - 1] and not above thresholds[i] becomes levels[i].</summary>");
                w.Line($"internal static {ReadOnlySpan} {prefix}Thresholds => {Literals.Floats(q.Thresholds)};");
                w.Line($"internal static {ReadOnlySpan} {prefix}Levels => {Literals.Floats(q.Levels)};");
            }
            else
            {
                w.Line($"/// <summary>Layer {layer.Index}'s LogQuant levels 2^((fsr + step * i) / 16), fsr {Invariant.Int(q.Fsr)}, step {q.Step}; below them is 0.</summary>");
                w.Line($"internal static {ReadOnlySpan} {prefix}Levels => {Literals.Floats(q.Levels)};");
            }
        }

        w.Close();
        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    /// <summary>Lays out every tensor where the plan put it: codes as stored in the description, numbers little-endian.</summary>
    private static byte[] BuildBlob(ModelPlan plan)
    {
        var blob = new byte[plan.BlobLength];
        QuantGen.Schema.Model model = plan.Source.Description!;
        foreach (LayerPlan layer in plan.Layers)
        {
            foreach (TensorPlan tensor in layer.Tensors)
            {
                Dense dense = model.Layers[tensor.Layer].Dense;
                Weights weights = dense.Weights;
                switch (tensor.Role)
                {
                    case TensorRole.FloatWeights: WriteFloats(blob, tensor.Offset, weights.Float32.Values); break;
                    case TensorRole.Codes: CodesOf(weights).CopyTo(blob, tensor.Offset); break;
                    case TensorRole.Scales: WriteFloats(blob, tensor.Offset, weights.Uniform.Scales); break;
                    case TensorRole.ZeroPoints: WriteInts(blob, tensor.Offset, weights.Uniform.ZeroPoints); break;
                    case TensorRole.Levels: WriteFloats(blob, tensor.Offset, weights.Levels.Levels); break;
                    case TensorRole.Coefficients: WriteFloats(blob, tensor.Offset, weights.MultiBinary.Coefficients); break;
                    case TensorRole.Bias: WriteFloats(blob, tensor.Offset, dense.Bias); break;
                }
            }
        }

        return blob;
    }

    private static byte[] CodesOf(Weights weights) => weights.CodecCase switch
    {
        Weights.CodecOneofCase.Uniform => weights.Uniform.Codes.ToByteArray(),
        Weights.CodecOneofCase.Levels => weights.Levels.Codes.ToByteArray(),
        _ => weights.MultiBinary.Planes.ToByteArray(),
    };

    private static void WriteFloats(byte[] blob, int offset, RepeatedField<float> values)
    {
        using var writer = new BinaryWriter(new MemoryStream(blob, offset, values.Count * 4));
        foreach (float value in values)
        {
            // BinaryWriter writes little-endian on every platform.
            writer.Write(value);
        }
    }

    private static void WriteInts(byte[] blob, int offset, RepeatedField<int> values)
    {
        using var writer = new BinaryWriter(new MemoryStream(blob, offset, values.Count * 4));
        foreach (int value in values)
        {
            writer.Write(value);
        }
    }
}
