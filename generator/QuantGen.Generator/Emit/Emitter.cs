using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

/// <summary>
/// Step four of a description's journey: a <see cref="ModelPlan"/> -> C# text, in three files: the public
/// API (this file), the forward pass (Emitter.Kernels.cs) and the parameters (Emitter.Data.cs).
/// Output depends on the plan alone, so the same description always gives the same bytes.
/// </summary>
internal static partial class Emitter
{
    public const string GeneratorName = "QuantGen.Generator";
    public const string GeneratorVersion = "0.1.0";

    private const string Span = "global::System.Span<float>";
    private const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    private const string Runtime = "global::QuantGen.Runtime";

    public static IEnumerable<(string HintName, string Source)> Emit(ModelPlan plan, System.Threading.CancellationToken cancellationToken = default)
    {
        string hint = plan.Target.FullName;
        bool wholeSequences = plan.Recurrent && ReverseLayers(plan).Any(r => r);
        yield return (hint + ".g.cs", wholeSequences ? EmitSequenceApi(plan) : EmitApi(plan));
        yield return (hint + ".Kernels.g.cs", wholeSequences ? EmitSequenceKernels(plan) : EmitKernels(plan));
        yield return (hint + ".Data.g.cs", EmitData(plan, cancellationToken));
    }

    private static string EmitApi(ModelPlan plan)
    {
        if (plan.Recurrent)
        {
            return EmitRecurrentApi(plan);
        }

        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        WriteModelSummary(w, plan);
        OpenTypes(w, plan);
        w.Line("/// <summary>");
        w.Line($"/// The quantized model \"{Xml(Literals.Comment(plan.ModelName))}\" from {Xml(Literals.Comment(plan.FileName))}: {plan.InputLength} inputs, {plan.OutputLength} outputs.");
        w.Line("/// Stateless: every method may be called from several threads at once, and none allocates.");
        w.Line("/// </summary>");
        OpenModelClass(w, plan, "global::QuantGen.IQuantModel", $"{plan.InputLength} values", $"{plan.OutputLength} values");
        WriteWeightBytes(w, plan);
        WriteMetadata(w, plan);
        w.Line("/// <summary>Runs the model on one input vector.</summary>");
        w.Open($"public void Predict({ReadOnlySpan} input, {Span} output)");
        w.Line($"{Runtime}.Guard.Length(input.Length, {plan.InputLength}, nameof(input));");
        w.Line($"{Runtime}.Guard.Length(output.Length, {plan.OutputLength}, nameof(output));");
        w.Line($"{Runtime}.Guard.NoOverlap(input, output, nameof(input), nameof(output));");
        WriteScratch(w, plan);
        w.Line("Forward(input, output, scratch);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Runs the model on <paramref name=\"batchSize\"/> input vectors stored one after another.</summary>");
        w.Open($"public void Predict({ReadOnlySpan} inputs, {Span} outputs, int batchSize)");
        w.Line($"{Runtime}.Guard.BatchLength(inputs.Length, batchSize, {plan.InputLength}, nameof(inputs));");
        w.Line($"{Runtime}.Guard.BatchLength(outputs.Length, batchSize, {plan.OutputLength}, nameof(outputs));");
        w.Line($"{Runtime}.Guard.NoOverlap(inputs, outputs, nameof(inputs), nameof(outputs));");
        if (plan.BatchTile > 0)
        {
            WriteBatchLoop(w, plan);
        }
        else
        {
            WriteScratch(w, plan);
            w.Open("for (int i = 0; i < batchSize; i++)");
            w.Line($"Forward(inputs.Slice(i * {plan.InputLength}, {plan.InputLength}), outputs.Slice(i * {plan.OutputLength}, {plan.OutputLength}), scratch);");
            w.Close();
        }

        w.Close();
        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    private static void WriteScratch(SourceWriter w, ModelPlan plan)
    {
        if (plan.ScratchLength == 0)
        {
            w.Line($"{Span} scratch = default;");
        }
        else if (plan.StackScratch)
        {
            w.Line($"// {Invariant.Grouped(plan.ScratchLength * 4L)} bytes of working memory: small enough for the stack.");
            w.Line($"{Span} scratch = stackalloc float[{plan.ScratchLength}];");
        }
        else
        {
            w.Line($"// {Invariant.Grouped(plan.ScratchLength * 4L)} bytes of working memory: too much for the stack, so a buffer per thread.");
            w.Line($"{Span} scratch = {Runtime}.ScratchBuffer.Get({plan.ScratchLength});");
        }
    }

    private static string NameSuffix(string name) => name.Length == 0 ? "" : $" (\"{Xml(Literals.Comment(name))}\")";

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void WriteFileHeader(SourceWriter w, ModelPlan plan) => WriteFileHeader(w, plan.FileName);

    private static void WriteFileHeader(SourceWriter w, string fileName)
    {
        w.Line("// <auto-generated/>");
        w.Line($"// Generated by {GeneratorName} {GeneratorVersion} from {Literals.Comment(fileName)}. Do not edit: change the description instead.");
        w.Line("#nullable enable");
        w.Line();
    }

    /// <summary>The header table: one row per layer with its shape, codec, input quantizer and kernel.</summary>
    private static void WriteModelSummary(SourceWriter w, ModelPlan plan)
    {
        w.Line($"// Model \"{Literals.Comment(plan.ModelName)}\": {plan.InputLength} inputs{NameSuffix(plan.InputName)} -> {plan.OutputLength} outputs{NameSuffix(plan.OutputName)}.");
        if (plan.Doc.Length > 0)
        {
            w.Line($"// {Literals.Comment(plan.Doc, 200)}");
        }

        w.Line("//");
        var rows = new List<string[]> { new[] { "#", "layer", "op", "shape", "weights", "input quantizer", "kernel", "bytes" } };
        foreach (LayerPlan layer in plan.Layers)
        {
            rows.Add(new[]
            {
                Invariant.Int(layer.Index),
                layer.Name.Length == 0 ? "-" : Literals.Comment(layer.Name, 24),
                layer.Op.ToString(),
                $"{layer.InputLength} -> {layer.OutputLength}",
                layer.Matrices.Count == 0 ? "-" : layer.WeightSummary,
                layer.Quantizer?.Summary ?? "-",
                layer.KernelSummary,
                layer.Matrices.Count == 0 ? "-" : Invariant.Grouped(layer.WeightBytes),
            });
        }

        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            w.Line(("//   " + string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c])))).TrimEnd());
        }

        w.Line("//");
        string ratio = plan.WeightBytes == 0 ? "-" : ((double)plan.Float32WeightBytes / plan.WeightBytes).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        w.Line($"// Parameters: {Invariant.Grouped(plan.WeightBytes)} bytes packed; {Invariant.Grouped(plan.Float32WeightBytes)} bytes as float32 ({ratio}x smaller).");
        w.Line();
    }

    private static void OpenTypes(SourceWriter w, ModelPlan plan) => OpenTypes(w, plan.Target);

    private static void OpenTypes(SourceWriter w, ModelBinding target)
    {
        if (target.Namespace is not null)
        {
            w.Open($"namespace {target.Namespace}");
        }

        foreach (ContainingType type in target.ContainingTypes)
        {
            w.Open($"partial {type.Keyword} {type.Name}");
        }
    }

    private static void CloseTypes(SourceWriter w, ModelPlan plan) => CloseTypes(w, plan.Target);

    private static void CloseTypes(SourceWriter w, ModelBinding target)
    {
        for (int i = 0; i < target.ContainingTypes.Count; i++)
        {
            w.Close();
        }

        if (target.Namespace is not null)
        {
            w.Close();
        }
    }

    /// <summary>
    /// The model class's attribute and declaration, then its Name, InputLength and OutputLength: the part
    /// stateless and recurrent models share (the summary above it is theirs).
    /// </summary>
    private static void OpenModelClass(SourceWriter w, ModelPlan plan, string interfaceName, string inputDoc, string outputDoc)
    {
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode({Literals.String(GeneratorName)}, {Literals.String(GeneratorVersion)})]");
        w.Open($"partial class {plan.Target.ClassName} : {interfaceName}");
        w.Line("/// <inheritdoc/>");
        w.Line($"public string Name => {Literals.String(plan.ModelName)};");
        w.Line();
        w.Line($"/// <summary>{inputDoc}{NameSuffix(plan.InputName)}.</summary>");
        w.Line($"public int InputLength => {plan.InputLength};");
        w.Line();
        w.Line($"/// <summary>{outputDoc}{NameSuffix(plan.OutputName)}.</summary>");
        w.Line($"public int OutputLength => {plan.OutputLength};");
        w.Line();
    }

    /// <summary>WeightBytes and Float32WeightBytes, each followed by a blank line.</summary>
    private static void WriteWeightBytes(SourceWriter w, ModelPlan plan)
    {
        w.Line("/// <inheritdoc/>");
        w.Line($"public long WeightBytes => {Invariant.Int(plan.WeightBytes)};");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public long Float32WeightBytes => {Invariant.Int(plan.Float32WeightBytes)};");
        w.Line();
    }
}
