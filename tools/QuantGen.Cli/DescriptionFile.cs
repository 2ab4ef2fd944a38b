using System;
using System.IO;
using Google.Protobuf;
using QuantGen.Quantizer;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>
/// The two encodings of a description, chosen by the file name as the QuantGen package's build does:
/// <c>*.qgm.json</c> is the JSON encoding, <c>*.qgm</c> the binary protobuf encoding of the same message
/// (the build turns it into JSON before the compiler runs). Any other name is refused before any work:
/// the build would take it for binary.
/// </summary>
public static class DescriptionFile
{
    public const string JsonExtension = ".qgm.json";
    public const string BinaryExtension = ".qgm";

    /// <summary>What the file names accepted for a description are, for messages.</summary>
    public const string Expected = "NAME.qgm.json (the JSON encoding) or NAME.qgm (the binary protobuf encoding)";

    public static bool IsJson(string path) => path.EndsWith(JsonExtension, StringComparison.OrdinalIgnoreCase);

    public static bool IsBinary(string path) => path.EndsWith(BinaryExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails, as a usage error, when <paramref name="path"/> names neither encoding.</summary>
    public static void EnsureKnownExtension(string path, string option)
    {
        if (!IsJson(path) && !IsBinary(path))
        {
            throw CliException.Usage($"{option} {path}: a description is written as {Expected}; '{Path.GetFileName(path)}' is neither");
        }
    }

    /// <summary>Writes <paramref name="model"/> whole or not at all, in the encoding its name says.</summary>
    public static void Write(string path, Model model)
    {
        EnsureKnownExtension(path, "-o");
        if (IsBinary(path))
        {
            AtomicFile.Write(path, stream => model.WriteTo(stream));
        }
        else
        {
            AtomicFile.WriteAllText(path, DescriptionWriter.ToJson(model));
        }
    }
}
