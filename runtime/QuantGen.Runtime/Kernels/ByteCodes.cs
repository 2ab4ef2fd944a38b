using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Uniform weight codes of up to 8 bits, one signed byte each, times a float input: each step widens a run of
/// codes to float and multiply-adds it with the input, four rows per pass sharing each input load.
/// y[r] = scale[r] * dot(q_r, x) + offset[r] * sum(x) + bias[r], with offset = -scale * zero point (the
/// generator bakes both). A quarter of float32's bytes for the same arithmetic: where the input is not
/// quantized (a model's first layer, a layer fed by float activations) it beats the bit-plane tables once
/// the codes have more than a few bits.
/// </summary>
/// <remarks>
/// Rows are padded to <see cref="KernelGeometry.Int8RowBytes"/> with zero codes, and the input is copied into
/// a zero-padded scratch of the same length, so no path has a tail loop. Paths: Vector512 (vpmovsxbd of 16
/// codes), Vector256 (8 codes, eight rows per pass: <see cref="Dense8x256"/>), Vector128 (16 codes widened in two steps with portable Vector128 calls: SXTL,
/// SCVTF and FMLA on ARM64, pmovsx and cvtdq2ps on x64 without AVX2), scalar.
/// </remarks>
public static class ByteCodes
{
    /// <summary>Floats of scratch <see cref="Dense"/> needs: the input, zero-padded to the row stride.</summary>
    public static int ScratchFloats(int cols) => KernelGeometry.Int8RowBytes(cols);

