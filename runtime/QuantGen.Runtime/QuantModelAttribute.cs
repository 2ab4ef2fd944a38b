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
}
