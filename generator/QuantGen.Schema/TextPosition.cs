using System;

namespace QuantGen.Schema;

/// <summary>
/// Where something is in a description's text: a character range and its zero-based line and column,
/// so that an error can point at the model file's line.
/// </summary>
public readonly struct TextPosition : IEquatable<TextPosition>
{
    public TextPosition(int offset, int length, int line, int column)
    {
        Offset = offset;
        Length = length;
        Line = line;
        Column = column;
    }

    public int Offset { get; }
    public int Length { get; }
    /// <summary>Zero-based line.</summary>
    public int Line { get; }
    /// <summary>Zero-based column.</summary>
    public int Column { get; }

    public static TextPosition Start => default;

    public bool Equals(TextPosition other) =>
        Offset == other.Offset && Length == other.Length && Line == other.Line && Column == other.Column;

    public override bool Equals(object? obj) => obj is TextPosition other && Equals(other);

    public override int GetHashCode() => ((Offset * 31 + Length) * 31 + Line) * 31 + Column;

    public override string ToString() => $"({Line + 1},{Column + 1})";
}
