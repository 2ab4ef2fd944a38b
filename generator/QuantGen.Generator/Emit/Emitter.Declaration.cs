using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>
    /// For a class named by a &lt;QuantGenModel ClassName="..."&gt; item, which no source file declares: the
    /// declaration that makes it public. A user may still add members in a partial class of the same name.
    /// </summary>
    public static (string HintName, string Source) EmitDeclaration(ModelPlan plan) =>
        EmitEmptyPart(plan, ".Declaration.g.cs", $"/// <summary>The model in {Xml(Literals.Comment(plan.FileName))}, declared by its &lt;QuantGenModel&gt; item.</summary>", $"public partial class {plan.Target.ClassName}");

    /// <summary>A file holding one more, empty, partial declaration of the model class, with the lines above it.</summary>
    private static (string HintName, string Source) EmitEmptyPart(ModelPlan plan, string hintSuffix, string before, string declaration, string? attribute = null)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Line(before);
        if (attribute is not null)
        {
            w.Line(attribute);
        }

        w.Line(declaration);
        w.Line("{");
        w.Line("}");
        CloseTypes(w, plan);
        return (plan.Target.FullName + hintSuffix, w.ToString());
    }
}
