using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace QuantGen.Quantizer;

/// <summary>
/// Learned LSQ step sizes, read from a JSON side file: one object whose keys name tensors and whose
/// values are the steps, positive finite numbers. A layer's weights are <c>LAYER.weights</c>, its input
/// <c>LAYER.input</c> (LAYER as in the description):
/// <code>{ "fc1.weights": 0.0123, "fc2.weights": 0.0087, "fc2.input": 0.061 }</code>
/// Tensors without a key start from LSQ's initialisation. A key that names no tensor of the model is
/// an error when quantizing (a typo would otherwise be ignored).
/// </summary>
public static class LsqSteps
{
    public static IReadOnlyDictionary<string, float> Load(string path) => Parse(File.ReadAllText(path), path);

    /// <param name="source">Named in error messages (the file's path).</param>
    public static IReadOnlyDictionary<string, float> Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{source}: expected an object of tensor name -> step, as {{\"fc1.weights\": 0.01}}.");
            }

            var steps = new Dictionary<string, float>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetSingle(out float step) || !float.IsFinite(step) || !(step > 0f))
                {
                    throw new FormatException($"{source}: step '{property.Name}' must be a positive number, not {property.Value.GetRawText()}.");
                }

                if (!steps.TryAdd(property.Name, step))
                {
                    throw new FormatException($"{source}: step '{property.Name}' is given twice.");
                }
            }

            return steps;
        }
    }
}