    /// <summary>
    /// y = scale * (W x) + offset * sum(x) + bias per row, W the signed byte codes (one per weight, rows padded
    /// to the row stride); <paramref name="scratch"/> holds <see cref="ScratchFloats"/> floats. Offsets may be empty
    /// (symmetric codes: all 0), and then sum(x) is not computed; bias may be empty.
    /// </summary>
    public static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> scales, ReadOnlySpan<float> offsets, ReadOnlySpan<float> bias, Span<float> scratch)
    {
        int cols = x.Length;
        int rows = y.Length;
        int stride = KernelGeometry.Int8RowBytes(cols);
        KernelChecks.AtLeast(codes.Length, (long)rows * stride, nameof(codes));
        KernelChecks.AtLeast(scales.Length, rows, nameof(scales));
        if (!offsets.IsEmpty)
        {
            KernelChecks.AtLeast(offsets.Length, rows, nameof(offsets));
        }

        KernelChecks.AtLeast(scratch.Length, stride, nameof(scratch));
        Span<float> input = scratch.Slice(0, stride);
        x.CopyTo(input);
        input.Slice(cols).Clear();
        float sum = offsets.IsEmpty ? 0f : VectorMath.Sum(x);
        Vector128<float> total = Vector128.Create(sum);
        if (!bias.IsEmpty)
        {
            KernelChecks.AtLeast(bias.Length, rows, nameof(bias));
        }

        ref sbyte w = ref MemoryMarshal.GetReference(codes);
        ref float a = ref MemoryMarshal.GetReference(input);
        if (!(Vector512.IsHardwareAccelerated && Avx512F.IsSupported) && Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            Dense8x256(ref w, ref a, stride, rows, y, scales, offsets, bias, sum);
            return;
        }

        for (int r0 = 0; r0 < rows; r0 += 4)
        {
            // The last pass repeats the last row rather than running a second loop.
            int r1 = Math.Min(r0 + 1, rows - 1), r2 = Math.Min(r0 + 2, rows - 1), r3 = Math.Min(r0 + 3, rows - 1);
            ref sbyte w0 = ref Unsafe.Add(ref w, (nint)r0 * stride), w1 = ref Unsafe.Add(ref w, (nint)r1 * stride);
            ref sbyte w2 = ref Unsafe.Add(ref w, (nint)r2 * stride), w3 = ref Unsafe.Add(ref w, (nint)r3 * stride);
            Vector128<float> dots = Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Rows512(ref w0, ref w1, ref w2, ref w3, ref a, stride)
                : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Rows256(ref w0, ref w1, ref w2, ref w3, ref a, stride)
                : Vector128.IsHardwareAccelerated ? Rows128(ref w0, ref w1, ref w2, ref w3, ref a, stride)
                : RowsScalar(ref w0, ref w1, ref w2, ref w3, ref a, stride);
            if (r0 + 4 <= rows)
            {
                // The epilogue of four rows at once, the same float operations per lane as the scalar one below.
                nuint at = (nuint)r0;
                Vector128<float> b = bias.IsEmpty ? Vector128<float>.Zero : Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(bias), at);
                Vector128<float> offset = offsets.IsEmpty ? Vector128<float>.Zero : Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(offsets), at);
                ((Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(scales), at) * dots + offset * total) + b)
                    .StoreUnsafe(ref MemoryMarshal.GetReference(y), at);
                continue;
            }

            for (int k = 0; r0 + k < rows; k++)
            {
                int r = r0 + k;
                y[r] = Output(r, dots.GetElement(k), scales, offsets, sum, bias);
            }
        }
    }

    /// <summary>One row's output from its dot product: the vector epilogues' operations, one lane (the last pass's rows).</summary>
    private static float Output(int r, float dot, ReadOnlySpan<float> scales, ReadOnlySpan<float> offsets, float sum, ReadOnlySpan<float> bias) =>
        (scales[r] * dot + (offsets.IsEmpty ? 0f : offsets[r]) * sum) + (bias.IsEmpty ? 0f : bias[r]);

    /// <summary>
    /// The AVX2 passes: eight rows at a time, one accumulator each, their sums reduced together (six horizontal adds and a
    /// lane swap for eight rows, where four-row passes paid three per four rows and twice the passes' fixed cost). On the
    /// digits MLP's 128 x 64 first layer the passes' fixed cost, not the multiply-adds, set the time.
    /// </summary>
    private static void Dense8x256(ref sbyte w, ref float a, int stride, int rows, Span<float> y, ReadOnlySpan<float> scales, ReadOnlySpan<float> offsets, ReadOnlySpan<float> bias, float sum)
    {
        Vector256<float> total = Vector256.Create(sum);
        for (int r0 = 0; r0 < rows; r0 += 8)
        {
            // The last pass repeats the last row rather than running a second loop.
            int last = rows - 1;
            ref sbyte w0 = ref Unsafe.Add(ref w, (nint)r0 * stride), w1 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 1, last) * stride);
            ref sbyte w2 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 2, last) * stride), w3 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 3, last) * stride);
            ref sbyte w4 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 4, last) * stride), w5 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 5, last) * stride);
            ref sbyte w6 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 6, last) * stride), w7 = ref Unsafe.Add(ref w, (nint)Math.Min(r0 + 7, last) * stride);
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (nuint i = 0; i < (nuint)stride; i += 8)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref a, i);
                s0 = FloatLanes256.MultiplyAdd(Widen256(ref w0, i), x, s0);
                s1 = FloatLanes256.MultiplyAdd(Widen256(ref w1, i), x, s1);
                s2 = FloatLanes256.MultiplyAdd(Widen256(ref w2, i), x, s2);
                s3 = FloatLanes256.MultiplyAdd(Widen256(ref w3, i), x, s3);
                s4 = FloatLanes256.MultiplyAdd(Widen256(ref w4, i), x, s4);
                s5 = FloatLanes256.MultiplyAdd(Widen256(ref w5, i), x, s5);
                s6 = FloatLanes256.MultiplyAdd(Widen256(ref w6, i), x, s6);
                s7 = FloatLanes256.MultiplyAdd(Widen256(ref w7, i), x, s7);
            }

            // Rows 0-3 from the lower and upper halves of g, rows 4-7 of h: one vector of eight dots in row order.
            Vector256<float> g = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
            Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(s4, s5), Avx.HorizontalAdd(s6, s7));
            Vector256<float> dots = Avx.Permute2x128(g, h, 0x20) + Avx.Permute2x128(g, h, 0x31);
            if (r0 + 8 <= rows)
            {
                nuint at = (nuint)r0;
                Vector256<float> b = bias.IsEmpty ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(bias), at);
                Vector256<float> offset = offsets.IsEmpty ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(offsets), at);
                ((Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(scales), at) * dots + offset * total) + b)
                    .StoreUnsafe(ref MemoryMarshal.GetReference(y), at);
                continue;
            }

            for (int k = 0; r0 + k < rows; k++)
            {
                int r = r0 + k;
                y[r] = Output(r, dots.GetElement(k), scales, offsets, sum, bias);
            }
        }
    }

    // Inlined into Dense: a call per block of four rows cost as much as a small layer's products.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Rows512(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref float a, int stride)
    {
        Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 16)
        {
            Vector512<float> x = Vector512.LoadUnsafe(ref a, i);
            s0 = Avx512F.FusedMultiplyAdd(Widen512(ref w0, i), x, s0);
            s1 = Avx512F.FusedMultiplyAdd(Widen512(ref w1, i), x, s1);
            s2 = Avx512F.FusedMultiplyAdd(Widen512(ref w2, i), x, s2);
            s3 = Avx512F.FusedMultiplyAdd(Widen512(ref w3, i), x, s3);
        }

        return Sum4(s0.GetLower() + s0.GetUpper(), s1.GetLower() + s1.GetUpper(), s2.GetLower() + s2.GetUpper(), s3.GetLower() + s3.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(ref sbyte w, nuint at) =>
        Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref w, at)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Rows256(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref float a, int stride)
    {
        // Two accumulators per row (the stride is a multiple of 64, so steps of 16 fit): eight independent chains,
        // so each fused multiply-add does not wait for the one before it.
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 16)
        {
            Vector256<float> x = Vector256.LoadUnsafe(ref a, i), u = Vector256.LoadUnsafe(ref a, i + 8);
            s0 = FloatLanes256.MultiplyAdd(Widen256(ref w0, i), x, s0);
            s1 = FloatLanes256.MultiplyAdd(Widen256(ref w1, i), x, s1);
            s2 = FloatLanes256.MultiplyAdd(Widen256(ref w2, i), x, s2);
            s3 = FloatLanes256.MultiplyAdd(Widen256(ref w3, i), x, s3);
            t0 = FloatLanes256.MultiplyAdd(Widen256(ref w0, i + 8), u, t0);
            t1 = FloatLanes256.MultiplyAdd(Widen256(ref w1, i + 8), u, t1);
            t2 = FloatLanes256.MultiplyAdd(Widen256(ref w2, i + 8), u, t2);
            t3 = FloatLanes256.MultiplyAdd(Widen256(ref w3, i + 8), u, t3);
        }

        return Sum4(s0 + t0, s1 + t1, s2 + t2, s3 + t3);
    }

    /// <summary>Four rows' totals in one vector: three pairwise adds and one add of the halves, not four horizontal sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3)
    {
        Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
        return h.GetLower() + h.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(ref sbyte w, nuint at) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref Unsafe.Add(ref w, at)))).AsSByte()));

    /// <summary>
    /// 16 codes of each row per step, widened to four float vectors; two accumulators per row (eight
    /// independent chains) so the multiply-adds of a step do not wait on each other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Rows128(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref float a, int stride)
    {
        Vector128<float> s0 = Vector128<float>.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        for (nuint i = 0; i < (nuint)stride; i += 16)
        {
            Vector128<float> x0 = Vector128.LoadUnsafe(ref a, i), x1 = Vector128.LoadUnsafe(ref a, i + 4);
            Vector128<float> x2 = Vector128.LoadUnsafe(ref a, i + 8), x3 = Vector128.LoadUnsafe(ref a, i + 12);
            Step128(ref w0, i, x0, x1, x2, x3, ref s0, ref t0);
            Step128(ref w1, i, x0, x1, x2, x3, ref s1, ref t1);
            Step128(ref w2, i, x0, x1, x2, x3, ref s2, ref t2);
            Step128(ref w3, i, x0, x1, x2, x3, ref s3, ref t3);
        }

        s0 += t0;
        s1 += t1;
        s2 += t2;
        s3 += t3;
        return AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(s0, s1), AdvSimd.Arm64.AddPairwise(s2, s3))
            : Sse3.IsSupported ? Sse3.HorizontalAdd(Sse3.HorizontalAdd(s0, s1), Sse3.HorizontalAdd(s2, s3))
            : Vector128.Create(Vector128.Sum(s0), Vector128.Sum(s1), Vector128.Sum(s2), Vector128.Sum(s3));
    }

    /// <summary>One row's 16 codes at <paramref name="at"/>: bytes -> 16 -> 32 bits -> float, multiply-added with the four input vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step128(ref sbyte w, nuint at, Vector128<float> x0, Vector128<float> x1, Vector128<float> x2, Vector128<float> x3, ref Vector128<float> even, ref Vector128<float> odd)
    {
        Vector128<sbyte> codes = Vector128.LoadUnsafe(ref w, at);
        Vector128<short> low = Vector128.WidenLower(codes), high = Vector128.WidenUpper(codes);
        even = FloatLanes128.MultiplyAdd(Vector128.ConvertToSingle(Vector128.WidenLower(low)), x0, even);
        odd = FloatLanes128.MultiplyAdd(Vector128.ConvertToSingle(Vector128.WidenUpper(low)), x1, odd);
        even = FloatLanes128.MultiplyAdd(Vector128.ConvertToSingle(Vector128.WidenLower(high)), x2, even);
        odd = FloatLanes128.MultiplyAdd(Vector128.ConvertToSingle(Vector128.WidenUpper(high)), x3, odd);
    }

    /// <summary>The scalar twin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> RowsScalar(ref sbyte w0, ref sbyte w1, ref sbyte w2, ref sbyte w3, ref float a, int stride)
    {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        for (int i = 0; i < stride; i++)
        {
            float x = Unsafe.Add(ref a, i);
            s0 += Unsafe.Add(ref w0, i) * x;
            s1 += Unsafe.Add(ref w1, i) * x;
            s2 += Unsafe.Add(ref w2, i) * x;
            s3 += Unsafe.Add(ref w3, i) * x;
        }

        return Vector128.Create(s0, s1, s2, s3);
    }
}
