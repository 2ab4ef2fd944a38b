using System.Collections.Generic;
using System.Globalization;

namespace QuantGen;

/// <summary>A shape as text, the same in every culture: <c>[1, 8, 8]</c>.</summary>
internal static class ShapeText
{
    public static string Of(IReadOnlyList<int> shape)
    {
        var parts = new string[shape.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }
}
