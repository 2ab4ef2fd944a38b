using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Signed byte weights times k-bit uniform activations (k = 1..8) in integers: the input is coded to
/// q_a in 0..2^k - 1 (exactly as <see cref="ActivationQuantizers.Uniform"/> codes it), each row's integer
/// dot product with the signed weight codes is exact in 32 bits (|sum| &lt;= 255 * 128 * cols), and the
/// float epilogue y[r] = product[r] * dot + constant[r] + perSum[r] * sum(q_a) + bias[r] carries the
/// scales, zero points and the activation range, all baked by the generator (product = scale * (hi - lo) / (2^k - 1)).
/// The weights may be uniform codes of any width up to 8 bits stored one per signed byte, or codes of up to 4 bits two
/// per byte (<see cref="DenseNibbles(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{byte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>).
/// </summary>
/// <remarks>
/// Weights: signed bytes, each row zero-padded to <see cref="RowBytes"/> (a multiple of 64), so no path has a
/// tail loop, in blocks of four rows stored interleaved in runs of 32 bytes (<see cref="KernelGeometry.Int8Index"/>;
/// rows past the last are zero): a pass reads its four rows as one sequential stream. The input codes are
/// zero-padded like a row.
/// Paths: AVX-VNNI vpdpbusd on 256 bits (one instruction per 32 multiply-adds; .NET 10 exposes no
/// 512-bit VNNI), else widening multiply-add (bytes to 16 bits, vpmaddwd) on Vector512, else on AVX2 byte
/// multiply-adds (vpmaddubsw, then vpmaddwd: two instructions per 32, for codes below 128) or for 8-bit codes widening
/// on Vector256, else widening on Vector128, else scalar. On ARM64: the dot-product extension (SDOT/UDOT, 16 multiply-adds per
/// instruction) where present, else the Vector128 widening path on AdvSimd (SXTL, SMLAL/SMLAL2).
/// Four rows per pass share each activation load. The pass is one loop
/// (<see cref="Rows{L, V, X, R}"/>) over a struct per path that says how a step loads and multiplies.
/// </remarks>
public static partial class Int8
{
    private const int RowsPerPass = KernelGeometry.Int8BlockRows;

    /// <summary>
    /// Rows of at most this many bytes take two blocks per pass (<see cref="Rows8{L, V, X, R}"/>): on short rows a pass's
    /// fixed cost is a large share (AVX2, 8-bit input: 64 x 128 274 -> 241 ns, 1024 x 64 2.65 -> 2.18 us, also with the
    /// weights in L3). Longer rows read the two blocks as two streams a block apart, which from L3 was far slower
    /// (1024 x 256 among 1 MB of weights: 6.6 -> 11.0 us), so they keep one block per pass.
    /// </summary>
    private const int PairedBlocksMaxStride = 128;

    /// <summary>Bytes per weight row: the columns rounded up to 64.</summary>
    public static int RowBytes(int cols) => KernelGeometry.Int8RowBytes(cols);

    /// <summary>Bytes of the weights of a <paramref name="rows"/> x <paramref name="cols"/> product: whole blocks of four padded rows.</summary>
    public static long WeightBytes(int rows, int cols) => KernelGeometry.Int8WeightBytes(rows, cols);

    /// <summary>Floats of scratch <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> needs for the input codes.</summary>
    public static int ScratchFloats(int cols) => KernelGeometry.Int8ScratchFloats(cols);

    /// <summary>The paths this kernel has; tests force each one the machine supports.</summary>
    public enum Path
    {
        /// <summary>The fastest path the machine supports (what generated code uses).</summary>
        Best,

        /// <summary>AVX-VNNI dot products of bytes on 256-bit vectors.</summary>
        AvxVnni256,

        /// <summary>Bytes widened to 16 bits and multiply-added on 512-bit vectors.</summary>
        Widening512,

        /// <summary>Bytes widened to 16 bits and multiply-added on 256-bit vectors.</summary>
        Widening256,

        /// <summary>AVX2 vpmaddubsw (codes times weights, pairs into 16 bits) and vpmaddwd (pairs into 32 bits): exact for
        /// codes of up to 7 bits (a pair sums to at most 127 * 128 * 2); 8-bit codes take <see cref="Widening256"/>.</summary>
        Bytes256,

        /// <summary>Bytes widened to 16 bits and multiply-added on 128-bit vectors.</summary>
        Widening128,

        /// <summary>ARM64 SDOT (codes of up to 7 bits, which fit a signed byte) or UDOT (8-bit codes, see <see cref="UnsignedDot128"/>).</summary>
        Dot128,

        /// <summary>The scalar twin every other path is tested against.</summary>
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

