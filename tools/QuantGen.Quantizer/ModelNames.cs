using System;
using System.Globalization;

namespace QuantGen.Quantizer;

/// <summary>
/// The name a quantized model gets when none is given: the float model's name, then what was done to it,
/// so that every variant of one model has a name of its own (<c>digits_cnn-uniform4</c>).
/// </summary>
public static class ModelNames
{
    // A source named for being the float model ("charlm-float") drops that word: its variants are not float.
    private static readonly string[] FloatSuffixes = ["float32", "float", "fp32"];

    /// <summary>
    /// <c>SOURCE-VARIANT</c>: <paramref name="sourceName"/> without a trailing "-float" (or "_float", ".float",
    /// "float32", "fp32"), then <see cref="Variant"/> of the global methods. Per-layer choices (<c>--layer</c>,
    /// <c>--keep-float</c>) are not in the name; give one to say them.
    /// </summary>
    public static string Default(string sourceName, MethodSpec weights, MethodSpec activations)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        string source = WithoutFloatSuffix(sourceName);
        string variant = Variant(weights, activations);
        return source.Length == 0 ? variant : $"{source}-{variant}";
    }

    /// <summary>
    /// What the methods do, with their bit widths (a left-out width is the method's default):
    /// <c>uniform4</c> when weights and activations use one method at one width, <c>wq4-logquant4</c> when
    /// they differ, <c>uniform4-float-activations</c> and <c>float-weights-uniform4</c> when one side stays
    /// float, <c>float</c> when nothing is quantized.
    /// </summary>
    public static string Variant(MethodSpec weights, MethodSpec activations)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(activations);
        string? w = weights.IsNone ? null : Part(weights, activations: false);
        string? a = activations.IsNone ? null : Part(activations, activations: true);
        return (w, a) switch
        {
            (null, null) => "float",
            (_, null) => $"{w}-float-activations",
            (null, _) => $"float-weights-{a}",
            _ when w == a => w!,
            _ => $"{w}-{a}",
        };
    }

    private static string Part(MethodSpec spec, bool activations)
    {
        int bits = spec.Bits != 0 ? spec.Bits : QuantizationMethods.DefaultBits(spec.Method, activations);
        return bits == 0 ? spec.Method : spec.Method + bits.ToString(CultureInfo.InvariantCulture);
    }

    private static string WithoutFloatSuffix(string name)
    {
        foreach (string suffix in FloatSuffixes)
        {
            int cut = name.Length - suffix.Length - 1;
            if (cut > 0 && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name[cut] is '-' or '_' or '.')
            {
                return name[..cut];
            }
        }

        return name;
    }
}
