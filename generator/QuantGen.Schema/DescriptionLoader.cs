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
