using System;
using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Schema;

/// <summary>Parse then validate, for readers that want a trusted model or the reason there is none.</summary>
public static class DescriptionLoader
{
    /// <summary>Reads and validates a description; the model is null when there is any error.</summary>
    public static (Model? Model, IReadOnlyList<DescriptionError> Errors) Load(string text)
    {
        ParsedDescription parsed = DescriptionParser.Parse(text);
        if (parsed.Model is null)
        {
            return (null, parsed.Errors);
        }

        IReadOnlyList<DescriptionError> errors = DescriptionValidator.Validate(parsed.Model, parsed.Locator!);
        return (errors.Count == 0 ? parsed.Model : null, errors);
    }

    /// <summary>Like <see cref="Load"/>, but throws with every error listed: for tools and tests.</summary>
    public static Model LoadOrThrow(string text, string fileName)
    {
        (Model? model, IReadOnlyList<DescriptionError> errors) = Load(text);
        if (model is null)
        {
            throw new FormatException(string.Join(Environment.NewLine, errors.Select(e => fileName + e)));
        }

        return model;
    }
}

/// <summary>Shapes that follow from a valid model.</summary>
public static class ModelShape
{
    /// <summary>The number of values in the model's input.</summary>
    public static int InputLength(Model model) => model.Inputs[0].Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>The length of the vector a layer gives for an input of <paramref name="inputLength"/> values.</summary>
    public static int OutputLength(Layer layer, int inputLength) => layer.OpCase switch
    {
        Layer.OpOneofCase.Dense => layer.Dense.OutFeatures,
        Layer.OpOneofCase.Embedding or Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru or
            Layer.OpOneofCase.Conv2D or Layer.OpOneofCase.MaxPool2D => (int)LayerShapes.OutputLength(layer),
        _ => inputLength,
    };
}
