using System;

namespace QuantGen.Cli.Data;

/// <summary>The element types the reader accepts: little-endian 4- and 8-byte floats and integers.</summary>
public enum NpyType
{
    Float32,
    Float64,
    Int32,
    Int64,
}

/// <summary>One array from a .npy file (or one member of a .npz), in C order.</summary>
public sealed class NpyArray
{
    private readonly Array _values;

    internal NpyArray(string source, NpyType type, int[] shape, Array values)
    {
        Source = source;
        Type = type;
        Shape = shape;
        _values = values;
    }

    /// <summary>Where it came from, for messages: <c>data.npz:x</c> or <c>x.npy</c>.</summary>
    public string Source { get; }

    public NpyType Type { get; }

    public int[] Shape { get; }

    public int Length => _values.Length;

    public bool IsInteger => Type is NpyType.Int32 or NpyType.Int64;

    /// <summary>The values as float32, converted if stored otherwise.</summary>
    public float[] ToSingle() => _values switch
    {
        float[] f => f,
        double[] d => Array.ConvertAll(d, v => (float)v),
        int[] i => Array.ConvertAll(i, v => (float)v),
        long[] l => Array.ConvertAll(l, v => (float)v),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The values as int64; only for integer arrays.</summary>
    public long[] ToInt64() => _values switch
    {
        long[] l => l,
        int[] i => Array.ConvertAll(i, v => (long)v),
        _ => throw new InvalidOperationException($"{Source} holds {Type} values, not integers"),
    };

    public string ShapeText => "(" + string.Join(", ", Shape) + (Shape.Length == 1 ? ",)" : ")");
}