    internal static void Dense(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<sbyte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
    {
        CheckBits(activationBits);
        KernelChecks.AtLeast(weights.Length, KernelGeometry.Int8WeightBytes(y.Length, x.Length), nameof(weights));
        One<ByteRuns>(x, y, ref MemoryMarshal.GetReference(weights), RowBytes(x.Length), activationBits, lo, hi, product, constant, perSum, bias, scratch, path);
    }

    /// <summary>One input over either layout, the weights' length checked; <paramref name="stride"/>: bytes per row.</summary>
    private static void One<R>(
        ReadOnlySpan<float> x, Span<float> y, ref sbyte w, int stride, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
        where R : struct, IRuns
    {
        KernelChecks.AtLeast(scratch.Length, ScratchFloats(x.Length), nameof(scratch));
        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(0, ScratchFloats(x.Length)));
        int sum = Code(x, activationBits, lo, hi, codes);
        CheckEpilogue(y.Length, product, constant, perSum, bias);
        Blocks<R>(ref w, ref MemoryMarshal.GetReference(codes), stride, sum, y, product, constant, perSum, bias, path, activationBits);
    }

    private static void CheckBits(int activationBits)
    {
        if ((uint)(activationBits - 1) >= 8)
        {
            throw new ArgumentOutOfRangeException(nameof(activationBits), activationBits, "The integer kernel codes its input to 1..8 bits.");
        }
    }

    /// <summary>The epilogue's per-row tensors cover the rows (bias may be empty).</summary>
    private static void CheckEpilogue(int rows, ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
    {
        KernelChecks.AtLeast(product.Length, rows, nameof(product));
        KernelChecks.AtLeast(constant.Length, rows, nameof(constant));
        KernelChecks.AtLeast(perSum.Length, rows, nameof(perSum));
        if (!bias.IsEmpty)
        {
            KernelChecks.AtLeast(bias.Length, rows, nameof(bias));
        }
    }

    /// <summary>Every block of rows times one coded input, the path chosen once (not per block: on rows of 64 bytes a
    /// call and a dispatch per block of four rows cost as much as its products).</summary>
    private static void Blocks<R>(
        ref sbyte w, ref byte a, int stride, int sum, Span<float> y,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Path path, int activationBits)
        where R : struct, IRuns
    {
        switch (path == Path.Best ? (typeof(R) == typeof(NibbleRuns) ? BestNibblePath(activationBits) : BestPath) : path)
        {
            // Codes below 128 are signed bytes as they are; 8-bit codes take UDOT against the weights + 128,
            // which counts 128 * (sum of the codes) too many (exact in wrapping 32-bit arithmetic).
            case Path.Dot128 when activationBits <= 7: Blocks<SignedDot128, Vector128<int>, Vector128<sbyte>, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
            case Path.Dot128: Blocks<UnsignedDot128, Vector128<int>, Vector128<byte>, R>(ref w, ref a, stride, sum, sum << 7, y, product, constant, perSum, bias); break;
            case Path.AvxVnni256: Blocks<Vnni256, Vector256<int>, Vector256<byte>, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
            case Path.Widening512: Blocks<Widening512, Vector512<int>, Vector512<short>, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
            case Path.Bytes256 when typeof(R) == typeof(NibbleRuns) && activationBits <= 4: NibblesShort256(ref w, ref a, stride, NibbleShortRuns(activationBits), y, sum, product, constant, perSum, bias); break;
            case Path.Bytes256 when ShortSteps(activationBits) > 1: BlocksShort256<R>(ref w, ref a, stride, sum, ShortSteps(activationBits), y, product, constant, perSum, bias); break;
            case Path.Bytes256 when activationBits <= 7: Blocks<Bytes256, Vector256<int>, Vector256<byte>, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
            case Path.Widening256 or Path.Bytes256: Blocks<Widening256, Vector256<int>, Vector256<short>, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
            case Path.Widening128: Blocks<Widening128, Vector128<int>, Vector128<short>, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
            default: Blocks<Scalar, int, int, R>(ref w, ref a, stride, sum, 0, y, product, constant, perSum, bias); break;
        }
    }

    /// <summary>The loop of <see cref="Blocks{R}(ref sbyte, ref byte, int, int, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Path, int)"/>
    /// for one path: two blocks per pass on short rows (<see cref="PairedBlocksMaxStride"/>), else one; <paramref name="excess"/>
    /// comes off every dot product (UDOT's 128 * sum of the codes, else 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blocks<L, V, X, R>(
        ref sbyte w, ref byte a, int stride, int sum, int excess, Span<float> y,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        if (stride <= PairedBlocksMaxStride)
        {
            PairedBlocks<L, V, X, R>(ref w, ref a, stride, sum, excess, y, product, constant, perSum, bias);
        }
        else
        {
            OneBlockPasses<L, V, X, R>(ref w, ref a, stride, sum, excess, y, product, constant, perSum, bias);
        }
    }

    /// <summary>One block of rows per pass.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OneBlockPasses<L, V, X, R>(
        ref sbyte w, ref byte a, int stride, int sum, int excess, Span<float> y,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        // Converted once, before the loop: converted in the epilogue, the JIT kept the conversion in the loop and spilled
        // the spans' pointers around it (AVX2, 8-bit input, 1024 x 64: 2.48 against 2.18 us).
        float codeSum = sum;
        Vector128<int> excessSums = Vector128.Create(excess);
        for (int r0 = 0; r0 < y.Length; r0 += RowsPerPass)
        {
            Vector128<int> dots = R.Finish(Rows<L, V, X, R>(ref Unsafe.Add(ref w, (nint)r0 * stride), ref a, stride) - excessSums);
            Epilogue(dots, r0, codeSum, y, product, constant, perSum, bias);
        }
    }

