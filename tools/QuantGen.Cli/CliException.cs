using System;
using System.Linq;

namespace QuantGen.Cli;

/// <summary>A failure the user can fix; its message is the one line printed, <see cref="ExitCode"/> what the shell sees.</summary>
public sealed class CliException(int exitCode, string message) : Exception(CliText.Printable(message))
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    public static CliException BadInput(string message) => new(ExitCodes.BadInput, message);
}

/// <summary>Text from files (names, dtypes, bytes of a damaged header) made safe for one line of a terminal.</summary>
public static class CliText
{
    /// <summary>Control characters (line breaks, escape sequences) written as \xNN or \uNNNN; the rest as it is.</summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (!char.IsControl(c))
            {
                builder.Append(c);
            }
            else if (c <= 0xFF)
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
