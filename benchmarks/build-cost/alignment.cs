// Does the weight blob's 64-byte alignment (runtime WeightBlob) pay? Run: dotnet run benchmarks/build-cost/alignment.cs
#:property PublishAot=false
#:property AllowUnsafeBlocks=true
#:property Optimize=true
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

// Dot products of one input vector with every row of a float matrix, as the dense kernels do, reading the
// matrix from a 64-byte aligned address and from the same address + 4 bytes (a 4-byte aligned float view).
// Interleaved rounds; the median of each is reported. Sizes: L1-, L2- and memory-resident matrices.
unsafe
{
    Console.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}");
    foreach (int kb in new[] { 16, 512, 16384 })
    {
        int cols = 256, rows = kb * 1024 / 4 / cols;
        byte* raw = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * cols * 4 + 64), 64);
        float* aligned = (float*)raw, misaligned = (float*)(raw + 4);
        var rnd = new Random(1);
        for (int i = 0; i < rows * cols + 1; i++) ((float*)raw)[i] = (float)rnd.NextDouble();
        float[] x = Enumerable.Range(0, cols).Select(i => (float)rnd.NextDouble()).ToArray();
        var output = new float[rows];
        int reps = Math.Max(1, 64 * 1024 * 1024 / (rows * cols * 4));
        var ta = new List<double>(); var tm = new List<double>();
        for (int round = 0; round < 15; round++)
        {
            ta.Add(Time(aligned, x, output, rows, cols, reps));
            tm.Add(Time(misaligned, x, output, rows, cols, reps));
        }
        ta.Sort(); tm.Sort();
        Console.WriteLine($"{kb,6} KB matrix: aligned {ta[7]:F3} ms, misaligned {tm[7]:F3} ms per {reps} passes, misaligned/aligned {tm[7] / ta[7]:F3}");
        NativeMemory.AlignedFree(raw);
    }
}

static unsafe double Time(float* w, float[] x, float[] output, int rows, int cols, int reps)
{
    var sw = Stopwatch.StartNew();
    for (int r = 0; r < reps; r++)
        for (int row = 0; row < rows; row++)
            output[row] = Dot(w + row * cols, x, cols);
    return sw.Elapsed.TotalMilliseconds;
}

static unsafe float Dot(float* w, float[] x, int n)
{
    var acc = Vector512<float>.Zero;
    fixed (float* px = x)
    {
        for (int i = 0; i < n; i += 16)
            acc += Vector512.Load(w + i) * Vector512.Load(px + i);
    }
    return Vector512.Sum(acc);
}
