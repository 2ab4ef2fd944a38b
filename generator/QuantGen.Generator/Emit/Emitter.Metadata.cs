using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

/// <summary>
/// The model's metadata at run time (QuantGen.ModelMetadata): the same figures as the header table, from the
/// same plan, written as constants so that they need no reflection and survive trimming and Native AOT.
/// </summary>
internal static partial class Emitter
{
    private const string Metadata = "global::QuantGen";

    /// <summary>The Metadata property and the nested class that builds its value once, each followed by a blank line.</summary>
    private static void WriteMetadata(SourceWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>The input and output with their names and shapes, and each layer's kind, shapes, bit widths, kernel and parameter bytes, as the header of this file lists them.</summary>");
        w.Line($"public {Metadata}.ModelMetadata Metadata => QuantGenMetadata.Value;");
        w.Line();
        w.Line("/// <summary>The metadata, built on first use from constants.</summary>");
        w.Open("private static class QuantGenMetadata");
        w.Line($"internal static readonly {Metadata}.ModelMetadata Value = new {Metadata}.ModelMetadata");
        w.Line("{");
        w.Indent();
        w.Line($"Name = {Literals.String(plan.ModelName)},");
        w.Line($"Input = new {Metadata}.TensorMetadata({Literals.String(plan.InputName)}, {Ints(plan.InputShape)}),");
        w.Line($"Output = new {Metadata}.TensorMetadata({Literals.String(plan.OutputName)}, {Ints(plan.OutputShape)}),");
        w.Line($"VocabularySize = {Invariant.Int(plan.Vocabulary)},");
        w.Line($"WeightBytes = {Invariant.Int(plan.WeightBytes)},");
        w.Line($"Float32WeightBytes = {Invariant.Int(plan.Float32WeightBytes)},");
        w.Line("Layers =");
        w.Line("[");
        w.Indent();
        foreach (LayerPlan layer in plan.Layers)
        {
            w.Line($"new {Metadata}.LayerMetadata");
            w.Line("{");
            w.Indent();
            w.Line($"Index = {Invariant.Int(layer.Index)}, Name = {Literals.String(layer.Name)}, Kind = {Literals.String(layer.Op.ToString())},");
            w.Line($"InputShape = {Ints(layer.InputShape)}, OutputShape = {Ints(layer.OutputShape)},");
            w.Line($"WeightBits = {Invariant.Int(WeightBits(layer))}, ActivationBits = {Invariant.Int(layer.Quantizer?.Bits ?? 32)},");
            w.Line($"Weights = {Literals.String(layer.Matrices.Count == 0 ? "" : layer.WeightSummary)}, InputQuantizer = {Literals.String(layer.Quantizer?.Summary ?? "")},");
            w.Line($"Kernel = {Literals.String(layer.KernelSummary)}, ParameterBytes = {Invariant.Int(layer.WeightBytes)},");
            w.Dedent();
            w.Line("},");
        }

        w.Dedent();
        w.Line("],");
        w.Dedent();
        w.Line("};");
        w.Close();
        w.Line();
    }

    /// <summary>Bits per weight code: the widest of the layer's matrices, 32 for float32, 0 without weights.</summary>
    private static int WeightBits(LayerPlan layer) => layer.Matrices.Count == 0 ? 0 : layer.Matrices.Max(m => m.Bits == 0 ? 32 : m.Bits);

    private static string Ints(IEnumerable<int> values) => "[" + string.Join(", ", values.Select(v => Invariant.Int(v))) + "]";
}
