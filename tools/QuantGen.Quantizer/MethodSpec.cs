using System;
using System.Globalization;

namespace QuantGen.Quantizer;

/// <summary>
/// A method and a bit width, as written on the command line: <c>uniform:4</c>, <c>alternating:2</c>,
/// <c>hwgq</c>, <c>float</c>, <c>none</c>. <see cref="Bits"/> is 0 when the text gave none: the method's
/// natural default for the side it is used on (<see cref="QuantizationMethods.DefaultBits"/>).
/// </summary>
public sealed record MethodSpec(string Method, int Bits)
{
    /// <summary>No quantization.</summary>
    public static MethodSpec None { get; } = new MethodSpec("none", 0);

    /// <summary>
    /// Parses METHOD[:BITS]. "float" and "none" mean no quantization. BITS is 1 to 8 and may be left out
    /// only for methods with a natural default (hwgq, hwgq-lloydmax, alternating; see
    /// <see cref="QuantizationMethods.DefaultBits"/>). Throws <see cref="FormatException"/> naming the
    /// problem and, for an unknown method, every known name.
    /// </summary>
    public static MethodSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':');
        string method = parts[0].Trim().ToLowerInvariant();
        if (method is "float" or "none")
        {
            if (parts.Length != 1)
            {
                throw new FormatException($"'{text}': '{method}' takes no bit width.");
            }

            return None;
        }

        if (!QuantizationMethods.IsKnown(method))
        {
            throw new FormatException($"unknown method '{method}' in '{text}'; known: float, none, {string.Join(", ", QuantizationMethods.AllMethods)}.");
        }

        if (parts.Length == 1)
        {
            if (!QuantizationMethods.HasDefaultBits(method))
            {
                throw new FormatException($"'{text}': method '{method}' needs a bit width, as in {method}:4.");
            }

            return new MethodSpec(method, 0);
        }

        if (parts.Length != 2 || !int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int bits) || bits < 1 || bits > 8)
        {
            throw new FormatException($"'{text}' is not METHOD:BITS with BITS from 1 to 8.");
        }

        return new MethodSpec(method, bits);
    }

    public bool IsNone => Method == "none";

    /// <summary>The text <see cref="Parse"/> reads back.</summary>
    public override string ToString() => IsNone ? "none" : Bits == 0 ? Method : $"{Method}:{Bits.ToString(CultureInfo.InvariantCulture)}";
}
