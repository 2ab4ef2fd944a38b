namespace QuantGen.Generator.Model;

/// <summary>A type that encloses the bound class (emitted again as a partial declaration).</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>
/// A class marked <c>[QuantModel("file")]</c>, or named by a <c>&lt;QuantGenModel ClassName="..."&gt;</c> item,
/// boiled down to strings: where it lives, which file it names, where the attribute is (for diagnostics),
/// or why the class cannot hold a model. <see cref="Declare"/>: the generator also declares the class
/// (public partial), because no source file does. <see cref="Threads"/>: the attribute's opt-in to split large
/// layers' rows across threads. <see cref="OwnSkipLocalsInit"/>: the class already carries <c>[SkipLocalsInit]</c>
/// (the generator must not add it a second time).
/// </summary>
internal sealed record ModelBinding(
    string? Namespace,
    string ClassName,
    EquatableArray<ContainingType> ContainingTypes,
    string ModelPath,
    string SourceDirectory,
    LocationInfo? Location,
    DiagnosticInfo? Error,
    bool Declare = false,
    int Threads = 1,
    bool OwnSkipLocalsInit = false)
{
    /// <summary>The class's full name, for hint names and messages.</summary>
    public string FullName
    {
        get
        {
            string prefix = Namespace is null ? "" : Namespace + ".";
            foreach (ContainingType type in ContainingTypes)
            {
                prefix += type.Name + ".";
            }

            return prefix + ClassName;
        }
    }
}
