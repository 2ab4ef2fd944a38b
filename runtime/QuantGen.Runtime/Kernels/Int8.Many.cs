using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

public static partial class Int8
{
    /// <summary>Inputs one pass of <see cref="DenseMany(ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/> multiplies by the same block of four rows.</summary>
    private const int InputsPerPass = 4;

    /// <summary>Weight bytes of the rows every group of inputs passes before the next rows: well inside a core's L2.</summary>
    private const int RowBlockBytes = 256 * 1024;

    /// <summary>Floats of scratch <see cref="DenseMany(ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// needs for <paramref name="batch"/> inputs: each input's codes.</summary>
    public static int ManyScratchFloats(int cols, int batch) => batch * ScratchFloats(cols);

    /// <summary>
    /// <see cref="Dense(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// for <paramref name="batch"/> inputs stored one after another (outputs likewise), reading each weight once per
    /// four inputs: a pass multiplies a block of four rows by four inputs (16 accumulators; each weight step loaded
    /// once), and a block of rows (about 256 KB) stays in L2 while every group of four inputs passes it. The integer
    /// dot products are exact and the epilogue is the single-input one, so every output equals what Dense gives for
    /// that input alone, bit for bit. <paramref name="scratch"/>: at least <see cref="ManyScratchFloats"/> floats.
    /// </summary>
    public static void DenseMany(
        ReadOnlySpan<float> inputs, Span<float> outputs, int batch, ReadOnlySpan<sbyte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch) =>
        DenseMany(inputs, outputs, batch, weights, activationBits, lo, hi, product, constant, perSum, bias, scratch, Path.Best);

