using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>The hint name's ending of a placeholder, so that tests and tools tell it from a model's files.</summary>
    public const string PlaceholderSuffix = ".Placeholder.g.cs";

    /// <summary>
    /// For a class whose model could not be generated (the description has errors, or is not found): the
    /// class with every public member a generated model may have, each throwing. The build still fails on the
    /// QuantGen error that says why, but the code that uses the class compiles, so that error is the only
    /// one: without this, every use would add CS0246 (a class named by a &lt;QuantGenModel&gt; item is not
    /// declared at all) or CS1061 (no Predict). The surface is the union of the stateless, the recurrent and the
    /// sequence API, because a broken description may not say which the model is.
    /// </summary>
    public static (string HintName, string Source) EmitPlaceholder(ModelBinding target)
    {
        string fileName = System.IO.Path.GetFileName(target.ModelPath.Replace('\\', '/'));
        string file = Literals.Comment(fileName);
        string cls = target.ClassName;
        string fail = "throw new global::System.InvalidOperationException(Unavailable)";
        var w = new SourceWriter();
        WriteFileHeader(w, fileName);
        w.Line($"// The model in {file} could not be generated: the build reports why (QuantGen's QG errors).");
        w.Line($"// This placeholder keeps the code that uses {Literals.Comment(cls)} compiling meanwhile, so that those errors are the only ones.");
        w.Line();
        OpenTypes(w, target);
        w.Line($"/// <summary>A placeholder: the model in {Xml(file)} has errors (see the build's QuantGen diagnostics), and every member throws until they are fixed.</summary>");
        w.Line($"[global::System.CodeDom.Compiler.GeneratedCode({Literals.String(GeneratorName)}, {Literals.String(GeneratorVersion)})]");
        w.Open($"{(target.Declare ? "public " : "")}partial class {cls} : global::QuantGen.IQuantModel, global::QuantGen.IRecurrentQuantModel, " + SequenceInterface);
        w.Line($"private const string Unavailable = {Literals.String($"The model in {fileName} could not be generated; the build reported why (QuantGen's QG errors). This class is a placeholder.")};");
        w.Line();
        string state = $"{Runtime}.RecurrentState";
        string[] members =
        [
            "public string Name", "public int InputLength", "public int OutputLength", "public int VocabularySize",
            "public long WeightBytes", "public long Float32WeightBytes", "public global::QuantGen.ModelMetadata Metadata",
            $"public void Predict({ReadOnlySpan} input, {Span} output)",
            $"public void Predict({ReadOnlySpan} inputs, {Span} outputs, int batchSize)",
            "public State CreateState()",
            $"{state} global::QuantGen.IRecurrentQuantModel.CreateState()",
            $"public void Step(int token, State state, {Span} logits)",
            $"public void Step({ReadOnlySpan} input, State state, {Span} output)",
            $"void global::QuantGen.IRecurrentQuantModel.Step(int token, {state} state, {Span} output)",
            $"void global::QuantGen.IRecurrentQuantModel.Step({ReadOnlySpan} input, {state} state, {Span} output)",
            $"public void StepMany(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<State> states, {Span} logits)",
            $"public void StepMany({ReadOnlySpan} inputs, global::System.ReadOnlySpan<State> states, {Span} outputs)",
            $"void global::QuantGen.IRecurrentQuantModel.StepMany(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<{state}> states, {Span} outputs)",
            $"void global::QuantGen.IRecurrentQuantModel.StepMany({ReadOnlySpan} inputs, global::System.ReadOnlySpan<{state}> states, {Span} outputs)",
            $"public void PredictSequence({ReadOnlySpan} inputs, int steps, {Span} outputs)",
            $"public void PredictLast({ReadOnlySpan} inputs, int steps, {Span} output)",
            $"public void PredictSequence(global::System.ReadOnlySpan<int> tokens, {Span} outputs)",
            $"public void PredictLast(global::System.ReadOnlySpan<int> tokens, {Span} output)",
        ];
        foreach (string member in members)
        {
            if (member.StartsWith("public ", System.StringComparison.Ordinal))
            {
                w.Line("/// <summary>Throws: the model could not be generated.</summary>");
            }

            w.Line($"{member} => {fail};");
            w.Line();
        }

        w.Line("/// <summary>A placeholder for a recurrent model's state.</summary>");
        w.Open($"public sealed class State : {state}");
        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public State() : base(typeof({cls}), 0, 0) => {fail};");
        w.Close();
        w.Close();
        CloseTypes(w, target);
        return (target.FullName + PlaceholderSuffix, w.ToString());
    }
}
