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
    /// declared at all) or CS1061 (no Predict). The surface is the union of the stateless and the recurrent
    /// API, because a broken description may not say which the model is.
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
        w.Open($"{(target.Declare ? "public " : "")}partial class {cls} : global::QuantGen.IQuantModel, global::QuantGen.IRecurrentQuantModel");
        w.Line($"private const string Unavailable = {Literals.String($"The model in {fileName} could not be generated; the build reported why (QuantGen's QG errors). This class is a placeholder.")};");
        w.Line();
        foreach ((string type, string name) in new[] { ("string", "Name"), ("int", "InputLength"), ("int", "OutputLength"), ("int", "VocabularySize"), ("long", "WeightBytes"), ("long", "Float32WeightBytes"), ("global::QuantGen.ModelMetadata", "Metadata") })
        {
            w.Line("/// <summary>Throws: the model could not be generated.</summary>");
            w.Line($"public {type} {name} => {fail};");
            w.Line();
        }

        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public void Predict({ReadOnlySpan} input, {Span} output) => {fail};");
        w.Line();
        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public void Predict({ReadOnlySpan} inputs, {Span} outputs, int batchSize) => {fail};");
        w.Line();
        w.Line("/// <summary>A placeholder for a recurrent model's state.</summary>");
        w.Open($"public sealed class State : {Runtime}.RecurrentState");
        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public State() : base(typeof({cls}), 0, 0) => {fail};");
        w.Close();
        w.Line();
        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public State CreateState() => {fail};");
        w.Line();
        w.Line($"{Runtime}.RecurrentState global::QuantGen.IRecurrentQuantModel.CreateState() => {fail};");
        w.Line();
        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public void Step(int token, State state, {Span} logits) => {fail};");
        w.Line();
        w.Line("/// <summary>Throws: the model could not be generated.</summary>");
        w.Line($"public void Step({ReadOnlySpan} input, State state, {Span} output) => {fail};");
        w.Line();
        w.Line($"void global::QuantGen.IRecurrentQuantModel.Step(int token, {Runtime}.RecurrentState state, {Span} output) => {fail};");
        w.Line();
        w.Line($"void global::QuantGen.IRecurrentQuantModel.Step({ReadOnlySpan} input, {Runtime}.RecurrentState state, {Span} output) => {fail};");
        w.Close();
        CloseTypes(w, target);
        return (target.FullName + PlaceholderSuffix, w.ToString());
    }
}
