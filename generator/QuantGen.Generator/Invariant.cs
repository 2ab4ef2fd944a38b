using System.Globalization;

namespace QuantGen.Generator;

/// <summary>Numbers as text, the same in every culture (some write the minus sign as U+2212).</summary>
internal static class Invariant
{
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Thousands separated with commas, for comments.</summary>
    public static string Grouped(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>The shortest text that reads back as exactly <paramref name="value"/>.</summary>
    public static string Float(float value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        // "R" is not always round-trip on .NET Framework hosts (Visual Studio); nine digits always are.
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float back) || !SameBits(back, value))
        {
            text = value.ToString("G9", CultureInfo.InvariantCulture);
        }

        return text;
    }

    private static bool SameBits(float a, float b) => System.BitConverter.ToInt32(System.BitConverter.GetBytes(a), 0) == System.BitConverter.ToInt32(System.BitConverter.GetBytes(b), 0);
}
