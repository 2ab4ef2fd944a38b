using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace QuantGen.Tests.Cli;

/// <summary>
/// What a terminal shows after some output: enough of a VT100 to replay a progress bar (text, CR, LF,
/// cursor up, erase line; colours, cursor visibility and two-character escapes are ignored), so a test can say what is left on
/// the screen rather than match escape sequences.
/// </summary>
public static class TerminalScreen
{
    /// <summary>The lines left on the screen, trailing blanks trimmed, empty lines at the end dropped.</summary>
    public static string[] Replay(string output)
    {
        var lines = new List<StringBuilder> { new() };
        int row = 0, column = 0;
        for (int i = 0; i < output.Length; i++)
        {
            char c = output[i];
            if (c == '\x1b' && i + 1 < output.Length && output[i + 1] == '[')
            {
                int end = i + 2;
                while (end < output.Length && !char.IsAsciiLetter(output[end]))
                {
                    end++;
                }

                if (end == output.Length)
                {
                    break;
                }

                string argument = output[(i + 2)..end];
                switch (output[end])
                {
                    case 'A':
                        row = Math.Max(0, row - (argument.Length == 0 ? 1 : int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture)));
                        break;
                    case 'K' when argument == "2":
                        lines[row].Clear();
                        break;
                    case 'K':
                        if (column < lines[row].Length)
                        {
                            lines[row].Length = column;
                        }

                        break;
                }

                i = end;
            }
            else if (c == '\x1b')
            {
                // A two-character escape (keypad mode, save cursor): no text.
                i++;
            }
            else if (c == '\r')
            {
                column = 0;
            }
            else if (c == '\n')
            {
                row++;
                column = 0;
                while (lines.Count <= row)
                {
                    lines.Add(new StringBuilder());
                }
            }
            else if (!char.IsControl(c))
            {
                StringBuilder line = lines[row];
                while (line.Length < column)
                {
                    line.Append(' ');
                }

                if (column < line.Length)
                {
                    line[column] = c;
                }
                else
                {
                    line.Append(c);
                }

                column++;
            }
        }

        string[] text = lines.Select(l => l.ToString().TrimEnd()).ToArray();
        int last = Array.FindLastIndex(text, l => l.Length > 0);
        return text[..(last + 1)];
    }
}
