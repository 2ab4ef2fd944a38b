using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>
    /// For a class named by a &lt;QuantGenModel ClassName="..."&gt; item, which no source file declares: the
    /// declaration that makes it public. A user may still add members in a partial class of the same name.
    /// </summary>
    public static (string HintName, string Source) EmitDeclaration(ModelPlan plan)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Line($"/// <summary>The model in {Xml(Literals.Comment(plan.FileName))}, declared by its &lt;QuantGenModel&gt; item.</summary>");
        w.Line($"public partial class {plan.Target.ClassName}");
        w.Line("{");
        w.Line("}");
        CloseTypes(w, plan);
        return (plan.Target.FullName + ".Declaration.g.cs", w.ToString());
    }
}
