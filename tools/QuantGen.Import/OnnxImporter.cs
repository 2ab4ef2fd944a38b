using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// Reads a float ONNX model, as PyTorch exports it (opsets 11 to 17), into a float "quantgen.v1"
/// description: one input, one output, the layers of the graph's chain, weights as float32 values. The
/// result has passed <see cref="DescriptionValidator"/>. Every problem is an <see cref="OnnxImportException"/>
/// with a one-line message that starts with the source's name. docs/onnx-import.md lists what is supported.
/// </summary>
public static class OnnxImporter
{
    private static readonly MessageParser<ModelProto> Parser = ModelProto.Parser.WithDiscardUnknownFields(true);

    /// <summary>Imports the .onnx file at <paramref name="path"/>; the model is named after the file.</summary>
    public static Model Import(string path)
    {
        string sourceName = Path.GetFileName(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new OnnxImportException($"{path}: cannot read the file: {OneLine(e.Message)}", e);
        }

        return Import(bytes, sourceName);
    }

    /// <summary>
    /// Imports a model read from <paramref name="stream"/>. <paramref name="sourceName"/> starts every error
    /// message, and its file name without ".onnx" names the model.
    /// </summary>
    public static Model Import(Stream stream, string sourceName)
    {
        var buffer = new MemoryStream();
        try
        {
            stream.CopyTo(buffer);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException)
        {
            throw new OnnxImportException($"{sourceName}: cannot read the stream: {OneLine(e.Message)}", e);
        }

        return Import(buffer.ToArray(), sourceName);
    }

    private static Model Import(byte[] bytes, string sourceName)
    {
        try
        {
            ModelProto file;
            try
            {
                file = Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new OnnxImportException($"not a readable ONNX file (corrupt or truncated): {OneLine(e.Message)}", e);
            }

            Model model = ChainWalker.Convert(file, ModelName(sourceName));
            Validate(model);
            return model;
        }
        catch (OnnxImportException e)
        {
            throw new OnnxImportException(sourceName + ": " + OneLine(e.Message), e.InnerException ?? e);
        }
    }

    /// <summary>
    /// The converters check everything they rely on; the validator is the last word on what the generator
    /// accepts (it reads the JSON encoding, so the model goes through it).
    /// </summary>
    private static void Validate(Model model)
    {
        string json = JsonFormatter.Default.Format(model);
        (Model? valid, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(json);
        if (valid is null)
        {
            throw new OnnxImportException($"the imported model is not a valid description: {errors[0].Id} at {errors[0].Path}: {errors[0].Message}");
        }
    }

    private static string ModelName(string sourceName)
    {
        string name = Path.GetFileName(sourceName);
        return name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? name.Substring(0, name.Length - 5) : name;
    }

    private static string OneLine(string message) => message.Replace("\r", " ").Replace("\n", " ");
}
