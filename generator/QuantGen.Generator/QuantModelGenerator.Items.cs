using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Generator.Model;

namespace QuantGen.Generator;

public sealed partial class QuantModelGenerator
{
    /// <summary>
    /// A model file whose &lt;QuantGenModel&gt; item names a class -> a binding to a class the generator
    /// declares itself, in the item's namespace. Diagnostics point at the start of the model file.
    /// </summary>
    private static ModelBinding BindItem(ModelFile file)
    {
        string className = file.Item.ClassName!;
        string? ns = file.Item.Namespace;
        LocationInfo location = FileStart(file.Path);
        string item = $"<QuantGenModel Include=\"{file.UserPath}\">";
        string? problem = null;
        if (!SyntaxFacts.IsValidIdentifier(className) || SyntaxFacts.GetKeywordKind(className) != SyntaxKind.None)
        {
            problem = $"ClassName \"{className}\" of {item} is not a C# class name";
        }
        else if (ns is not null && !ns.Split('.').All(part => SyntaxFacts.IsValidIdentifier(part) && SyntaxFacts.GetKeywordKind(part) == SyntaxKind.None))
        {
            problem = $"Namespace \"{ns}\" of {item} is not a C# namespace";
        }

        DiagnosticInfo? error = problem is null ? null : new DiagnosticInfo(DiagnosticDescriptors.InvalidTarget, problem, location);
        return new ModelBinding(ns, className, EquatableArray<ContainingType>.Empty, file.Path, "", location, error, Declare: true);
    }
}
