using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace QuantGen.Import;

/// <summary>How names and ONNX enums appear in error messages (which must stay on one line).</summary>
internal static class OnnxText
{
    private const int MaxQuotedLength = 80;

    /// <summary>A name from the file in double quotes, control characters escaped, long names shortened.</summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        int length = text.Length <= MaxQuotedLength ? text.Length : MaxQuotedLength;
        for (int i = 0; i < length; i++)
        {
            char c = text[i];
            if (char.IsControl(c) || c == '"' || c == '\\')
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (length < text.Length)
        {
            builder.Append("...");
        }

        return builder.Append('"').ToString();
    }

    /// <summary>The name of a TensorProto data type code.</summary>
    public static string DataTypeName(int dataType) => dataType switch
    {
        0 => "UNDEFINED",
        1 => "FLOAT (float32)",
        2 => "UINT8",
        3 => "INT8",
        4 => "UINT16",
        5 => "INT16",
        6 => "INT32",
        7 => "INT64",
        8 => "STRING",
        9 => "BOOL",
        10 => "FLOAT16",
        11 => "DOUBLE",
        12 => "UINT32",
        13 => "UINT64",
        14 => "COMPLEX64",
        15 => "COMPLEX128",
        16 => "BFLOAT16",
        _ => "data type " + dataType.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A shape for messages: [1, 64].</summary>
    public static string Shape(IEnumerable<long> dims) =>
        "[" + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>A value's full shape from its per-sample shape: [batch, 2, 4].</summary>
    public static string BatchShape(IEnumerable<long> sampleShape) =>
        "[batch" + string.Concat(sampleShape.Select(d => ", " + d.ToString(CultureInfo.InvariantCulture))) + "]";
}
