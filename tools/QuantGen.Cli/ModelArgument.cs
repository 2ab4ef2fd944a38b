using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>Reads a MODEL argument: an ONNX file (through the importer) or a quantgen.v1 description (.qgm.json).</summary>
public static class ModelArgument
{
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    public static Model Load(string path)
    {
        if (!File.Exists(path))
        {
            throw CliException.BadInput($"{path}: no such file");
        }

        if (IsOnnx(path))
        {
            return OnnxModel.Import(path);
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.BadInput($"{path}: {e.Message}");
        }

        (Model? model, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(text);
        if (model is null)
        {
            // One line: the first problem, with where it is; the rest are counted.
            string more = errors.Count > 1 ? $" (and {errors.Count - 1} more)" : "";
            throw CliException.BadInput($"{path}{errors[0]}{more}");
        }

        return model;
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