    internal static void DenseMany(
        ReadOnlySpan<float> inputs, Span<float> outputs, int batch, ReadOnlySpan<sbyte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
    {
        CheckBits(activationBits);
        if (batch > 0)
        {
            int cols = inputs.Length / batch;
            KernelChecks.AtLeast(weights.Length, KernelGeometry.Int8WeightBytes(outputs.Length / batch, cols), nameof(weights));
            Many<ByteRuns>(inputs, outputs, batch, ref MemoryMarshal.GetReference(weights), RowBytes(cols), activationBits, lo, hi, product, constant, perSum, bias, scratch, path);
        }
    }

    /// <summary>
    /// <see cref="DenseMany(ReadOnlySpan{float}, Span{float}, int, ReadOnlySpan{sbyte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// with the weights in the nibble layout (<see cref="DenseNibbles(ReadOnlySpan{float}, Span{float}, ReadOnlySpan{byte}, int, float, float, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>).
    /// </summary>
    public static void DenseManyNibbles(
        ReadOnlySpan<float> inputs, Span<float> outputs, int batch, ReadOnlySpan<byte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch) =>
        DenseManyNibbles(inputs, outputs, batch, weights, activationBits, lo, hi, product, constant, perSum, bias, scratch, Path.Best);

    internal static void DenseManyNibbles(
        ReadOnlySpan<float> inputs, Span<float> outputs, int batch, ReadOnlySpan<byte> weights, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
    {
        CheckBits(activationBits);
        if (batch > 0)
        {
            int cols = inputs.Length / batch;
            KernelChecks.AtLeast(weights.Length, KernelGeometry.Int4WeightBytes(outputs.Length / batch, cols), nameof(weights));
            ref sbyte w = ref Unsafe.As<byte, sbyte>(ref MemoryMarshal.GetReference(weights));
            Many<NibbleRuns>(inputs, outputs, batch, ref w, NibbleRowBytes(cols), activationBits, lo, hi, product, constant, perSum, bias, scratch, path);
        }
    }

    /// <summary>The batched product over either layout, the weights' length checked; <paramref name="stride"/>: bytes per row.</summary>
    private static void Many<R>(
        ReadOnlySpan<float> inputs, Span<float> outputs, int batch, ref sbyte w, int stride, int activationBits, float lo, float hi,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias, Span<float> scratch, Path path)
        where R : struct, IRuns
    {
        int cols = inputs.Length / batch;
        int rows = outputs.Length / batch;
        int codeBytes = ScratchFloats(cols) * 4;
        KernelChecks.AtLeast(scratch.Length, ManyScratchFloats(cols, batch), nameof(scratch));
        CheckEpilogue(rows, product, constant, perSum, bias);

        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(0, ManyScratchFloats(cols, batch)));
        int[]? rented = null;
        Span<int> sums = batch <= 64 ? stackalloc int[batch] : (rented = new int[batch]);
        for (int b = 0; b < batch; b++)
        {
            sums[b] = Code(inputs.Slice(b * cols, cols), activationBits, lo, hi, codes.Slice(b * codeBytes, codeBytes));
        }

        ref byte a = ref MemoryMarshal.GetReference(codes);
        // On AVX2, codes two per byte times inputs of up to 4 bits have a single-input loop of their own (NibblesShort256,
        // 16-bit sums over three runs) that four inputs at a time through the general step did not beat (1024 x 256:
        // 4.7 against 4.6 us per input; 2600 x 1300: 45.5 against 50.0): there every input runs it.
        bool alone = typeof(R) == typeof(NibbleRuns) && (path == Path.Best ? BestNibblePath(activationBits) : path) == Path.Bytes256 && activationBits <= 4;
        int grouped = alone ? 0 : batch / InputsPerPass * InputsPerPass;
        if (grouped > 0)
        {
            var groups = new Groups(ref a, codeBytes, stride, sums, outputs, rows, product, constant, perSum, bias);
            switch (path == Path.Best ? BestPath : path)
            {
                case Path.Dot128 when activationBits <= 7: Groups4<SignedDot128, Vector128<int>, Vector128<sbyte>, R>(ref w, grouped, false, groups); break;
                case Path.Dot128: Groups4<UnsignedDot128, Vector128<int>, Vector128<byte>, R>(ref w, grouped, true, groups); break;
                case Path.AvxVnni256: Groups4<Vnni256, Vector256<int>, Vector256<byte>, R>(ref w, grouped, false, groups); break;
                case Path.Widening512: Groups4<Widening512, Vector512<int>, Vector512<short>, R>(ref w, grouped, false, groups); break;
                case Path.Bytes256 when activationBits <= 7: Groups4<Bytes256, Vector256<int>, Vector256<byte>, R>(ref w, grouped, false, groups); break;
                case Path.Widening256 or Path.Bytes256: Groups4<Widening256, Vector256<int>, Vector256<short>, R>(ref w, grouped, false, groups); break;
                case Path.Widening128: Groups4<Widening128, Vector128<int>, Vector128<short>, R>(ref w, grouped, false, groups); break;
                default: Groups4<Scalar, int, int, R>(ref w, grouped, false, groups); break;
            }
        }

        // Inputs past a multiple of four: one at a time over the coded input, as Dense runs it.
        for (int b = grouped; b < batch; b++)
        {
            Blocks<R>(ref w, ref Unsafe.Add(ref a, b * codeBytes), stride, sums[b], outputs.Slice(b * rows, rows), product, constant, perSum, bias, path, activationBits);
        }

        GC.KeepAlive(rented);
    }

    /// <summary>The four rows' dot products with each of four inputs.</summary>
    private struct Dots4
    {
        public Vector128<int> D0, D1, D2, D3;
    }

    /// <summary>What the batched loop reads and writes besides the weights: the coded inputs, their code sums, the
    /// outputs and the epilogue's per-row tensors.</summary>
    private readonly ref struct Groups(ref byte codes, int codeBytes, int stride, ReadOnlySpan<int> sums, Span<float> outputs, int rows,
        ReadOnlySpan<float> product, ReadOnlySpan<float> constant, ReadOnlySpan<float> perSum, ReadOnlySpan<float> bias)
    {
        public readonly ref byte Codes = ref codes;
        public readonly int CodeBytes = codeBytes, Stride = stride, Rows = rows;
        public readonly ReadOnlySpan<int> Sums = sums;
        public readonly Span<float> Outputs = outputs;
        public readonly ReadOnlySpan<float> Product = product, Constant = constant, PerSum = perSum, Bias = bias;
    }

    /// <summary>
    /// The first <paramref name="grouped"/> inputs (a multiple of four) for one path: blocks of rows of about
    /// <see cref="RowBlockBytes"/> outermost, each passed by every group of four inputs. With <paramref name="udot"/>,
    /// 128 * each input's code sum comes off its dot products (as in <see cref="Blocks{L, V, X, R}"/>).
    /// </summary>
    private static void Groups4<L, V, X, R>(ref sbyte w, int grouped, bool udot, in Groups g)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        int rows = g.Rows, stride = g.Stride;
        int blockRows = Math.Max(KernelGeometry.Int8BlockRows, RowBlockBytes / stride / KernelGeometry.Int8BlockRows * KernelGeometry.Int8BlockRows);
        for (int first = 0; first < rows; first += blockRows)
        {
            int last = Math.Min(rows, first + blockRows);
            for (int b = 0; b < grouped; b += InputsPerPass)
            {
                int s0 = g.Sums[b], s1 = g.Sums[b + 1], s2 = g.Sums[b + 2], s3 = g.Sums[b + 3];
                Vector128<int> e0 = Vector128.Create(udot ? s0 << 7 : 0), e1 = Vector128.Create(udot ? s1 << 7 : 0);
                Vector128<int> e2 = Vector128.Create(udot ? s2 << 7 : 0), e3 = Vector128.Create(udot ? s3 << 7 : 0);
                Span<float> y0 = g.Outputs.Slice(b * rows, rows), y1 = g.Outputs.Slice((b + 1) * rows, rows);
                Span<float> y2 = g.Outputs.Slice((b + 2) * rows, rows), y3 = g.Outputs.Slice((b + 3) * rows, rows);
                ref byte a0 = ref Unsafe.Add(ref g.Codes, b * g.CodeBytes);
                for (int r0 = first; r0 < last; r0 += RowsPerPass)
                {
                    Dots4 dots = Rows4<L, V, X, R>(ref Unsafe.Add(ref w, (nint)r0 * stride), ref a0, g.CodeBytes, stride);
                    Epilogue(R.Finish(dots.D0 - e0), r0, s0, y0, g.Product, g.Constant, g.PerSum, g.Bias);
                    Epilogue(R.Finish(dots.D1 - e1), r0, s1, y1, g.Product, g.Constant, g.PerSum, g.Bias);
                    Epilogue(R.Finish(dots.D2 - e2), r0, s2, y2, g.Product, g.Constant, g.PerSum, g.Bias);
                    Epilogue(R.Finish(dots.D3 - e3), r0, s3, y3, g.Product, g.Constant, g.PerSum, g.Bias);
                }
            }
        }
    }

