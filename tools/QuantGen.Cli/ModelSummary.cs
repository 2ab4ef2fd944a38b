using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using QuantGen.Generator;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>One weight matrix of a layer (an LSTM or GRU has two: Input and Recurrent) and the kernel the generator picks for it.</summary>
public sealed record MatrixSummary(string Part, int Rows, int Cols, string Weights, int Bits, string Kernel, long PackedBytes, long Float32Bytes);

/// <summary>One layer as <c>quantgen inspect</c> shows it.</summary>
public sealed record LayerSummary(int Index, string Name, string Op, int InLength, int OutLength, string InputQuantizer, IReadOnlyList<MatrixSummary> Matrices)
{
    public bool HasWeights => Matrices.Count > 0;
    public long PackedBytes => Matrices.Sum(m => m.PackedBytes);
    public long Float32Bytes => Matrices.Sum(m => m.Float32Bytes);

    /// <summary>The codecs, prefixed by the matrix's part when there are several.</summary>
    public string Weights => HasWeights ? string.Join("; ", Matrices.Select(m => m.Part.Length == 0 ? m.Weights : $"{m.Part.ToLowerInvariant()}: {m.Weights}")) : "-";

    public string Bits => HasWeights ? string.Join("/", Matrices.Select(m => m.Bits).Distinct()) : "-";

    /// <summary>The kernels the generator picks for the layer's matrices.</summary>
    public string Kernels => HasWeights ? string.Join(", ", Matrices.Select(m => m.Kernel)) : "-";
}

/// <summary>
/// What a description holds, layer by layer: shapes, codecs, bit widths, kernels and parameter bytes. The
/// bytes and kernels are the generator's own (QuantGen.Generator.ParameterBytes, the computation behind the
/// generated class's WeightBytes): the tensors as the chosen kernel stores them, biases included; float32
/// bytes are 4 per weight and bias. Which matrices a layer has is LayerShapes.Matrices's to say.
/// </summary>
public sealed record ModelSummary(string Name, int InputLength, int OutputLength, IReadOnlyList<LayerSummary> Layers)
{
    public long PackedBytes => Layers.Sum(l => l.PackedBytes);
    public long Float32Bytes => Layers.Sum(l => l.Float32Bytes);

    /// <summary>float32 bytes / packed bytes; 1 when there are no parameters.</summary>
    public double Ratio => PackedBytes == 0 ? 1 : (double)Float32Bytes / PackedBytes;

    /// <param name="target">The instruction set the kernels are chosen for, as the build's QuantGenTarget property.</param>
    public static ModelSummary Of(Model model, QuantGen.Generator.Model.CpuTarget target = QuantGen.Generator.Model.CpuTarget.Portable)
    {
        var layers = new List<LayerSummary>();
        IReadOnlyList<MatrixBytes> packed = ParameterBytes.Of(model, target);
        // Shapes follow the graph: a layer that names its inputs reads what they give (an Add's or Concat's first).
        IReadOnlyList<(int[] Input, int[] Output)> shapes = ShapeTrace.Of(model);
        int length = 0;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            int index = i;
            Layer layer = model.Layers[i];
            length = shapes[i].Input.Aggregate(1, (a, b) => a * b);
            int next = shapes[i].Output.Aggregate(1, (a, b) => a * b);
            var matrices = LayerShapes.Matrices(layer)
                .Select(m =>
                {
                    (string codec, int bits) = Describe(m.Weights ?? new Weights());
                    MatrixBytes planned = packed.Single(p => p.Layer == index && p.Part == m.Part);
                    return new MatrixSummary(m.Part, m.Rows, m.Cols, codec, bits, planned.Kernel, planned.Bytes, 4L * ((long)m.Rows * m.Cols + (m.Bias?.Count ?? 0)));
                })
                .ToArray();
            layers.Add(new LayerSummary(i, layer.Name, layer.OpCase.ToString(), length, next, Describe(layer.InputQuantizer), matrices));
            length = next;
        }

        return new ModelSummary(model.Name, ModelShape.InputLength(model), length, layers);
    }

    private static (string Codec, int Bits) Describe(Weights w) => w.CodecCase switch
    {
        Weights.CodecOneofCase.Uniform => ($"uniform {(w.Uniform.Signed ? "signed" : "unsigned")}, {(w.Uniform.Scales.Count == 1 ? "per tensor" : "per row")}{(w.Uniform.ZeroPoints.Count > 0 ? ", zero point" : "")}", w.Uniform.Bits),
        Weights.CodecOneofCase.Levels => ($"levels ({w.Levels.Levels.Count}-entry table)", w.Levels.Bits),
        Weights.CodecOneofCase.MultiBinary => ("multi-binary, per-row coefficients", w.MultiBinary.Bits),
        _ => ("float32", 32),
    };

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
