using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace QuantGen.Benchmarks;

/// <summary>
/// ONNX Runtime as the peer of the matrix-vector kernels: a one-node model Y = Gemm(X, W, transB = 1) over the
/// same float32 weights ([rows][cols], as every kernel here reads them), run by a single-threaded session with all
/// graph optimizations and bound inputs and outputs, so a run is the MLAS product and nothing else. A batch is one
/// [batch, cols] input: ONNX Runtime multiplies it as one matrix product, as its users would call it.
/// </summary>
internal sealed class OnnxGemm : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _run = new();
    private readonly OrtValue _input;
    private readonly OrtValue _output;

    public OnnxGemm(float[] weights, int rows, int cols, float[] input, float[] output, int batch)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(Model(weights, rows, cols), options);
        _input = OrtValue.CreateTensorValueFromMemory(input, [batch, cols]);
        _output = OrtValue.CreateTensorValueFromMemory(output, [batch, rows]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("x", _input);
        _binding.BindOutput("y", _output);
    }

    public void Run() => _session.RunWithBinding(_run, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }

    /// <summary>The model's protobuf bytes (onnx.proto field numbers; opset 13, IR version 8), the batch dimension symbolic.</summary>
    private static byte[] Model(float[] weights, int rows, int cols)
    {
        byte[] tensor = Message(
            Varint(1, rows), Varint(1, cols), Varint(2, 1 /* FLOAT */), Text(8, "w"),
            Bytes(9, MemoryMarshal.AsBytes(weights.AsSpan()).ToArray()));
        byte[] transB = Message(Text(1, "transB"), Varint(3, 1), Varint(20, 2 /* INT */));
        byte[] node = Message(Text(1, "x"), Text(1, "w"), Text(2, "y"), Text(4, "Gemm"), Bytes(5, transB));
        byte[] graph = Message(
            Bytes(1, node), Text(2, "gemv"), Bytes(5, tensor),
            Bytes(11, ValueInfo("x", cols)), Bytes(12, ValueInfo("y", rows)));
        byte[] opset = Message(Text(1, ""), Varint(2, 13));
        return Message(Varint(1, 8), Text(2, "QuantGen.Benchmarks"), Bytes(7, graph), Bytes(8, opset));
    }

    /// <summary>A float tensor [batch, width] (batch symbolic).</summary>
    private static byte[] ValueInfo(string name, int width)
    {
        byte[] shape = Message(Bytes(1, Message(Text(2, "batch"))), Bytes(1, Message(Varint(1, width))));
        byte[] tensorType = Message(Varint(1, 1 /* FLOAT */), Bytes(2, shape));
        return Message(Text(1, name), Bytes(2, Message(Bytes(1, tensorType))));
    }

    private static byte[] Message(params byte[][] fields)
    {
        var stream = new MemoryStream();
        foreach (byte[] field in fields)
        {
            stream.Write(field);
        }

        return stream.ToArray();
    }

    private static byte[] Varint(int field, long value)
    {
        var bytes = new List<byte>();
        WriteVarint(bytes, (ulong)(field << 3));
        WriteVarint(bytes, (ulong)value);
        return bytes.ToArray();
    }

    private static byte[] Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Bytes(int field, byte[] value)
    {
        var bytes = new List<byte>(value.Length + 10);
        WriteVarint(bytes, (ulong)((field << 3) | 2));
        WriteVarint(bytes, (ulong)value.Length);
        bytes.AddRange(value);
        return bytes.ToArray();
    }

    private static void WriteVarint(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }
}
