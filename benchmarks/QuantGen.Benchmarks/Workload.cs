using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Benchmarks;

/// <summary>
/// One matrix shape with random weights in every layout the benchmarks run, made once per shape (the
/// benchmarks run in process, so every case of a shape shares it). Layouts come from the generator's
/// own WeightRepacking, so the kernels read exactly what generated code would give them.
/// </summary>
internal sealed class Workload
{
    private static readonly ConcurrentDictionary<(int, int), Workload> Cache = new();

    public const int MaxBatch = 16;

    private Workload(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
        var random = new Random(rows * 31 + cols);
        Float = new float[rows * cols];
        for (int i = 0; i < Float.Length; i++)
        {
            Float[i] = (float)(random.NextDouble() * 2 - 1);
        }

        Inputs = new float[MaxBatch][];
        for (int b = 0; b < MaxBatch; b++)
        {
            Inputs[b] = new float[cols];
            for (int c = 0; c < cols; c++)
            {
                Inputs[b][c] = (float)(random.NextDouble() * 2 - 1);
            }
        }

        Output = new float[rows];
        Contiguous = Inputs.SelectMany(v => v).ToArray();
        Outputs = new float[MaxBatch * rows];
        Fp32Bytes = new byte[(long)rows * cols * 4];
        random.NextBytes(Fp32Bytes);
        for (int bits = 1; bits <= 3; bits++)
        {
            MultiBinaryCodec m = MultiBinary(random, rows, cols, bits);
            XnorWeights[bits] = MemoryMarshal.Cast<byte, ulong>(WeightRepacking.XnorPlanes(m, rows, cols)).ToArray();
            XnorCoefficients[bits] = WeightRepacking.XnorCoefficients(m, rows);
            XnorRowWeights[bits] = WeightRepacking.XnorRowPlanes(m, rows, cols);
            XnorRowCoefficients[bits] = WeightRepacking.XnorRowCoefficients(m, rows);
        }

        UniformCodec two = Uniform(random, rows, cols, 2);
        Lut2 = WeightRepacking.Lut(new Weights { Uniform = two }, rows, cols);
        UniformCodec eight = Uniform(random, rows, cols, 8);
        Int8 = WeightRepacking.Int8(eight, rows, cols, 8, -1f, 1f);
        Int8Codes = MemoryMarshal.Cast<byte, sbyte>(Int8.Codes).ToArray();
        UniformCodec four = Uniform(random, rows, cols, 4);
        Int4 = WeightRepacking.Int8(four, rows, cols, 4, -1f, 1f);
        Int4Codes = MemoryMarshal.Cast<byte, sbyte>(Int4.Codes).ToArray();
        Int4Nibbles = WeightRepacking.Int8(four, rows, cols, 4, -1f, 1f, nibbles: true);
        Scratch = new float[Math.Max(Xnor.ScratchFloats(cols, 3), Math.Max(PlaneLut.TableLength(cols), QuantGen.Runtime.Int8.ScratchFloats(cols)))];
        ManyScratch = new float[QuantGen.Runtime.Int8.ManyScratchFloats(cols, 16)];
    }

    public static Workload Of(int rows, int cols) => Cache.GetOrAdd((rows, cols), key => new Workload(key.Item1, key.Item2));

    public int Rows { get; }
    public int Cols { get; }
    public float[] Float { get; }
    public float[][] Inputs { get; }
    public float[] Output { get; }

    /// <summary>The inputs stored one after another, and room for a batch's outputs: the batched kernels' layout.</summary>
    public float[] Contiguous { get; }

    public float[] Outputs { get; }
    public float[] Scratch { get; }

    /// <summary>Scratch for the batched kernels: the int8 codes of 16 inputs.</summary>
    public float[] ManyScratch { get; }

    /// <summary>Random bytes as large as the float32 weights, for the read-bandwidth probe.</summary>
    public byte[] Fp32Bytes { get; }

    public ulong[][] XnorWeights { get; } = new ulong[4][];
    public float[][] XnorCoefficients { get; } = new float[4][];

    /// <summary>The same weights in the row-major xor/popcount layout (Xnor.DenseRows).</summary>
    public byte[][] XnorRowWeights { get; } = new byte[4][];
    public float[][] XnorRowCoefficients { get; } = new float[4][];
    public LutWeights Lut2 { get; }
    public Int8Weights Int8 { get; }
    public sbyte[] Int8Codes { get; }

    /// <summary>4-bit weight codes for a 4-bit input, one per byte and (<see cref="Int4Nibbles"/>) two per byte.</summary>
    public Int8Weights Int4 { get; }

    public sbyte[] Int4Codes { get; }

    public Int8Weights Int4Nibbles { get; }

    internal static MultiBinaryCodec MultiBinary(Random random, int rows, int cols, int bits)
    {
        var planes = new byte[PackedCodes.ByteLength((long)rows * cols * bits, 1)];
        random.NextBytes(planes);
        var m = new MultiBinaryCodec { Bits = bits, Planes = ByteString.CopyFrom(planes) };
        for (int i = 0; i < rows * bits; i++)
        {
            m.Coefficients.Add((float)(0.1 + random.NextDouble()));
        }

        return m;
    }

    internal static UniformCodec Uniform(Random random, int rows, int cols, int bits)
    {
        var codes = new byte[PackedCodes.ByteLength((long)rows * cols, bits)];
        random.NextBytes(codes);
        var u = new UniformCodec { Bits = bits, Signed = true, Codes = ByteString.CopyFrom(codes) };
        for (int r = 0; r < rows; r++)
        {
            u.Scales.Add((float)(0.01 + 0.1 * random.NextDouble()));
        }

        return u;
    }
}
