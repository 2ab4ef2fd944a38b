using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace QuantGen.Cli;

/// <summary>Reads calibration rows from CSV: the first <c>columns</c> numbers of each line, times <c>scale</c>.</summary>
internal static class CsvData
{
    public static List<float[]> Read(string path, int columns, float scale)
    {
        var rows = new List<float[]>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            string[] cells = line.Split(',');
            if (cells.Length < columns)
            {
                throw new FormatException($"{path}:{lineNumber}: {cells.Length} values, {columns} expected");
            }

            var row = new float[columns];
            for (int c = 0; c < columns; c++)
            {
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                {
                    throw new FormatException($"{path}:{lineNumber}: '{cells[c]}' is not a number");
                }

                row[c] = v * scale;
            }

            rows.Add(row);
        }

        return rows;
    }
}
