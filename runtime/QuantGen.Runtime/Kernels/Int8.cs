using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Signed byte weights times k-bit uniform activations (k = 1..8) in integers: the input is coded to
/// q_a in 0..2^k - 1 (exactly as <see cref="ActivationQuantizers.Uniform"/> codes it), each row's integer
/// dot product with the signed weight codes is exact in 32 bits (|sum| &lt;= 255 * 128 * cols), and the
/// float epilogue y[r] = product[r] * dot + constant[r] + perSum[r] * sum(q_a) + bias[r] carries the
/// scales, zero points and the activation range, all baked by the generator (product = scale * (hi - lo) / (2^k - 1)).
/// The weights may be uniform codes of any width up to 8 bits stored one per signed byte.
/// </summary>
/// <remarks>
/// Weights: signed bytes, row-major, each row zero-padded to <see cref="RowBytes"/> (a multiple of 64), so
/// no path has a tail loop; the input codes are zero-padded the same way.
/// Paths: AVX-VNNI vpdpbusd on 256 bits (one instruction per 32 multiply-adds; .NET 10 exposes no
/// 512-bit VNNI), else widening multiply-add (bytes to 16 bits, vpmaddwd) on Vector512, Vector256 or
/// Vector128, else scalar. Four rows per pass share each activation load.
/// </remarks>
public static class Int8
{
    private const int RowsPerPass = 4;

    /// <summary>Bytes per weight row: the columns rounded up to 64.</summary>
    public static int RowBytes(int cols) => KernelGeometry.Int8RowBytes(cols);

    /// <summary>Floats of scratch <see cref="Dense"/> needs for the input codes.</summary>
    public static int ScratchFloats(int cols) => KernelGeometry.Int8ScratchFloats(cols);

    /// <summary>The paths this kernel has; tests force each one the machine supports.</summary>
    public enum Path
    {
        Best,
        AvxVnni256,
        Widening512,
        Widening256,
        Widening128,
        Scalar,
    }

