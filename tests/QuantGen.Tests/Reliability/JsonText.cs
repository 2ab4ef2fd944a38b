using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace QuantGen.Tests.Reliability;

/// <summary>JSON text helpers for building hostile descriptions by hand.</summary>
internal static class JsonText
{
    /// <summary>
    /// A JSON string literal for any .NET string, lone surrogates and control characters included: everything
    /// outside printable ASCII becomes a \u escape (System.Text.Json refuses lone surrogates).
    /// </summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            if (c == '"' || c == '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c >= 0x20 && c < 0x7F)
            {
                builder.Append(c);
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Replaces placeholders that stood in for strings when a model was written (Google.Protobuf's JSON
    /// writer refuses lone surrogates) with the strings' JSON-escaped text.
    /// </summary>
    public static string Substitute(string json, IEnumerable<(string Placeholder, string Value)> strings)
    {
        foreach ((string placeholder, string value) in strings)
        {
            string quoted = Quote(value);
            json = json.Replace(placeholder, quoted.Substring(1, quoted.Length - 2));
        }

        return json;
    }
}
