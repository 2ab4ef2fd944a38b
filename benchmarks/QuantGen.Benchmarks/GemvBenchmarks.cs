using System;
using BenchmarkDotNet.Attributes;
using QuantGen.Runtime;

namespace QuantGen.Benchmarks;

/// <summary>
/// Matrix-vector products, one thread, every kernel against the float32 baselines in the same run, at
/// batch 1 and 16 (a batch is that many products in a row: none of these kernels reuses a weight load
/// across inputs). The quantized kernels include coding their input where they code it (xnor: online
/// alternating codes and packing; int8: uniform codes). Read_* measure the read bandwidth for a buffer of the
/// float32 weights' size and over the int8 weights, for the fraction-of-bandwidth column.
/// </summary>
public class GemvBenchmarks
{
    private Workload _w = null!;
    private OnnxGemm _ort = null!;

    [Params("1024x1024", "2600x1300", "4096x4096")]
    public string Shape { get; set; } = "";

    [Params(1, 16)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('x');
        _w = Workload.Of(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        _ort = new OnnxGemm(_w.Float, _w.Output.Length, _w.Inputs[0].Length, _w.Contiguous[..(Batch * _w.Inputs[0].Length)], new float[Batch * _w.Output.Length], Batch);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    /// <summary>ONNX Runtime 1.31.1 on the same float32 weights (one Gemm node, one thread; a batch is one call).</summary>
    [Benchmark]
    public void Ort_Fp32_Gemm() => _ort.Run();

    [Benchmark(Baseline = true)]
    public void Fp32_TensorPrimitivesDot()
    {
        for (int b = 0; b < Batch; b++)
        {
            Fp32Gemv.TensorPrimitivesDot(_w.Float, _w.Inputs[b], _w.Output);
        }
    }

    [Benchmark]
    public void Fp32_Vector512x4()
    {
        for (int b = 0; b < Batch; b++)
        {
            Fp32Gemv.Vector512x4(_w.Float, _w.Inputs[b], _w.Output);
        }
    }

    /// <summary>The runtime's float kernel, the one generated code calls for float layers.</summary>
    [Benchmark]
    public void Fp32_DenseKernelsFloat()
    {
        for (int b = 0; b < Batch; b++)
        {
            DenseKernels.Float(_w.Inputs[b], _w.Output, _w.Float, default);
        }
    }

    /// <summary>The runtime's batched float kernel: two weight rows times four inputs per pass, the rows reused by
    /// every input of the batch while they sit in L1 (at batch 1 the same work as Fp32_DenseKernelsFloat).</summary>
    [Benchmark]
    public void Fp32_DenseKernelsFloatMany() =>
        DenseKernels.FloatMany(_w.Contiguous.AsSpan(0, Batch * _w.Cols), _w.Outputs.AsSpan(0, Batch * _w.Rows), Batch, _w.Float, default);

    [Benchmark]
    public void Xnor_1x1() => Xnor(1, 1);

    [Benchmark]
    public void Xnor_2x2() => Xnor(2, 2);

    [Benchmark]
    public void Xnor_3x3() => Xnor(3, 3);

    /// <summary>The 2x2 product over the row-major layout (what an AVX2 build plans), coding included as in Xnor_2x2.</summary>
    [Benchmark]
    public void XnorRows_2x2() => XnorRows(2, 2);

    [Benchmark]
    public void XnorRows_3x3() => XnorRows(3, 3);

    /// <summary>The online alternating coding and packing of the 2x2 kernel alone: its share of Xnor_2x2.</summary>
    [Benchmark]
    public void Xnor_2x2_CodingOnly()
    {
        int cols = _w.Cols;
        int words = QuantGen.Runtime.Xnor.RowWords(cols);
        Span<float> betas = stackalloc float[2];
        Span<float> s = _w.Scratch;
        for (int b = 0; b < Batch; b++)
        {
            Span<byte> codes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(s.Slice(2 * cols, words * 16));
            QuantGen.Runtime.Xnor.Encode(_w.Inputs[b], 2, 2, betas, s.Slice(cols, cols), s.Slice(0, cols), codes);
            QuantGen.Runtime.Xnor.PackPlanes(codes, 2, words, System.Runtime.InteropServices.MemoryMarshal.Cast<float, ulong>(s.Slice(2 * cols + words * 16, 4 * words)));
        }
    }

    /// <summary>2-bit signed uniform weights times float activations (bit-plane tables).</summary>
    [Benchmark]
    public void Lut_W2_Float()
    {
        for (int b = 0; b < Batch; b++)
        {
            PlaneLut.Dense(_w.Inputs[b], _w.Output, _w.Lut2.Bits, _w.Lut2.Planes, _w.Lut2.PlaneScales, _w.Lut2.SumScales, default, _w.Scratch);
        }
    }

    [Benchmark]
    public void Int8_x_Int8()
    {
        for (int b = 0; b < Batch; b++)
        {
            Int8.Dense(_w.Inputs[b], _w.Output, _w.Int8Codes, 8, -1f, 1f, _w.Int8.Product, _w.Int8.Constant, _w.Int8.PerSum, default, _w.Scratch);
        }
    }

    /// <summary>4-bit weights and a 4-bit input: the codes one per byte (what Avx512 and Portable plans store).</summary>
    [Benchmark]
    public void Int4_x_Int4_Bytes()
    {
        for (int b = 0; b < Batch; b++)
        {
            Int8.Dense(_w.Inputs[b], _w.Output, _w.Int4Codes, 4, -1f, 1f, _w.Int4.Product, _w.Int4.Constant, _w.Int4.PerSum, default, _w.Scratch);
        }
    }

    /// <summary>The same product with the codes two per byte (what Avx2 plans store): half the bytes to read.</summary>
    [Benchmark]
    public void Int4_x_Int4_Nibbles()
    {
        for (int b = 0; b < Batch; b++)
        {
            Int8.DenseNibbles(_w.Inputs[b], _w.Output, _w.Int4Nibbles.Codes, 4, -1f, 1f, _w.Int4Nibbles.Product, _w.Int4Nibbles.Constant, _w.Int4Nibbles.PerSum, default, _w.Scratch);
        }
    }

    /// <summary>The runtime's batched integer kernel: a block of four rows times four inputs per pass, a block of rows
    /// kept in L2 while every group of inputs passes it (at batch 1 the single-input loop of Int8_x_Int8).</summary>
    [Benchmark]
    public void Int8_x_Int8_Many() =>
        Int8.DenseMany(_w.Contiguous.AsSpan(0, Batch * _w.Cols), _w.Outputs.AsSpan(0, Batch * _w.Rows), Batch, _w.Int8Codes, 8, -1f, 1f, _w.Int8.Product, _w.Int8.Constant, _w.Int8.PerSum, default, _w.ManyScratch);

    [Benchmark]
    public ulong Read_Fp32Size()
    {
        ulong s = 0;
        for (int b = 0; b < Batch; b++)
        {
            s += Fp32Gemv.Read(_w.Fp32Bytes);
        }

        return s;
    }

    /// <summary>Reads the integer kernel's own weights (a smaller working set than float32's, so possibly from a
    /// nearer cache level): the bandwidth Int8_x_Int8's fraction is taken of.</summary>
    [Benchmark]
    public ulong Read_Int8Size()
    {
        ulong s = 0;
        for (int b = 0; b < Batch; b++)
        {
            s += Fp32Gemv.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_w.Int8Codes.AsSpan()));
        }

        return s;
    }

    private void XnorRows(int weightBits, int activationBits)
    {
        for (int b = 0; b < Batch; b++)
        {
            QuantGen.Runtime.Xnor.DenseRows(_w.Inputs[b], _w.Output, _w.XnorRowWeights[weightBits], weightBits, _w.XnorRowCoefficients[weightBits], default, activationBits, cycles: 2, _w.Scratch);
        }
    }

    private void Xnor(int weightBits, int activationBits)
    {
        for (int b = 0; b < Batch; b++)
        {
            QuantGen.Runtime.Xnor.Dense(_w.Inputs[b], _w.Output, _w.XnorWeights[weightBits], weightBits, _w.XnorCoefficients[weightBits], default, activationBits, cycles: 2, _w.Scratch);
        }
    }
}
