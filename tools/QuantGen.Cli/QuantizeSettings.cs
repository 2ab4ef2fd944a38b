using System;
using System.Collections.Generic;
using QuantGen.Quantizer;

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

    /// <summary>
    /// Each <c>--layer NAME=METHOD:BITS</c>. Only the syntax and the method are checked here; whether the
    /// model has such a layer is the quantizer's to say (it knows which layer types carry weights).
    /// </summary>
    public static IReadOnlyDictionary<string, MethodSpec> LayerOverrides(IEnumerable<string> texts)
    {
        var overrides = new Dictionary<string, MethodSpec>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            int equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == text.Length - 1 || text[..equals].Trim().Length == 0)
            {
                throw CliException.Usage($"--layer {text}: expected NAME=METHOD:BITS, e.g. fc1=uniform:8");
            }

            string name = text[..equals].Trim();
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