    /// <summary>
    /// A block of four rows times four inputs (their codes <paramref name="codeBytes"/> apart), written once for every
    /// path: each step of weights is loaded once and multiplied by the four inputs' step (16 accumulators). Each
    /// (row, input) adds the same products in the same lanes and order as Rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Dots4 Rows4<L, V, X, R>(ref sbyte block, ref byte a, int codeBytes, int stride)
        where L : struct, IProductLanes<V, X>
        where V : struct
        where X : struct
        where R : struct, IRuns
    {
        const int Chunk = KernelGeometry.Int8Chunk;
        nuint c1 = (nuint)codeBytes, c2 = 2 * c1, c3 = 3 * c1;
        V s00 = L.Zero, s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        V s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        nuint columns = (nuint)R.Columns(stride);
        for (nuint c = 0; c < columns; c += Chunk)
        {
            ref sbyte run = ref Unsafe.Add(ref block, R.Run(c));
            int half = R.Half(c);
            for (nuint i = 0; i < Chunk; i += (nuint)L.Step)
            {
                // sRI: row R, input I.
                X w0 = R.Weights<L, V, X>(ref run, i, half), w1 = R.Weights<L, V, X>(ref Unsafe.Add(ref run, Chunk), i, half);
                X w2 = R.Weights<L, V, X>(ref Unsafe.Add(ref run, 2 * Chunk), i, half), w3 = R.Weights<L, V, X>(ref Unsafe.Add(ref run, 3 * Chunk), i, half);
                X x = L.Input(ref a, c + i);
                s00 = L.MultiplyAdd(s00, x, w0);
                s10 = L.MultiplyAdd(s10, x, w1);
                s20 = L.MultiplyAdd(s20, x, w2);
                s30 = L.MultiplyAdd(s30, x, w3);
                x = L.Input(ref a, c1 + c + i);
                s01 = L.MultiplyAdd(s01, x, w0);
                s11 = L.MultiplyAdd(s11, x, w1);
                s21 = L.MultiplyAdd(s21, x, w2);
                s31 = L.MultiplyAdd(s31, x, w3);
                x = L.Input(ref a, c2 + c + i);
                s02 = L.MultiplyAdd(s02, x, w0);
                s12 = L.MultiplyAdd(s12, x, w1);
                s22 = L.MultiplyAdd(s22, x, w2);
                s32 = L.MultiplyAdd(s32, x, w3);
                x = L.Input(ref a, c3 + c + i);
                s03 = L.MultiplyAdd(s03, x, w0);
                s13 = L.MultiplyAdd(s13, x, w1);
                s23 = L.MultiplyAdd(s23, x, w2);
                s33 = L.MultiplyAdd(s33, x, w3);
            }
        }

        Dots4 dots;
        dots.D0 = L.Sum4(s00, s10, s20, s30);
        dots.D1 = L.Sum4(s01, s11, s21, s31);
        dots.D2 = L.Sum4(s02, s12, s22, s32);
        dots.D3 = L.Sum4(s03, s13, s23, s33);
        return dots;
    }
}
