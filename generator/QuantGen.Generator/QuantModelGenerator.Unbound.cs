using System.Collections.Immutable;
using System.Linq;
using System.Text;
using QuantGen.Generator.Model;

namespace QuantGen.Generator;

public sealed partial class QuantModelGenerator
{
    /// <summary>
    /// A warning for each model file that no class is bound to: a &lt;QuantGenModel&gt; item without ClassName,
    /// or a plain AdditionalFiles item, that no [QuantModel] class names. Such a file generates nothing, and
    /// the user's first sign of it would otherwise be CS0246 on the class they expected.
    /// </summary>
    private static EquatableArray<DiagnosticInfo> UnboundFiles(ImmutableArray<ModelFile> files, ImmutableArray<ModelBinding> attributes)
    {
        if (files.IsDefaultOrEmpty)
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        var bound = attributes.Select(b => FindModelFile(b, files)).Where(f => f is not null).ToImmutableHashSet();
        return files
            .Where(f => f.Item.ClassName is null && !bound.Contains(f))
            .OrderBy(f => f.Path, System.StringComparer.Ordinal)
            .Select(Unbound)
            .ToEquatableArray();
    }

    private static DiagnosticInfo Unbound(ModelFile file)
    {
        string name = System.IO.Path.GetFileName(file.UserPath.Replace('\\', '/'));
        string suggested = SuggestedClassName(name);
        string attribute = $"[QuantModel(\"{name}\")] public partial class {suggested};";
        string message = file.Item == ModelItem.None
            ? $"{name} is in AdditionalFiles, but no [QuantModel] class names it, so no model class is generated: declare {attribute} in the file's folder, or, with the QuantGen package, list it as <QuantGenModel Include=\"{name}\" ClassName=\"{suggested}\" /> instead"
            : $"{name} generates no class: its <QuantGenModel> item has no ClassName, and no [QuantModel] class names the file; add ClassName=\"{suggested}\" to the item (<QuantGenModel Include=\"{name}\" ClassName=\"{suggested}\" />), or declare {attribute} in your code";
        return new DiagnosticInfo(DiagnosticDescriptors.ModelFileUnbound, message, FileStart(file.Path));
    }

    /// <summary>A class name made from a file name: "digits.uniform4.qgm.json" -> "DigitsUniform4".</summary>
    internal static string SuggestedClassName(string fileName)
    {
        string stem = fileName.EndsWith(FileExtension, System.StringComparison.OrdinalIgnoreCase)
            ? fileName.Substring(0, fileName.Length - FileExtension.Length)
            : System.IO.Path.GetFileNameWithoutExtension(fileName);
        var builder = new StringBuilder();
        bool upper = true;
        foreach (char c in stem)
        {
            if (c < 128 && char.IsLetterOrDigit(c))
            {
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        return builder.Length == 0 || char.IsDigit(builder[0]) ? "Model" + builder : builder.ToString();
    }
}
