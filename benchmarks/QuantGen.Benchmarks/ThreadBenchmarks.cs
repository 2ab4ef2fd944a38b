using System;
using BenchmarkDotNet.Attributes;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;

namespace QuantGen.Benchmarks;

/// <summary>
/// The opt-in row split ([QuantModel(Threads = N)], runtime RowSplit) against the same kernel on one thread, in
/// the same run, wall time: float32 and int8 at 4096 x 4096 (64 MB and 16 MB of weights). Run on an otherwise
/// idle machine; the ratio is what counts. dotnet run -c Release --project benchmarks/QuantGen.Benchmarks -- --threads
/// </summary>
public class ThreadBenchmarks
{
    private const int Size = 4096;
    private Workload _w = null!;
    private RowSplit.Rows _float = null!, _int8 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _w = Workload.Of(Size, Size);
        float[] weights = _w.Float;
        sbyte[] codes = _w.Int8Codes;
        int stride = Int8.RowBytes(Size);
        Int8Weights e = _w.Int8;
        _float = (x, y, first, _) => DenseKernels.Float(x, y, weights.AsSpan(first * Size, y.Length * Size), default);
        _int8 = (x, y, first, s) => Int8.Dense(x, y, codes.AsSpan(first * stride), 8, -1f, 1f,
            e.Product.AsSpan(first, y.Length), e.Constant.AsSpan(first, y.Length), e.PerSum.AsSpan(first, y.Length), default, s);
    }

    [Benchmark(Baseline = true)]
    public void Float_OneThread() => DenseKernels.Float(_w.Inputs[0], _w.Output, _w.Float, default);

    [Benchmark]
    public void Float_TwoThreads() => RowSplit.Run(_w.Inputs[0], _w.Output, threads: 2, scratchFloats: 0, _float);

    [Benchmark]
    public void Int8_OneThread() => Int8.Dense(_w.Inputs[0], _w.Output, _w.Int8Codes, 8, -1f, 1f, _w.Int8.Product, _w.Int8.Constant, _w.Int8.PerSum, default, _w.Scratch);

    [Benchmark]
    public void Int8_TwoThreads() => RowSplit.Run(_w.Inputs[0], _w.Output, threads: 2, scratchFloats: Int8.ScratchFloats(Size), _int8);
}
