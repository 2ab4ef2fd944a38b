using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>Small vector helpers the plain kernels share.</summary>
public static class VectorMath
{
    /// <summary>Sum of a[i] * b[i]. Four independent accumulators hide the add latency; the tail is scalar.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        int i = 0;
        float sum = 0f;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> vb = MemoryMarshal.Cast<float, Vector<float>>(b.Slice(0, n));
            Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
            int v = 0;
            for (; v + 4 <= va.Length; v += 4)
            {
                s0 += va[v] * vb[v];
                s1 += va[v + 1] * vb[v + 1];
                s2 += va[v + 2] * vb[v + 2];
                s3 += va[v + 3] * vb[v + 3];
            }

            for (; v < va.Length; v++)
            {
                s0 += va[v] * vb[v];
            }

            sum = Vector.Sum((s0 + s1) + (s2 + s3));
            i = va.Length * Vector<float>.Count;
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>
    /// Sum of the values, in 16 lanes: lane l adds a[l], a[l + 16], ... in order, then the lanes fold as a tree
    /// (l + 8 into l, then l + 4, l + 2, l + 1). Every path makes exactly these additions, so the sum does not
    /// depend on the machine; one chain of dependent adds per 16 values instead of one per value (a 512-value
    /// input took about 0.6 us, more than the product it belonged to).
    /// </summary>
    public static float Sum(ReadOnlySpan<float> a)
    {
        int whole = a.Length & ~15;
        ref float x = ref MemoryMarshal.GetReference(a);
        Span<float> lanes = stackalloc float[16];
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (int i = 0; i < whole; i += 16)
            {
                acc += Vector512.LoadUnsafe(ref x, (nuint)i);
            }

            acc.StoreUnsafe(ref MemoryMarshal.GetReference(lanes));
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> low = Vector256<float>.Zero, high = low;
            for (int i = 0; i < whole; i += 16)
            {
                low += Vector256.LoadUnsafe(ref x, (nuint)i);
                high += Vector256.LoadUnsafe(ref x, (nuint)i + 8);
            }

            low.StoreUnsafe(ref MemoryMarshal.GetReference(lanes));
            high.StoreUnsafe(ref MemoryMarshal.GetReference(lanes), 8);
        }
        else
        {
            lanes.Clear();
            for (int i = 0; i < whole; i += 16)
            {
                for (int l = 0; l < 16; l++)
                {
                    lanes[l] += a[i + l];
                }
            }
        }

        for (int i = whole; i < a.Length; i++)
        {
            lanes[i - whole] += a[i];
        }

        for (int width = 8; width > 0; width >>= 1)
        {
            for (int l = 0; l < width; l++)
            {
                lanes[l] += lanes[l + width];
            }
        }

        return lanes[0];
    }

    /// <summary>y[i] = x[i] where it is finite, 0 where it is NaN or infinite (how every online coder treats
    /// a value it cannot code). x - x is 0 exactly for finite x and NaN otherwise.</summary>
    public static void FiniteOrZero(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            Span<Vector<float>> vy = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(0, x.Length));
            for (int v = 0; v < vx.Length; v++)
            {
                Vector<float> value = vx[v];
                vy[v] = Vector.ConditionalSelect(Vector.Equals(value - value, Vector<float>.Zero), value, Vector<float>.Zero);
            }

            i = vx.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            y[i] = float.IsFinite(x[i]) ? x[i] : 0f;
        }
    }

    /// <summary>The larger of a and b; NaN if either is NaN (as max pooling defines it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : MathF.Max(a, b);

    /// <summary>acc[i] = <see cref="Max(float, float)"/>(acc[i], x[i]).</summary>
    public static void MaxInto(ReadOnlySpan<float> x, Span<float> acc)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            Span<Vector<float>> va = MemoryMarshal.Cast<float, Vector<float>>(acc.Slice(0, x.Length));
            for (int v = 0; v < vx.Length; v++)
            {
                Vector<float> a = va[v], b = vx[v];
                // Lanes where either is NaN (x != x) take NaN, whatever the instruction's own NaN rule.
                Vector<int> nan = ~(Vector.Equals(a, a) & Vector.Equals(b, b));
                va[v] = Vector.ConditionalSelect(nan, new Vector<float>(float.NaN), Vector.Max(a, b));
            }

            i = vx.Length * Vector<float>.Count;
        }

        for (; i < x.Length; i++)
        {
            acc[i] = Max(acc[i], x[i]);
        }
    }

    /// <summary>The lane-wise <see cref="Max(float, float)"/>: NaN where either is NaN, whatever the instruction's own NaN rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b)
    {
        if (Sse.IsSupported)
        {
            // maxps gives its second operand where the two compare equal (so -0 against +0) or either is NaN: max(a, b) and
            // max(b, a) differ only there, and their AND is +0 for -0 against +0 and the value itself for equal values.
            // With one unordered compare for the NaNs that is MathF.Max in five or six instructions, where Vector128.Max
            // (IEEE 754-2019 maximum) and the NaN test took sixteen (the digits CNN's 2 x 2 max pool, 0.65 us a step).
            Vector128<float> max = Sse.Max(a, b) & Sse.Max(b, a);
            return Vector128.ConditionalSelect(Sse.CompareUnordered(a, b), Vector128.Create(float.NaN), max);
        }

        Vector128<float> nan = ~(Vector128.Equals(a, a) & Vector128.Equals(b, b));
        return Vector128.ConditionalSelect(nan, Vector128.Create(float.NaN), Vector128.Max(a, b));
    }

    /// <summary>
    /// The maxima of neighbouring lanes of a then b: (max(a0, a1), max(a2, a3), max(b0, b1), max(b2, b3)). Even and
    /// odd lanes are gathered by one two-source shuffle each (shufps; uzp1/uzp2 on ARM64).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PairMax4(Vector128<float> a, Vector128<float> b)
    {
        Vector128<float> even, odd;
        if (Sse.IsSupported)
        {
            even = Sse.Shuffle(a, b, 0b10_00_10_00);
            odd = Sse.Shuffle(a, b, 0b11_01_11_01);
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            even = AdvSimd.Arm64.UnzipEven(a, b);
            odd = AdvSimd.Arm64.UnzipOdd(a, b);
        }
        else
        {
            even = Vector128.Create(a.GetElement(0), a.GetElement(2), b.GetElement(0), b.GetElement(2));
            odd = Vector128.Create(a.GetElement(1), a.GetElement(3), b.GetElement(1), b.GetElement(3));
        }

        return Max(even, odd);
    }
}
