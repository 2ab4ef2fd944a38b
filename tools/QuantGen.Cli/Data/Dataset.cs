using System;
using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Cli.Data;

/// <summary>Samples for a model: rows of <c>x</c> (one per sample, flattened) and, for evaluation, integer labels <c>y</c>.</summary>
public sealed class Dataset
{
    private Dataset(string path, IReadOnlyList<float[]> rows, long[] labels)
    {
        Path = path;
        Rows = rows;
        Labels = labels;
    }

    public string Path { get; }
    public IReadOnlyList<float[]> Rows { get; }
    public long[] Labels { get; }
    public int Count => Rows.Count;

    /// <summary>x and y from an npz, checked against the model's input length and number of classes.</summary>
    public static Dataset ForEvaluation(string path, int inputLength, int classes)
    {
        IReadOnlyDictionary<string, NpyArray> arrays = Read(path);
        NpyArray x = Member(arrays, path, "x", "the samples, one row each");
        NpyArray y = Member(arrays, path, "y", "the integer labels");
        IReadOnlyList<float[]> rows = ToRows(x, inputLength);
        if (!y.IsInteger)
        {
            throw CliException.BadInput($"{y.Source}: labels must be integers (int64 or int32), not {y.Type}");
        }

        if (y.Shape.Length != 1 || y.Length != rows.Count)
        {
            throw CliException.BadInput($"{y.Source}: shape {y.ShapeText} does not match x's {rows.Count} rows; one label per sample expected");
        }

        long[] labels = y.ToInt64();
        int bad = Array.FindIndex(labels, l => l < 0 || l >= classes);
        if (bad >= 0)
        {
            throw CliException.BadInput($"{y.Source}: label y[{bad}] = {labels[bad]} is not one of the model's {classes} classes (0..{classes - 1})");
        }

        return new Dataset(path, rows, labels);
    }

    /// <summary>Calibration rows: the member <c>x</c> of an npz, or the only array of a .npy or single-member npz.</summary>
    public static IReadOnlyList<float[]> Calibration(string path, int inputLength)
    {
        IReadOnlyDictionary<string, NpyArray> arrays = Read(path);
        NpyArray x = arrays.Count == 1 ? arrays.Values.Single() : Member(arrays, path, "x", "the calibration samples, one row each");
        return ToRows(x, inputLength);
    }

    private static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        try
        {
            return NpzReader.Read(path);
        }
        catch (System.IO.FileNotFoundException)
        {
            throw CliException.BadInput($"{path}: no such file");
        }
        catch (NpyFormatException e)
        {
            throw CliException.BadInput(e.Message);
        }
    }

    private static NpyArray Member(IReadOnlyDictionary<string, NpyArray> arrays, string path, string name, string what) =>
        arrays.TryGetValue(name, out NpyArray? array)
            ? array
            : throw CliException.BadInput($"{path}: no array '{name}' ({what}); it holds {(arrays.Count == 0 ? "nothing" : string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal)))}");

    private static IReadOnlyList<float[]> ToRows(NpyArray x, int inputLength)
    {
        if (x.Shape.Length == 0 || x.Shape[0] == 0)
        {
            throw CliException.BadInput($"{x.Source}: shape {x.ShapeText} holds no samples");
        }

        int count = x.Shape[0];
        int width = x.Length / count;
        if (width != inputLength)
        {
            throw CliException.BadInput($"{x.Source}: shape {x.ShapeText} gives samples of {width} values, but the model takes {inputLength}");
        }

        float[] values = x.ToSingle();
        var rows = new float[count][];
        for (int i = 0; i < count; i++)
        {
            rows[i] = values.AsSpan(i * width, width).ToArray();
        }

        return rows;
    }
}
