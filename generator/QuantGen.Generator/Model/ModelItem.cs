using Microsoft.CodeAnalysis.Diagnostics;

namespace QuantGen.Generator.Model;

/// <summary>
/// What a <c>&lt;QuantGenModel&gt;</c> item says about its file, read from the AdditionalFiles metadata that
/// the package's QuantGen.targets sets (CompilerVisibleItemMetadata): the class to generate, its namespace,
/// and, for a binary description converted to JSON under obj/, the binary file the user wrote.
/// All null for a plain AdditionalFile (bound by [QuantModel] instead).
/// </summary>
internal sealed record ModelItem(string? ClassName, string? Namespace, string? SourcePath)
{
    public static readonly ModelItem None = new ModelItem(null, null, null);

    public static ModelItem From(AnalyzerConfigOptions options)
    {
        string? className = Read(options, "QuantGenClassName");
        string? ns = Read(options, "QuantGenNamespace");
        string? source = Read(options, "QuantGenSource");
        return className is null && ns is null && source is null ? None : new ModelItem(className, ns, source);
    }

    private static string? Read(AnalyzerConfigOptions options, string metadata) =>
        options.TryGetValue("build_metadata.AdditionalFiles." + metadata, out string? value) && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : null;
}
