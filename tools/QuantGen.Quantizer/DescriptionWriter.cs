using Google.Protobuf;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>Writes a description in the JSON encoding the generator reads.</summary>
public static class DescriptionWriter
{
    private static readonly JsonFormatter Formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithIndentation("  "));

    public static string ToJson(Model model) => Formatter.Format(model) + "\n";
}
