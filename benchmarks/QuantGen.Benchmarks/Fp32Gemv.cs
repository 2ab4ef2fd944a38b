using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Benchmarks;

/// <summary>The float32 baselines: the best matrix-vector products we can write in C#.</summary>
public static class Fp32Gemv
{
    /// <summary>One TensorPrimitives.Dot per row (vectorised by the library, Vector512 here).</summary>
    public static void TensorPrimitivesDot(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int cols = x.Length;
        for (int r = 0; r < y.Length; r++)
        {
            y[r] = TensorPrimitives.Dot(w.Slice(r * cols, cols), x);
        }
    }

    /// <summary>
    /// Four rows per pass with two Vector512 FMA chains each (eight accumulators hide the FMA latency),
    /// one input load shared by four rows; the column tail through a masked last vector of the same loop.
    /// </summary>
    public static void Vector512x4(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y)
    {
        int cols = x.Length;
        int rows = y.Length;
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int full = cols / 16 * 16;
        int tail = cols - full;
        // The last partial vector is read from its end (overlapping) and its repeated lanes masked off.
        Vector512<float> mask = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(16 - tail)).AsSingle();
        for (int r = 0; r + 4 <= rows; r += 4)
        {
            nuint b0 = (nuint)(r * cols), b1 = b0 + (nuint)cols, b2 = b1 + (nuint)cols, b3 = b2 + (nuint)cols;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            int c = 0;
            for (; c + 32 <= full; c += 32)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref xr, (nuint)c);
                Vector512<float> u = Vector512.LoadUnsafe(ref xr, (nuint)c + 16);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b0 + (nuint)c), v, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b1 + (nuint)c), v, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b2 + (nuint)c), v, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b3 + (nuint)c), v, a3);
                c0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b0 + (nuint)c + 16), u, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b1 + (nuint)c + 16), u, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b2 + (nuint)c + 16), u, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b3 + (nuint)c + 16), u, c3);
            }

            for (; c < full; c += 16)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref xr, (nuint)c);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b0 + (nuint)c), v, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b1 + (nuint)c), v, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b2 + (nuint)c), v, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b3 + (nuint)c), v, a3);
            }

            if (tail > 0)
            {
                nuint at = (nuint)(cols - 16);
                Vector512<float> v = Vector512.LoadUnsafe(ref xr, at) & mask;
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b0 + at), v, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b1 + at), v, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b2 + at), v, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wr, b3 + at), v, a3);
            }

            y[r] = Vector512.Sum(a0 + c0);
            y[r + 1] = Vector512.Sum(a1 + c1);
            y[r + 2] = Vector512.Sum(a2 + c2);
            y[r + 3] = Vector512.Sum(a3 + c3);
        }

        for (int r = rows / 4 * 4; r < rows; r++)
        {
            y[r] = TensorPrimitives.Dot(w.Slice(r * cols, cols), x);
        }
    }

    /// <summary>Reads every byte once (a sum of 64-bit lanes, four chains): the read bandwidth for a buffer of this size.</summary>
    public static ulong Read(ReadOnlySpan<byte> data)
    {
        ref byte d = ref MemoryMarshal.GetReference(data);
        Vector512<ulong> s0 = default, s1 = default, s2 = default, s3 = default;
        nuint n = (nuint)data.Length / 256 * 256;
        for (nuint i = 0; i < n; i += 256)
        {
            s0 += Vector512.LoadUnsafe(ref d, i).AsUInt64();
            s1 += Vector512.LoadUnsafe(ref d, i + 64).AsUInt64();
            s2 += Vector512.LoadUnsafe(ref d, i + 128).AsUInt64();
            s3 += Vector512.LoadUnsafe(ref d, i + 192).AsUInt64();
        }

        return Vector512.Sum((s0 + s1) + (s2 + s3));
    }
}