    /// <summary>
    /// Chunks of 32 columns whose vpmaddubsw pair sums can be added in 16 bits before they overflow: a pair is at most
    /// 2 x (2^bits - 1) x 128 in magnitude (weights -128..127), so 8 chunks at 4 bits, 2 at 6, 1 (no gain) at 7.
    /// </summary>
    private static int ShortSteps(int activationBits) => short.MaxValue / (2 * ((1 << activationBits) - 1) * 128);

    /// <summary>
    /// <see cref="Path.Bytes256"/> for codes of up to 6 bits: the pair sums of up to <paramref name="steps"/> chunks are
    /// added in 16-bit lanes (exact: see <see cref="ShortSteps"/>) and widened once (vpmaddwd by 1) per
    /// <paramref name="steps"/> chunks, two instructions per 32 multiply-adds instead of three.
    /// </summary>
    private static void BlocksShort256<R>(
        ref sbyte w, ref byte a, int stride, int sum, int steps, Span<float> y,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
        where R : struct, IRuns
    {
        const int Chunk = KernelGeometry.Int8Chunk;
        Vector256<short> one = Vector256.Create((short)1);
        nuint chunks = (nuint)(R.Columns(stride) / Chunk);
        for (int r0 = 0; r0 < y.Length; r0 += RowsPerPass)
        {
            ref sbyte block = ref Unsafe.Add(ref w, (nint)r0 * stride);
            Vector256<int> s0 = Vector256<int>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (nuint c0 = 0; c0 < chunks; c0 += (nuint)steps)
            {
                nuint end = Math.Min(chunks, c0 + (nuint)steps);
                Vector256<short> h0 = Vector256<short>.Zero, h1 = h0, h2 = h0, h3 = h0;
                for (nuint c = c0; c < end; c++)
                {
                    Vector256<byte> x = Vector256.LoadUnsafe(ref a, c * Chunk);
                    ref sbyte run = ref Unsafe.Add(ref block, R.Run(c * Chunk));
                    int half = R.Half(c * Chunk);
                    h0 += Avx2.MultiplyAddAdjacent(x, R.Weights<Bytes256, Vector256<int>, Vector256<byte>>(ref run, 0, half).AsSByte());
                    h1 += Avx2.MultiplyAddAdjacent(x, R.Weights<Bytes256, Vector256<int>, Vector256<byte>>(ref Unsafe.Add(ref run, Chunk), 0, half).AsSByte());
                    h2 += Avx2.MultiplyAddAdjacent(x, R.Weights<Bytes256, Vector256<int>, Vector256<byte>>(ref Unsafe.Add(ref run, 2 * Chunk), 0, half).AsSByte());
                    h3 += Avx2.MultiplyAddAdjacent(x, R.Weights<Bytes256, Vector256<int>, Vector256<byte>>(ref Unsafe.Add(ref run, 3 * Chunk), 0, half).AsSByte());
                }

                s0 += Avx2.MultiplyAddAdjacent(h0, one);
                s1 += Avx2.MultiplyAddAdjacent(h1, one);
                s2 += Avx2.MultiplyAddAdjacent(h2, one);
                s3 += Avx2.MultiplyAddAdjacent(h3, one);
            }

            Epilogue(R.Finish(Sum4Avx2(s0, s1, s2, s3)), r0, sum, y, product, constant, perSum, bias);
        }
    }

    /// <summary>y for the block of rows from <paramref name="r0"/>: product * dot + constant + perSum * sum(codes) + bias.
    /// A block's rows past the last (zero in the layout) are dropped. Every kernel of this class ends with it, so a
    /// batch gives each input exactly what <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> gives it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Epilogue(Vector128<int> dots, int r0, float sum, Span<float> y, ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
    {
        int rows = y.Length;
        if (r0 + RowsPerPass <= rows)
        {
            // The epilogue of four rows at once, the same float operations per lane as the scalar one below.
            nuint at = (nuint)r0;
            Vector128<float> b = bias.IsEmpty ? Vector128<float>.Zero : Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(bias), at);
            Vector128<float> result = (Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(product), at) * Vector128.ConvertToSingle(dots) + Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(constant), at))
                + (Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(perSum), at) * Vector128.Create(sum) + b);
            result.StoreUnsafe(ref MemoryMarshal.GetReference(y), at);
            return;
        }

        for (int k = 0; r0 + k < rows; k++)
        {
            int r = r0 + k;
            y[r] = (product[r] * dots.GetElement(k) + constant[r]) + (perSum[r] * sum + (bias.IsEmpty ? 0f : bias[r]));
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
                Vector512<int> q = Code512(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i), vlo, vhi, vto);
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
        else if (Vector128.IsHardwareAccelerated)
        {
            if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
            {
                i = Code256(x, lo, hi, toCode, codes, ref sum);
            }

            // Sixteen values per step, as above (after the AVX2 steps of 32, the rest); the codes narrowed 32 -> 16 -> 8 bits (XTN on ARM64).
            Vector128<float> vlo = Vector128.Create(lo), vhi = Vector128.Create(hi), vto = Vector128.Create(toCode);
            Vector128<int> total = Vector128<int>.Zero;
            ref float xr = ref MemoryMarshal.GetReference(x);
            for (; i + 16 <= x.Length; i += 16)
            {
                Vector128<int> q0 = Code128(Vector128.LoadUnsafe(ref xr, (nuint)i), vlo, vhi, vto);
                Vector128<int> q1 = Code128(Vector128.LoadUnsafe(ref xr, (nuint)i + 4), vlo, vhi, vto);
                Vector128<int> q2 = Code128(Vector128.LoadUnsafe(ref xr, (nuint)i + 8), vlo, vhi, vto);
                Vector128<int> q3 = Code128(Vector128.LoadUnsafe(ref xr, (nuint)i + 12), vlo, vhi, vto);
                total += (q0 + q1) + (q2 + q3);
                Vector128.Narrow(Vector128.Narrow(q0.AsUInt32(), q1.AsUInt32()), Vector128.Narrow(q2.AsUInt32(), q3.AsUInt32()))
                    .StoreUnsafe(ref MemoryMarshal.GetReference(codes), (nuint)i);
            }

            sum += Vector128.Sum(total);
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

    /// <summary>
    /// AVX2: 32 values per step. max(v, lo) takes lo for NaN (maxps returns its second operand when either is NaN) and
    /// min(., hi) clamps, as the scalar comparisons do; the clamped code lies in 0..2^bits - 1, where cvtps2dq under the
    /// default rounding (to nearest, ties to even) is exactly Round followed by the conversion. The two packs work within
    /// 128-bit halves, so one vpermd puts the bytes back in order. Returns how many values it coded; adds their codes to sum.
    /// </summary>
    private static int Code256(ReadOnlySpan<float> x, float lo, float hi, float toCode, Span<byte> codes, ref int sum)
    {
        Vector256<float> vlo = Vector256.Create(lo), vhi = Vector256.Create(hi), vto = Vector256.Create(toCode);
        Vector256<int> total = Vector256<int>.Zero;
        Vector256<int> order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int i = 0;
        for (; i + 32 <= x.Length; i += 32)
        {
            Vector256<int> q0 = Code256(Vector256.LoadUnsafe(ref xr, (nuint)i), vlo, vhi, vto);
            Vector256<int> q1 = Code256(Vector256.LoadUnsafe(ref xr, (nuint)i + 8), vlo, vhi, vto);
            Vector256<int> q2 = Code256(Vector256.LoadUnsafe(ref xr, (nuint)i + 16), vlo, vhi, vto);
            Vector256<int> q3 = Code256(Vector256.LoadUnsafe(ref xr, (nuint)i + 24), vlo, vhi, vto);
            total += (q0 + q1) + (q2 + q3);
            Vector256<byte> packed = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(q0, q1), Avx2.PackSignedSaturate(q2, q3));
            Avx2.PermuteVar8x32(packed.AsInt32(), order).AsByte().StoreUnsafe(ref MemoryMarshal.GetReference(codes), (nuint)i);
        }

        sum += Vector256.Sum(total);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Code256(Vector256<float> v, Vector256<float> lo, Vector256<float> hi, Vector256<float> toCode) =>
        Avx.ConvertToVector256Int32((Avx.Min(Avx.Max(v, lo), hi) - lo) * toCode);

    /// <summary>The codes of 16 values (NaN takes lo: comparisons are false for NaN, as in the scalar quantizer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<int> Code512(Vector512<float> v, Vector512<float> lo, Vector512<float> hi, Vector512<float> toCode)
    {
        Vector512<float> clamped = Vector512.ConditionalSelect(Vector512.GreaterThan(v, lo), Vector512.ConditionalSelect(Vector512.LessThan(v, hi), v, hi), lo);
        return Vector512.ConvertToInt32(Vector512.Round((clamped - lo) * toCode));
    }

    /// <summary>The codes of four values: the Vector512 step's operations on 128 bits (NaN takes lo).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Code128(Vector128<float> v, Vector128<float> lo, Vector128<float> hi, Vector128<float> toCode)
    {
        Vector128<float> clamped = Vector128.ConditionalSelect(Vector128.GreaterThan(v, lo), Vector128.ConditionalSelect(Vector128.LessThan(v, hi), v, hi), lo);
        return Vector128.ConvertToInt32(Vector128.Round((clamped - lo) * toCode));
    }

    /// <summary>The path <see cref="Path.Best"/> stands for on this machine (a JIT-time constant).</summary>
    private static Path BestPath =>
        AvxVnni.IsSupported && Vector256.IsHardwareAccelerated ? Path.AvxVnni256
        : Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? Path.Widening512
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? Path.Bytes256
        : Vector128.IsHardwareAccelerated && Dp.IsSupported ? Path.Dot128
        : Vector128.IsHardwareAccelerated && (Sse41.IsSupported || AdvSimd.IsSupported) ? Path.Widening128
        : Path.Scalar;

    /// <summary>
    /// The four dot products of a block, written once for every path: each step loads (and widens) one piece
    /// of the input codes and multiply-adds it into each row's accumulator. A chunk of 32 columns holds the
    /// four rows' runs one after another; every path's step divides it, and the stride (a multiple of 64
    /// bytes) is a whole number of chunks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Rows<L, V, X, R>(ref sbyte block, ref byte a, int stride)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        const int Chunk = KernelGeometry.Int8Chunk;
        V s0 = L.Zero, s1 = s0, s2 = s0, s3 = s0;
        nuint columns = (nuint)R.Columns(stride);
        // One chunk of 32 columns per iteration (a run of the byte layout, half a run of the nibble layout): a loop over
        // a run's halves inside this one cost the byte layout 3-6 % (measured) though its trip count is one.
        for (nuint c = 0; c < columns; c += Chunk)
        {
            ref sbyte run = ref Unsafe.Add(ref block, R.Run(c));
            int half = R.Half(c);
            for (nuint i = 0; i < Chunk; i += (nuint)L.Step)
            {
                X x = L.Input(ref a, c + i);
                s0 = L.MultiplyAdd(s0, x, R.Weights<L, V, X>(ref run, i, half));
                s1 = L.MultiplyAdd(s1, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run, Chunk), i, half));
                s2 = L.MultiplyAdd(s2, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run, 2 * Chunk), i, half));
                s3 = L.MultiplyAdd(s3, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run, 3 * Chunk), i, half));
            }
        }

        return L.Sum4(s0, s1, s2, s3);
    }

    /// <summary>
    /// Two blocks of rows per pass, then what is left one block at a time. Its own method, not a first loop beside
    /// <see cref="OneBlockPasses"/>: there it cost that loop's code about 5 % on 1024 x 256 (spills around the chunk loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PairedBlocks<L, V, X, R>(
        ref sbyte w, ref byte a, int stride, int sum, int excess, Span<float> y,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        float codeSum = sum;
        Vector128<int> excessSums = Vector128.Create(excess);
        int r0 = 0;
        for (; r0 + 2 * RowsPerPass <= y.Length; r0 += 2 * RowsPerPass)
        {
            // Each input step widened once for eight rows, and half the passes' fixed cost.
            Rows8<L, V, X, R>(ref Unsafe.Add(ref w, (nint)r0 * stride), ref a, stride, out Vector128<int> first, out Vector128<int> second);
            Epilogue(R.Finish(first - excessSums), r0, codeSum, y, product, constant, perSum, bias);
            Epilogue(R.Finish(second - excessSums), r0 + RowsPerPass, codeSum, y, product, constant, perSum, bias);
        }

        // The one or two blocks left (the last one partial).
        for (; r0 < y.Length; r0 += RowsPerPass)
        {
            Epilogue(R.Finish(Rows<L, V, X, R>(ref Unsafe.Add(ref w, (nint)r0 * stride), ref a, stride) - excessSums), r0, codeSum, y, product, constant, perSum, bias);
        }
    }

    /// <summary><see cref="Rows{L, V, X, R}"/> for two consecutive blocks (<paramref name="block"/> and the one after it), its
    /// step written out for eight accumulators: a shared step taking them by reference would make them address-exposed
    /// locals, which the JIT keeps in memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows8<L, V, X, R>(ref sbyte block, ref byte a, int stride, out Vector128<int> first, out Vector128<int> second)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        const int Chunk = KernelGeometry.Int8Chunk;
        V s0 = L.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        nuint columns = (nuint)R.Columns(stride);
        ref sbyte next = ref Unsafe.Add(ref block, stride * RowsPerPass);
        for (nuint c = 0; c < columns; c += Chunk)
        {
            ref sbyte run = ref Unsafe.Add(ref block, R.Run(c));
            ref sbyte run2 = ref Unsafe.Add(ref next, R.Run(c));
            int half = R.Half(c);
            for (nuint i = 0; i < Chunk; i += (nuint)L.Step)
            {
                X x = L.Input(ref a, c + i);
                s0 = L.MultiplyAdd(s0, x, R.Weights<L, V, X>(ref run, i, half));
                s1 = L.MultiplyAdd(s1, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run, Chunk), i, half));
                s2 = L.MultiplyAdd(s2, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run, 2 * Chunk), i, half));
                s3 = L.MultiplyAdd(s3, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run, 3 * Chunk), i, half));
                t0 = L.MultiplyAdd(t0, x, R.Weights<L, V, X>(ref run2, i, half));
                t1 = L.MultiplyAdd(t1, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run2, Chunk), i, half));
                t2 = L.MultiplyAdd(t2, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run2, 2 * Chunk), i, half));
                t3 = L.MultiplyAdd(t3, x, R.Weights<L, V, X>(ref Unsafe.Add(ref run2, 3 * Chunk), i, half));
            }
        }

        first = L.Sum4(s0, s1, s2, s3);
        second = L.Sum4(t0, t1, t2, t3);
    }

    /// <summary>Which paths this process can run (for tests).</summary>
    internal static bool Supported(Path path) => path switch
    {
        Path.AvxVnni256 => AvxVnni.IsSupported,
        Path.Widening512 => Avx512BW.IsSupported,
        Path.Widening256 or Path.Bytes256 => Avx2.IsSupported,
        Path.Widening128 => Sse41.IsSupported || AdvSimd.IsSupported,
        Path.Dot128 => Dp.IsSupported,
        _ => true,
    };

    /// <summary>
    /// One path of the integer product: X is a step of input codes as the path multiplies them, V a row's
    /// 32-bit accumulator. The JIT compiles <see cref="Rows{L, V, X, R}"/> once per struct and inlines these.
    /// </summary>
    private interface IProductLanes<V, X>
        where V : struct
        where X : struct
    {
        /// <summary>Bytes of each row per step.</summary>
        static abstract int Step { get; }

        static abstract V Zero { get; }

        static abstract X Input(ref byte a, nuint at);

        /// <summary>A step of weights at <paramref name="at"/>, loaded (and widened) as the path multiplies them; a batch
        /// multiplies each by several inputs.</summary>
        static abstract X Weights(ref sbyte w, nuint at);

        /// <summary>A step of weights from the nibble layout (<see cref="NibbleRuns"/>) at <paramref name="at"/>: each byte shifted
        /// left by <paramref name="shift"/> (4 for the low nibbles, 0 for the high ones) and its low four bits cleared, so the
        /// nibble is at the top of the byte, where as a signed byte it is 16 x the signed 4-bit code; loaded (and widened) as
        /// <see cref="Weights"/> loads a step.</summary>
        static abstract X Nibbles(ref sbyte w, nuint at, int shift);

        /// <summary>acc + the products of x with the weights w, summed in pairs (or fours) into 32-bit lanes.</summary>
        static abstract V MultiplyAdd(V acc, X x, X w);

        /// <summary>The four rows' totals in one vector: a tree of pairwise adds instead of four horizontal sums.</summary>
        static abstract Vector128<int> Sum4(V s0, V s1, V s2, V s3);
    }

    /// <summary>Four 256-bit accumulators to their four totals: three pairwise adds and one add of the halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Sum4Avx2(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3)
    {
        Vector256<int> h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(s0, s1), Avx2.HorizontalAdd(s2, s3));
        return h.GetLower() + h.GetUpper();
    }

    /// <summary>AVX-VNNI vpdpbusd: unsigned input bytes times signed weight bytes, four products into each 32-bit lane.</summary>
    private readonly struct Vnni256 : IProductLanes<Vector256<int>, Vector256<byte>>
    {
        public static int Step => 32;

        public static Vector256<int> Zero => Vector256<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Input(ref byte a, nuint at) => Vector256.LoadUnsafe(ref a, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Weights(ref sbyte w, nuint at) => Vector256.LoadUnsafe(ref w, at).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Nibbles(ref sbyte w, nuint at, int shift) => Nibbles256(Vector256.LoadUnsafe(ref w, at).AsByte(), shift);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> MultiplyAdd(Vector256<int> acc, Vector256<byte> x, Vector256<byte> w) =>
            AvxVnni.MultiplyWideningAndAdd(acc, x, w.AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3) => Sum4Avx2(s0, s1, s2, s3);
    }

    /// <summary>Bytes widened to 16 bits, vpmaddwd on 512 bits.</summary>
    private readonly struct Widening512 : IProductLanes<Vector512<int>, Vector512<short>>
    {
        public static int Step => 32;

        public static Vector512<int> Zero => Vector512<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Input(ref byte a, nuint at) => Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref a, at)).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Weights(ref sbyte w, nuint at) => Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref w, at));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<short> Nibbles(ref sbyte w, nuint at, int shift) => Avx512BW.ConvertToVector512Int16(Nibbles256(Vector256.LoadUnsafe(ref w, at).AsByte(), shift).AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> MultiplyAdd(Vector512<int> acc, Vector512<short> x, Vector512<short> w) =>
            acc + Avx512BW.MultiplyAddAdjacent(x, w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector512<int> s0, Vector512<int> s1, Vector512<int> s2, Vector512<int> s3) =>
            Sum4Avx2(s0.GetLower() + s0.GetUpper(), s1.GetLower() + s1.GetUpper(), s2.GetLower() + s2.GetUpper(), s3.GetLower() + s3.GetUpper());
    }

    /// <summary>Bytes widened to 16 bits, vpmaddwd on 256 bits.</summary>
    /// <summary>AVX2 without VNNI, codes below 128: vpdpbusd's work in two instructions (see <see cref="Path.Bytes256"/>).</summary>
    private readonly struct Bytes256 : IProductLanes<Vector256<int>, Vector256<byte>>
    {
        public static int Step => 32;

        public static Vector256<int> Zero => Vector256<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Input(ref byte a, nuint at) => Vector256.LoadUnsafe(ref a, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Weights(ref sbyte w, nuint at) => Vector256.LoadUnsafe(ref w, at).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<byte> Nibbles(ref sbyte w, nuint at, int shift) => Nibbles256(Vector256.LoadUnsafe(ref w, at).AsByte(), shift);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> MultiplyAdd(Vector256<int> acc, Vector256<byte> x, Vector256<byte> w) =>
            acc + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x, w.AsSByte()), Vector256.Create((short)1));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3) => Sum4Avx2(s0, s1, s2, s3);
    }

    private readonly struct Widening256 : IProductLanes<Vector256<int>, Vector256<short>>
    {
        public static int Step => 16;

        public static Vector256<int> Zero => Vector256<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Input(ref byte a, nuint at) => Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref a, at)).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Weights(ref sbyte w, nuint at) => Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref w, at));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<short> Nibbles(ref sbyte w, nuint at, int shift) => Avx2.ConvertToVector256Int16(Nibbles128(Vector128.LoadUnsafe(ref w, at).AsByte(), shift).AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> MultiplyAdd(Vector256<int> acc, Vector256<short> x, Vector256<short> w) =>
            acc + Avx2.MultiplyAddAdjacent(x, w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector256<int> s0, Vector256<int> s1, Vector256<int> s2, Vector256<int> s3) => Sum4Avx2(s0, s1, s2, s3);
    }

    /// <summary>
    /// Bytes widened to 16 bits, pmaddwd on 128 bits; on ARM64 (no pmaddwd) the weights are widened (SXTL) and
    /// multiplied into 32-bit lanes with SMLAL/SMLAL2, the same sums in other lanes.
    /// </summary>
    private readonly struct Widening128 : IProductLanes<Vector128<int>, Vector128<short>>
    {
        public static int Step => 8;

        public static Vector128<int> Zero => Vector128<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Input(ref byte a, nuint at) =>
            AdvSimd.IsSupported
                ? AdvSimd.ZeroExtendWideningLower(Vector64.LoadUnsafe(ref a, at)).AsInt16()
                : Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref a, at)).AsInt16();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Weights(ref sbyte w, nuint at) =>
            AdvSimd.IsSupported
                ? AdvSimd.SignExtendWideningLower(Vector64.LoadUnsafe(ref w, at))
                : Sse41.ConvertToVector128Int16(Vector128.LoadUnsafe(ref w, at));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<short> Nibbles(ref sbyte w, nuint at, int shift) =>
            AdvSimd.IsSupported
                ? AdvSimd.SignExtendWideningLower(Nibbles64(Vector64.LoadUnsafe(ref w, at).AsByte(), shift).AsSByte())
                : Sse41.ConvertToVector128Int16(Nibbles128(Vector128.LoadUnsafe(ref w, at).AsByte(), shift).AsSByte());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> MultiplyAdd(Vector128<int> acc, Vector128<short> x, Vector128<short> w) =>
            AdvSimd.IsSupported
                ? AdvSimd.MultiplyWideningUpperAndAdd(AdvSimd.MultiplyWideningLowerAndAdd(acc, x.GetLower(), w.GetLower()), x, w)
                : acc + Sse2.MultiplyAddAdjacent(x, w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector128<int> s0, Vector128<int> s1, Vector128<int> s2, Vector128<int> s3) =>
            AdvSimd.Arm64.IsSupported ? Sum4Arm64(s0, s1, s2, s3) : Ssse3.HorizontalAdd(Ssse3.HorizontalAdd(s0, s1), Ssse3.HorizontalAdd(s2, s3));
    }

    /// <summary>Four 128-bit accumulators to their four totals on ARM64: three pairwise adds (ADDP), as phaddd does on x64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Sum4Arm64(Vector128<int> s0, Vector128<int> s1, Vector128<int> s2, Vector128<int> s3) =>
        AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(s0, s1), AdvSimd.Arm64.AddPairwise(s2, s3));

    /// <summary>ARM64 SDOT: four signed byte products into each 32-bit lane, 16 per instruction. The input codes must be below 128.</summary>
    private readonly struct SignedDot128 : IProductLanes<Vector128<int>, Vector128<sbyte>>
    {
        public static int Step => 16;

        public static Vector128<int> Zero => Vector128<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<sbyte> Input(ref byte a, nuint at) => Vector128.LoadUnsafe(ref a, at).AsSByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<sbyte> Weights(ref sbyte w, nuint at) => Vector128.LoadUnsafe(ref w, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<sbyte> Nibbles(ref sbyte w, nuint at, int shift) => Nibbles128(Vector128.LoadUnsafe(ref w, at).AsByte(), shift).AsSByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> MultiplyAdd(Vector128<int> acc, Vector128<sbyte> x, Vector128<sbyte> w) => Dp.DotProduct(acc, x, w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector128<int> s0, Vector128<int> s1, Vector128<int> s2, Vector128<int> s3) => Sum4Arm64(s0, s1, s2, s3);
    }

    /// <summary>
    /// ARM64 UDOT for 8-bit input codes (0..255 fit no signed byte, and .NET 10 exposes no mixed-sign USDOT):
    /// the weights are flipped to w + 128 (0..255, one EOR), so each lane gains 128 * (the codes it multiplied);
    /// <see cref="Blocks{R}(ref sbyte, ref byte, int, int, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Path, int)"/> takes 128 * sum(codes) off the totals.
    /// </summary>
    private readonly struct UnsignedDot128 : IProductLanes<Vector128<int>, Vector128<byte>>
    {
        public static int Step => 16;

        public static Vector128<int> Zero => Vector128<int>.Zero;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Input(ref byte a, nuint at) => Vector128.LoadUnsafe(ref a, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Weights(ref sbyte w, nuint at) => Vector128.LoadUnsafe(ref w, at).AsByte() ^ Vector128.Create((byte)0x80);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Nibbles(ref sbyte w, nuint at, int shift) => Nibbles128(Vector128.LoadUnsafe(ref w, at).AsByte(), shift) ^ Vector128.Create((byte)0x80);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> MultiplyAdd(Vector128<int> acc, Vector128<byte> x, Vector128<byte> w) => Dp.DotProduct(acc.AsUInt32(), x, w).AsInt32();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(Vector128<int> s0, Vector128<int> s1, Vector128<int> s2, Vector128<int> s3) => Sum4Arm64(s0, s1, s2, s3);
    }

    /// <summary>The scalar twin: one byte per step.</summary>
    private readonly struct Scalar : IProductLanes<int, int>
    {
        public static int Step => 1;

        public static int Zero => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Input(ref byte a, nuint at) => Unsafe.Add(ref a, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Weights(ref sbyte w, nuint at) => Unsafe.Add(ref w, at);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Nibbles(ref sbyte w, nuint at, int shift) => NibbleScalar(Unsafe.Add(ref w, at), shift);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int MultiplyAdd(int acc, int x, int w) => acc + (x * w);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sum4(int s0, int s1, int s2, int s3) => Vector128.Create(s0, s1, s2, s3);
    }
}
