using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace QuantGen.Generator.Emit;

/// <summary>C# literals and comment text made safe from whatever a description contains.</summary>
internal static class Literals
{
    /// <summary>A float literal that reads back as exactly the same bits, NaN, infinities and -0 included.</summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value))
        {
            return "float.NaN";
        }

        if (float.IsPositiveInfinity(value))
        {
            return "float.PositiveInfinity";
        }

        if (float.IsNegativeInfinity(value))
        {
            return "float.NegativeInfinity";
        }

        if (value == 0f && System.BitConverter.DoubleToInt64Bits(value) < 0)
        {
            return "-0f";
        }

        return Invariant.Float(value) + "f";
    }

    /// <summary>A collection expression of float literals: <c>[0f, 0.5f]</c>.</summary>
    public static string Floats(IEnumerable<float> values) => "[" + string.Join(", ", values.Select(Float)) + "]";

    /// <summary>A regular string literal; anything outside printable ASCII is written as a \u escape.</summary>
    public static string String(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                default:
                    if (c >= 0x20 && c < 0x7F)
                    {
                        builder.Append(c);
                    }
                    else
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Text for a // comment: one line, printable, no bidirectional controls that could make the code
    /// read differently from how it compiles; long text is cut.
    /// </summary>
    public static string Comment(string value, int maxLength = 80)
    {
        var builder = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            builder.Append(IsSafeInComment(c) ? c : '?');
            if (builder.Length >= maxLength)
            {
                builder.Append("...");
                break;
            }
        }

        return builder.ToString();
    }

    private static bool IsSafeInComment(char c)
    {
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
        {
            return false;
        }

        // Line and paragraph separators end a // comment; bidirectional and zero-width controls hide text.
        return !(c == '\u2028' || c == '\u2029' || (c >= '\u200B' && c <= '\u200F') || (c >= '\u202A' && c <= '\u202E')
            || (c >= '\u2066' && c <= '\u2069') || c == '\uFEFF' || char.IsSurrogate(c));
    }
}
