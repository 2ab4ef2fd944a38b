using System;
using QuantGen.Schema;

namespace QuantGen.Generator.Model;

/// <summary>
/// One *.qgm.json file after parsing and validation. Compared by path and content hash only: the model it
/// holds may carry megabytes of weights, which the pipeline must never compare element by element.
/// </summary>
internal sealed class ModelFile : IEquatable<ModelFile>
{
    public ModelFile(string path, ModelItem item, string contentHash, QuantGen.Schema.Model? description, EquatableArray<DiagnosticInfo> diagnostics)
    {
        Path = path;
        Item = item;
        ContentHash = contentHash;
        Description = description;
        Diagnostics = diagnostics;
    }

    public string Path { get; }

    /// <summary>What the file's &lt;QuantGenModel&gt; item says (<see cref="ModelItem.None"/> for a plain AdditionalFile).</summary>
    public ModelItem Item { get; }

    /// <summary>The file the user wrote: the binary description this JSON was made from, or this file.</summary>
    public string UserPath => Item.SourcePath ?? Path;
    public string ContentHash { get; }

    /// <summary>The validated description, or null when <see cref="Diagnostics"/> holds errors.</summary>
    public QuantGen.Schema.Model? Description { get; }
    public EquatableArray<DiagnosticInfo> Diagnostics { get; }

    public bool Equals(ModelFile? other) => other is not null && Path == other.Path && Item == other.Item && ContentHash == other.ContentHash;

    public override bool Equals(object? obj) => Equals(obj as ModelFile);

    public override int GetHashCode() => Path.GetHashCode() ^ Item.GetHashCode() ^ ContentHash.GetHashCode();
}
