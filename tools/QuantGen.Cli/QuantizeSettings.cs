using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>The quantize verb's method options, parsed and checked against the model before any work starts.</summary>
public static class QuantizeSettings
{
    public static MethodSpec Method(string text, string option)
    {
        try
        {
            return MethodSpec.Parse(text);
        }
        catch (FormatException e)
        {
            throw CliException.Usage($"{option} {text}: {e.Message.TrimEnd('.')}");
        }
    }

    /// <summary>Each <c>--layer NAME=METHOD:BITS</c>, with NAME a layer that has weights.</summary>
    public static IReadOnlyDictionary<string, MethodSpec> LayerOverrides(IEnumerable<string> texts, Model model)
    {
        var overrides = new Dictionary<string, MethodSpec>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            int equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == text.Length - 1)
            {
                throw CliException.Usage($"--layer {text}: expected NAME=METHOD:BITS, e.g. fc1=uniform:8");
            }

            string name = text[..equals].Trim();
            string[] weighted = model.Layers.Where(l => l.OpCase == Layer.OpOneofCase.Dense).Select(l => l.Name).ToArray();
            if (!weighted.Contains(name, StringComparer.Ordinal))
            {
                throw CliException.Usage($"--layer {text}: the model has no layer '{name}' with weights (it has {string.Join(", ", weighted)})");
            }

            if (!overrides.TryAdd(name, Method(text[(equals + 1)..], $"--layer {name}=")))
            {
                throw CliException.Usage($"--layer {text}: layer '{name}' is given twice");
            }
        }

        return overrides;
    }

    /// <summary><c>--keep-float first,last</c>: which of the first and last weighted layers stay float32.</summary>
    public static (bool First, bool Last) KeepFloat(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (false, false);
        }

        bool first = false, last = false;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            switch (part)
            {
                case "first": first = true; break;
                case "last": last = true; break;
                case "none": break;
                default: throw CliException.Usage($"--keep-float {text}: '{part}' is not first, last or none");
            }
        }

        return (first, last);
    }
}
