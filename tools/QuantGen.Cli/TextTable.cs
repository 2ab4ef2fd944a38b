using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace QuantGen.Cli;

/// <summary>A plain-text table with aligned columns: the same bytes on a terminal, in a pipe and in a test.</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Columns whose cells are right-aligned (numbers).</summary>
    public HashSet<int> RightAligned { get; } = [];

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"{cells.Length} cells for {headers.Length} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        int[] widths = Widths();
        Write(writer, headers, widths);
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        WriteRows(writer, widths);
    }

    /// <summary>Only the aligned rows: no header, no rule (for lists inside other text).</summary>
    public void WriteRowsTo(TextWriter writer) => WriteRows(writer, Widths());

    private int[] Widths() => headers.Select((h, c) => _rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();

    private void WriteRows(TextWriter writer, int[] widths)
    {
        foreach (string[] row in _rows)
        {
            Write(writer, row, widths);
        }
    }

    /// <summary>The same rows as a Markdown table (for READMEs).</summary>
    public void WriteMarkdownTo(TextWriter writer)
    {
        writer.WriteLine("| " + string.Join(" | ", headers) + " |");
        writer.WriteLine("|" + string.Concat(headers.Select((_, c) => RightAligned.Contains(c) ? "---:|" : "---|")));
        foreach (string[] row in _rows)
        {
            writer.WriteLine("| " + string.Join(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }
    }

    private void Write(TextWriter writer, string[] cells, int[] widths) =>
        writer.WriteLine(string.Join("  ", cells.Select((cell, c) => RightAligned.Contains(c) ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
}
