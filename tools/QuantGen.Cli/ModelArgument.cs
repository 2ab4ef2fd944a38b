using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>
/// Reads a MODEL argument: an ONNX file (through the importer) or a quantgen.v1 description, JSON
/// (<c>*.qgm.json</c>, or any name whose content is a JSON object) or binary (<c>*.qgm</c>). A file that is
/// none of these is named for what it looks like (an .npz, text, an executable) next to what was expected.
/// </summary>
public static class ModelArgument
{
    /// <summary>What a MODEL argument may be, for messages.</summary>
    public const string Expected = "an ONNX model (.onnx) or a QuantGen description (.qgm.json, or binary .qgm)";

    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    public static Model Load(string path)
    {
        if (!File.Exists(path))
        {
            throw CliException.BadInput(Directory.Exists(path) ? $"{path}: is a folder; MODEL is {Expected}" : $"{path}: no such file");
        }

        if (IsOnnx(path))
        {
            return OnnxModel.Import(path);
        }

        byte[] head = Read(path, FileSniffer.Head);
        bool json = FileSniffer.LooksLikeJsonObject(head);
        if (DescriptionFile.IsBinary(path) && json)
        {
            // The build reads every name but *.qgm.json as binary, and would fail on this file (QG0015).
            throw CliException.BadInput($"{path}: this is {FileSniffer.Describe(head)}, but a .qgm is read as the binary encoding; name a JSON description *.qgm.json");
        }

        if (FileSniffer.KnownFormat(head) is not null || (!DescriptionFile.IsBinary(path) && !json))
        {
            throw NotAModel(path, head);
        }

        return DescriptionFile.IsBinary(path) ? LoadBinary(path) : LoadJson(path, Read(path, File.ReadAllText), "");
    }

    private static CliException NotAModel(string path, ReadOnlySpan<byte> head) =>
        CliException.BadInput($"{path}: this is {FileSniffer.Describe(head)}, not a model; MODEL is {Expected}");

    private static Model LoadBinary(string path)
    {
        Model model;
        try
        {
            model = Model.Parser.ParseFrom(Read(path, File.ReadAllBytes));
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw CliException.BadInput($"{path}: not a binary QuantGen description (protobuf quantgen.v1.Model): {e.Message.TrimEnd('.')}; MODEL is {Expected}");
        }

        // Validated as the build validates it: through its JSON form, whose lines the errors then name.
        return LoadJson(path, Quantizer.DescriptionWriter.ToJson(model), " (a line of its JSON form, as the build writes it)");
    }

    private static Model LoadJson(string path, string text, string suffix)
    {
        (Model? model, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(text);
        if (model is null)
        {
            // One line: the first problem, with where it is; the rest are counted.
            string more = errors.Count > 1 ? $" (and {errors.Count - 1} more)" : "";
            throw CliException.BadInput($"{path}{errors[0]}{more}{suffix}");
        }

        return model;
    }

    private static T Read<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.BadInput($"{path}: {e.Message}");
        }
    }

    /// <summary>The float model to quantize: every weight matrix must still be float32.</summary>
    public static void EnsureFloat(Model model, string path)
    {
        foreach (Layer layer in model.Layers)
        {
            LayerMatrix? quantized = LayerShapes.Matrices(layer).FirstOrDefault(m => m.Weights is not null && m.Weights.CodecCase != Weights.CodecOneofCase.Float32);
            if (quantized is not null)
            {
                throw CliException.BadInput($"{path}: layer '{layer.Name}' is already quantized ({quantized.Weights!.CodecCase}); quantize from a float model");
            }
        }
    }
}