    /// <summary>
    /// y = W q(x) through the integer dot products and the per-row epilogue, q(x) the <paramref name="activationBits"/>-bit
    /// uniform codes of x over [<paramref name="lo"/>, <paramref name="hi"/>]. <paramref name="weights"/>: rows of
    /// <see cref="RowBytes"/> signed bytes; <paramref name="scratch"/>: at least <see cref="ScratchFloats"/> floats; bias may be empty.
    /// </summary>
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<sbyte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch) =>
        Dense(x, y, weights, activationBits, lo, hi, product, constant, perSum, bias, scratch, Path.Best);

    /// <summary>
    /// TEMPORARY bridge, to be deleted when the emitter passes activationBits (revert this commit): the
    /// generator in this branch still emits the 8-bit form, and without it no generated int8 model (the
    /// differential tests, the digits benchmarks) compiles, so the branch could not be tested or measured.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<sbyte> weights, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch) =>
        Dense(x, y, weights, 8, lo, hi, product, constant, perSum, bias, scratch, Path.Best);

    internal static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<sbyte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
    {
        if ((uint)(activationBits - 1) >= 8)
        {
            throw new ArgumentOutOfRangeException(nameof(activationBits), activationBits, "The integer kernel codes its input to 1..8 bits.");
        }

        int cols = x.Length;
        int rows = y.Length;
        int stride = RowBytes(cols);
        KernelChecks.AtLeast(weights.Length, (long)rows * stride, nameof(weights));
        KernelChecks.AtLeast(scratch.Length, ScratchFloats(cols), nameof(scratch));
        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(0, ScratchFloats(cols)));
        int sum = Code(x, activationBits, lo, hi, codes);
        Span<int> dots = stackalloc int[RowsPerPass];
        ref sbyte w = ref MemoryMarshal.GetReference(weights);
        ref byte a = ref MemoryMarshal.GetReference(codes);
        for (int r0 = 0; r0 < rows; r0 += RowsPerPass)
        {
            // The last pass repeats the last row rather than running a second loop.
            int r1 = Math.Min(r0 + 1, rows - 1), r2 = Math.Min(r0 + 2, rows - 1), r3 = Math.Min(r0 + 3, rows - 1);
            Rows(
                ref Unsafe.Add(ref w, (nint)r0 * stride), ref Unsafe.Add(ref w, (nint)r1 * stride),
                ref Unsafe.Add(ref w, (nint)r2 * stride), ref Unsafe.Add(ref w, (nint)r3 * stride), ref a, stride, dots, path);
            for (int k = 0; k < RowsPerPass && r0 + k < rows; k++)
            {
                int r = r0 + k;
                y[r] = (product[r] * dots[k] + constant[r]) + (perSum[r] * sum + (bias.IsEmpty ? 0f : bias[r]));
            }
        }
    }

    /// <summary>
    /// The uniform <paramref name="bits"/>-bit code of each value: round_half_even((clamp(x, lo, hi) - lo) * ((2^bits - 1) / (hi - lo))),
    /// NaN to 0, the same float operations as <see cref="ActivationQuantizers.Uniform"/>; zero past x. Returns the sum of the codes.
    /// </summary>
    public static int Code(ReadOnlySpan<float> x, int bits, float lo, float hi, Span<byte> codes)
    {
        float n = (1 << bits) - 1;
        float toCode = n / (hi - lo);
        int sum = 0;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vlo = Vector512.Create(lo), vhi = Vector512.Create(hi), vto = Vector512.Create(toCode);
            Vector512<int> total = Vector512<int>.Zero;
            for (; i + 16 <= x.Length; i += 16)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i);
                // Comparisons are false for NaN, so NaN takes lo, as in the scalar quantizer.
                Vector512<float> clamped = Vector512.ConditionalSelect(Vector512.GreaterThan(v, vlo), Vector512.ConditionalSelect(Vector512.LessThan(v, vhi), v, vhi), vlo);
                Vector512<int> q = Vector512.ConvertToInt32(Vector512.Round((clamped - vlo) * vto));
                total += q;
                if (Avx512F.IsSupported)
                {
                    Avx512F.ConvertToVector128Byte(q).StoreUnsafe(ref MemoryMarshal.GetReference(codes), (nuint)i);
                }
                else
                {
                    for (int k = 0; k < 16; k++)
                    {
                        codes[i + k] = (byte)q.GetElement(k);
                    }
                }
            }

            sum = Vector512.Sum(total);
        }

        for (; i < x.Length; i++)
        {
            float v = x[i];
            float clamped = v > lo ? (v < hi ? v : hi) : lo;
            int q = (int)MathF.Round((clamped - lo) * toCode, MidpointRounding.ToEven);
            codes[i] = (byte)q;
            sum += q;
        }

        codes.Slice(x.Length).Clear();
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref byte a, int stride, Span<int> dots, Path path)
    {
        if (path == Path.Best)
        {
            path = AvxVnni.IsSupported && Vector256.IsHardwareAccelerated ? Path.AvxVnni256
                : Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? Path.Widening512
                : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Path.Widening256
                : Vector128.IsHardwareAccelerated && Sse41.IsSupported ? Path.Widening128
                : Path.Scalar;
        }

        switch (path)
        {
            case Path.AvxVnni256: Vnni256(ref w0, ref w1, ref w2, ref w3, ref a, stride, dots); break;
            case Path.Widening512: Widening512(ref w0, ref w1, ref w2, ref w3, ref a, stride, dots); break;
            case Path.Widening256: Widening256(ref w0, ref w1, ref w2, ref w3, ref a, stride, dots); break;
            case Path.Widening128: Widening128(ref w0, ref w1, ref w2, ref w3, ref a, stride, dots); break;
            default: Scalar(ref w0, ref w1, ref w2, ref w3, ref a, stride, dots); break;
        }
    }

    /// <summary>Which paths this process can run (for tests).</summary>
    internal static bool Supported(Path path) => path switch
    {
        Path.AvxVnni256 => AvxVnni.IsSupported,
        Path.Widening512 => Avx512BW.IsSupported,
        Path.Widening256 => Avx2.IsSupported,
        Path.Widening128 => Sse41.IsSupported,
        _ => true,
    };

    private static void Vnni256(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref byte a, int stride, Span<int> dots)
    {
        Vector256<int> s0 = Vector256<int>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 32)
        {
            Vector256<byte> x = Vector256.LoadUnsafe(ref a, i);
            s0 = AvxVnni.MultiplyWideningAndAdd(s0, x, Vector256.LoadUnsafe(ref w0, i));
            s1 = AvxVnni.MultiplyWideningAndAdd(s1, x, Vector256.LoadUnsafe(ref w1, i));
            s2 = AvxVnni.MultiplyWideningAndAdd(s2, x, Vector256.LoadUnsafe(ref w2, i));
            s3 = AvxVnni.MultiplyWideningAndAdd(s3, x, Vector256.LoadUnsafe(ref w3, i));
        }

        dots[0] = Vector256.Sum(s0);
        dots[1] = Vector256.Sum(s1);
        dots[2] = Vector256.Sum(s2);
        dots[3] = Vector256.Sum(s3);
    }

    private static void Widening512(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref byte a, int stride, Span<int> dots)
    {
        Vector512<int> s0 = Vector512<int>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 32)
        {
            Vector512<short> x = Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref a, i)).AsInt16();
            s0 += Avx512BW.MultiplyAddAdjacent(x, Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref w0, i)));
            s1 += Avx512BW.MultiplyAddAdjacent(x, Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref w1, i)));
            s2 += Avx512BW.MultiplyAddAdjacent(x, Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref w2, i)));
            s3 += Avx512BW.MultiplyAddAdjacent(x, Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref w3, i)));
        }

        dots[0] = Vector512.Sum(s0);
        dots[1] = Vector512.Sum(s1);
        dots[2] = Vector512.Sum(s2);
        dots[3] = Vector512.Sum(s3);
    }

    private static void Widening256(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref byte a, int stride, Span<int> dots)
    {
        Vector256<int> s0 = Vector256<int>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 16)
        {
            Vector256<short> x = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref a, i)).AsInt16();
            s0 += Avx2.MultiplyAddAdjacent(x, Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref w0, i)));
            s1 += Avx2.MultiplyAddAdjacent(x, Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref w1, i)));
            s2 += Avx2.MultiplyAddAdjacent(x, Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref w2, i)));
            s3 += Avx2.MultiplyAddAdjacent(x, Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref w3, i)));
        }

        dots[0] = Vector256.Sum(s0);
        dots[1] = Vector256.Sum(s1);
        dots[2] = Vector256.Sum(s2);
        dots[3] = Vector256.Sum(s3);
    }

    private static void Widening128(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref byte a, int stride, Span<int> dots)
    {
        Vector128<int> s0 = Vector128<int>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 8)
        {
            Vector128<short> x = Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref a, i)).AsInt16();
            s0 += Sse2.MultiplyAddAdjacent(x, Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref w0, i)));
            s1 += Sse2.MultiplyAddAdjacent(x, Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref w1, i)));
            s2 += Sse2.MultiplyAddAdjacent(x, Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref w2, i)));
            s3 += Sse2.MultiplyAddAdjacent(x, Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref w3, i)));
        }

        dots[0] = Vector128.Sum(s0);
        dots[1] = Vector128.Sum(s1);
        dots[2] = Vector128.Sum(s2);
        dots[3] = Vector128.Sum(s3);
    }

    /// <summary>The scalar twin.</summary>
    private static void Scalar(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref byte a, int stride, Span<int> dots)
    {
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int i = 0; i < stride; i++)
        {
            int x = Unsafe.Add(ref a, i);
            s0 += x * Unsafe.Add(ref w0, i);
            s1 += x * Unsafe.Add(ref w1, i);
            s2 += x * Unsafe.Add(ref w2, i);
            s3 += x * Unsafe.Add(ref w3, i);
        }

        dots[0] = s0;
        dots[1] = s1;
        dots[2] = s2;
        dots[3] = s3;
    }
}
