using System;

namespace QuantGen;

/// <summary>
/// Binds a <c>partial class</c> to a quantized model description; the QuantGen generator implements
/// the class at build time. The file must be in the project's <c>AdditionalFiles</c>; a relative path is
/// resolved against the folder of the source file that holds the attribute, then matched by file name.
/// </summary>
/// <example><c>[QuantModel("Models/digits.qgm.json")] public partial class Digits;</c></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class QuantModelAttribute : Attribute
{
    /// <summary>Binds the class to the description at <paramref name="path"/>.</summary>
    /// <param name="path">The description file (<c>*.qgm.json</c>), relative to the folder of the source file that holds the attribute.</param>
    public QuantModelAttribute(string path) => Path = path;

    /// <summary>The description file (<c>*.qgm.json</c>).</summary>
    public string Path { get; }

    /// <summary>
    /// Threads a large fully connected layer may split its rows across (1 to 64; default 1). Opt-in: with the
    /// default every call runs on the calling thread and allocates nothing. With more, a fully connected layer
    /// whose float32 or integer weights take at least a megabyte runs its rows in that many parts at once (same results).
    /// </summary>
    public int Threads { get; set; } = 1;
}
