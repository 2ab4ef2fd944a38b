using System;
using QuantGen.Schema;

namespace QuantGen.Generator.Model;

/// <summary>
/// One *.qgm.json file after parsing and validation. Compared by path and content hash only: the model it
/// holds may carry megabytes of weights, which the pipeline must never compare element by element.
/// </summary>
internal sealed class ModelFile : IEquatable<ModelFile>
{
    public ModelFile(string path, string contentHash, QuantGen.Schema.Model? description, EquatableArray<DiagnosticInfo> diagnostics)
    {
        Path = path;
        ContentHash = contentHash;
        Description = description;
        Diagnostics = diagnostics;
    }

    public string Path { get; }
    public string ContentHash { get; }

    /// <summary>The validated description, or null when <see cref="Diagnostics"/> holds errors.</summary>
    public QuantGen.Schema.Model? Description { get; }
    public EquatableArray<DiagnosticInfo> Diagnostics { get; }

    public bool Equals(ModelFile? other) => other is not null && Path == other.Path && ContentHash == other.ContentHash;

    public override bool Equals(object? obj) => Equals(obj as ModelFile);

    public override int GetHashCode() => Path.GetHashCode() ^ ContentHash.GetHashCode();
}
