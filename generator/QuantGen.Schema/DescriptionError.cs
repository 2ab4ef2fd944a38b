using System;

namespace QuantGen.Schema;

/// <summary>
/// What can be wrong with a description. The number is the diagnostic id's: <c>QG0007</c> is
/// <see cref="CountMismatch"/>. The generator's DiagnosticDescriptors.cs gives each a title.
/// </summary>
public enum DescriptionErrorCode
{
    InvalidJson = 1,
    SchemaMismatch = 2,
    MissingField = 3,
    UnsupportedSchema = 4,
    ShapeMismatch = 5,
    BitWidthOutOfRange = 6,
    CountMismatch = 7,
    ThresholdsNotIncreasing = 8,
    NonFiniteParameter = 9,
    InvalidValue = 10,
    DuplicateName = 11,
    /// <summary>A name in a layer's <c>inputs</c> is no earlier layer's nor the model input's (QG0019).</summary>
    UnresolvedInput = 19,
}

/// <summary>One problem found in a description: what, where in the JSON (a path), and where in the text.</summary>
public sealed class DescriptionError : IEquatable<DescriptionError>
{
    public DescriptionError(DescriptionErrorCode code, string message, string path, TextPosition position)
    {
        Code = code;
        Message = message;
        Path = path;
        Position = position;
    }

    public DescriptionErrorCode Code { get; }
    public string Message { get; }
    /// <summary>The JSON path of the offending value, e.g. <c>layers[2].dense.weights.uniform.scales</c>.</summary>
    public string Path { get; }
    public TextPosition Position { get; }

    /// <summary>The diagnostic id, <c>QG0001</c> and up.</summary>
    public string Id => FormatId(Code);

    public static string FormatId(DescriptionErrorCode code) => "QG" + ((int)code).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    public bool Equals(DescriptionError? other) =>
        other is not null && Code == other.Code && Message == other.Message && Path == other.Path && Position.Equals(other.Position);

    public override bool Equals(object? obj) => Equals(obj as DescriptionError);

    public override int GetHashCode() => ((int)Code * 31 + Message.GetHashCode()) * 31 + Position.GetHashCode();

    /// <summary>As a compiler prints it: <c>file(line,col): QG0007: message</c> without the file.</summary>
    public override string ToString() => $"{Position}: {Id}: {Message}";
}
