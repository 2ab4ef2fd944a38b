using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

public static partial class DenseKernels
{
    /// <summary>Inputs one pass of <see cref="FloatMany"/> multiplies by the same two weight rows.</summary>
    private const int InputsPerPass = 4;

    /// <summary>Weight bytes of the rows that every group of inputs passes before the next rows: well inside a core's L2.</summary>
    private const int RowBlockBytes = 256 * 1024;

    /// <summary>Rows of at most this many columns take <see cref="PairSplit"/> on 256-bit lanes.</summary>
    private const int SplitMaxColumns = 1536;

    /// <summary>Columns of a slice of <see cref="PairSplit"/>: two rows and four inputs of this many floats take 12 KB of L1.</summary>
    private const nuint SliceFloats = 512;

    /// <summary>Floats of the aligned copy of a group of inputs (on the stack); wider inputs are read where they are.</summary>
    private const int AlignedInputFloats = 16 * 1024;

    /// <summary>The first float of <paramref name="buffer"/> at a 64-byte boundary (the buffer has 16 floats to spare).</summary>
    private static unsafe ref float AlignedStart(Span<float> buffer)
    {
        ref float first = ref MemoryMarshal.GetReference(buffer);
        nint address = (nint)Unsafe.AsPointer(ref first);
        return ref Unsafe.Add(ref first, (int)((64 - (address & 63)) & 63) / sizeof(float));
    }

    /// <summary>
    /// Float32 weights times a batch: outputs[b] = W inputs[b] + bias for <paramref name="batch"/> inputs stored one
    /// after another (and outputs likewise). Each pass multiplies two weight rows by four inputs; a block of rows
    /// (about 256 KB) stays in L2 while every group of four inputs (in L1) passes it, so the weights stream from
    /// memory once for the whole batch instead of once per input (a GEMM micro-kernel in place of repeated products). Every (row, input) keeps the two FMA chains,
    /// the masked column tail and the final sum of <see cref="Float"/>, so each output equals what
    /// <see cref="Float"/> gives for that input alone, bit for bit.
    /// </summary>
    public static void FloatMany(ReadOnlySpan<float> inputs, Span<float> outputs, int batch, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias)
    {
        if (batch <= 0)
        {
            return;
        }

        int cols = inputs.Length / batch;
        int rows = outputs.Length / batch;
        KernelChecks.AtLeast(inputs.Length, (long)batch * cols, nameof(inputs));
        KernelChecks.AtLeast(weights.Length, (long)rows * cols, nameof(weights));
        KernelChecks.AtLeast(bias.IsEmpty ? rows : bias.Length, rows, nameof(bias));
        if (rows == 0)
        {
            return;
        }

        // Whole groups of four inputs share each weight load; the rest (and narrow rows or machines, where the
        // single-input kernel has its own width cascade) run one input at a time.
        int grouped = batch / InputsPerPass * InputsPerPass;
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float x = ref MemoryMarshal.GetReference(inputs);
        if (grouped > 0 && Vector512.IsHardwareAccelerated && cols >= Vector512<float>.Count)
        {
            FloatManyRows<FloatLanes512, Vector512<float>>(ref x, grouped, cols, ref w, rows, outputs, bias);
        }
        else if (grouped > 0 && Vector256.IsHardwareAccelerated && cols >= Vector256<float>.Count)
        {
            FloatManyRows<FloatLanes256, Vector256<float>>(ref x, grouped, cols, ref w, rows, outputs, bias);
        }
        else
        {
            grouped = 0;
        }

        for (int b = grouped; b < batch; b++)
        {
            Float(inputs.Slice(b * cols, cols), outputs.Slice(b * rows, rows), weights, bias);
        }
    }

    /// <summary>The loop of <see cref="FloatMany"/>, once for every width L; cols &gt;= L.Count, batch a multiple of 4.</summary>
    private static void FloatManyRows<L, V>(ref float x, int batch, int cols, ref float w, int rows, Span<float> y, ReadOnlySpan<float> bias)
        where L : struct, IFloatLanes<V>
        where V : unmanaged
    {
        int n = L.Count;
        nuint full = (nuint)(cols / n * n);
        int tail = cols % n;
        V mask = L.TailMask(tail);
        nuint last = (nuint)(cols - n);
        // Rows in blocks of about RowBlockBytes of weights (they stay in L2), each block passed by every group of
        // four inputs (in L1) in turn: with the rows outermost, every pair of rows read all the batch's inputs
        // from L2 again, and that traffic, not the multiply-adds, bounded the loop (2600 x 1300, batch 16:
        // 27 cycles for an iteration's 16 multiply-adds). Each (row, input) still makes the same operations.
        int blockRows = Math.Max(2, RowBlockBytes / (cols * sizeof(float)) & ~1);
        // The four inputs of a group copied to rows that start on a cache line (a row of 1,300 floats does not), so
        // no input load straddles two lines; the copy has the same values at the same offsets.
        int stride = (cols + 15) & ~15;
        bool aligned = InputsPerPass * stride <= AlignedInputFloats;
        Span<float> buffer = stackalloc float[aligned ? (InputsPerPass * stride) + 16 : 0];
        ref float quad = ref aligned ? ref AlignedStart(buffer) : ref x;
        Span<V> saved = stackalloc V[16];
        for (int block = 0; block < rows; block += blockRows)
        {
            int blockEnd = Math.Min(block + blockRows, rows);
            for (int b0 = 0; b0 < batch; b0 += InputsPerPass)
            {
                int step = aligned ? stride : cols;
                if (aligned)
                {
                    for (int k = 0; k < InputsPerPass; k++)
                    {
                        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x, (nint)(b0 + k) * cols), cols).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref quad, k * stride), cols));
                    }
                }

                ref float x0 = ref aligned ? ref quad : ref Unsafe.Add(ref x, (nint)b0 * cols);
                ref float x1 = ref Unsafe.Add(ref x0, step);
                ref float x2 = ref Unsafe.Add(ref x1, step);
                ref float x3 = ref Unsafe.Add(ref x2, step);
                for (int r0 = block; r0 < blockEnd; r0 += 2)
                {
                    // A last odd row is computed twice rather than by a second loop, as Float repeats its last row.
                    int r1 = Math.Min(r0 + 1, rows - 1);
                    ref float w0 = ref Unsafe.Add(ref w, (nint)r0 * cols);
                    ref float w1 = ref Unsafe.Add(ref w, (nint)r1 * cols);

                    Vector128<float> row0, row1;
                    // 256-bit lanes run where there is no AVX-512, with 16 vector registers (a JIT-time constant). Above
                    // SplitMaxColumns the one loop measured faster in spite of its spills (AVX2, batch 16, per input:
                    // 4096 x 4096 880-910 us against 985-1,015 split, 1024 x 3072 139-140 against 150-155, 2048 x 2048
                    // 185-196 against 197-202; at 1,300 columns and below the split wins, 2600 x 1300 115-124 against 145).
                    if (Unsafe.SizeOf<V>() == 32 && cols <= SplitMaxColumns)
                    {
                        PairSplit<L, V>(ref w0, ref w1, ref x0, ref x1, ref x2, ref x3, full, tail, mask, last, ref MemoryMarshal.GetReference(saved), out row0, out row1);
                    }
                    else
                    {
                        PairInterleaved<L, V>(ref w0, ref w1, ref x0, ref x1, ref x2, ref x3, full, tail, mask, last, out row0, out row1);
                    }

                    Store(y, rows, r0, b0, row0, bias);
                    if (r0 + 1 < rows)
                    {
                        Store(y, rows, r0 + 1, b0, row1, bias);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Two weight rows times four inputs with the chains of <see cref="FloatRows"/> per (row, input): a (even vectors)
    /// and b (odd vectors, then the masked tail), both updated in one loop (16 accumulators; 512-bit machines have
    /// 32 vector registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairInterleaved<L, V>(
        ref float w0, ref float w1, ref float x0, ref float x1, ref float x2, ref float x3, nuint full, int tail, V mask, nuint last,
        out Vector128<float> row0, out Vector128<float> row1)
        where L : struct, IFloatLanes<V>
        where V : unmanaged
    {
        int n = L.Count;
        // Chains a (even vectors) and b (odd vectors and the tail) per (row, input), as in FloatRows.
        V a00 = L.Zero, a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        V b00 = a00, b01 = a00, b02 = a00, b03 = a00, b10 = a00, b11 = a00, b12 = a00, b13 = a00;
        nuint c = 0;
        for (; c + (nuint)(2 * n) <= full; c += (nuint)(2 * n))
        {
            nuint d = c + (nuint)n;
            V p = L.Load(ref w0, c), q = L.Load(ref w1, c);
            V u0 = L.Load(ref x0, c), u1 = L.Load(ref x1, c), u2 = L.Load(ref x2, c), u3 = L.Load(ref x3, c);
            a00 = L.MultiplyAdd(p, u0, a00); a01 = L.MultiplyAdd(p, u1, a01); a02 = L.MultiplyAdd(p, u2, a02); a03 = L.MultiplyAdd(p, u3, a03);
            a10 = L.MultiplyAdd(q, u0, a10); a11 = L.MultiplyAdd(q, u1, a11); a12 = L.MultiplyAdd(q, u2, a12); a13 = L.MultiplyAdd(q, u3, a13);
            p = L.Load(ref w0, d);
            q = L.Load(ref w1, d);
            u0 = L.Load(ref x0, d); u1 = L.Load(ref x1, d); u2 = L.Load(ref x2, d); u3 = L.Load(ref x3, d);
            b00 = L.MultiplyAdd(p, u0, b00); b01 = L.MultiplyAdd(p, u1, b01); b02 = L.MultiplyAdd(p, u2, b02); b03 = L.MultiplyAdd(p, u3, b03);
            b10 = L.MultiplyAdd(q, u0, b10); b11 = L.MultiplyAdd(q, u1, b11); b12 = L.MultiplyAdd(q, u2, b12); b13 = L.MultiplyAdd(q, u3, b13);
        }

        if (c < full)
        {
            V p = L.Load(ref w0, c), q = L.Load(ref w1, c);
            V u0 = L.Load(ref x0, c), u1 = L.Load(ref x1, c), u2 = L.Load(ref x2, c), u3 = L.Load(ref x3, c);
            a00 = L.MultiplyAdd(p, u0, a00); a01 = L.MultiplyAdd(p, u1, a01); a02 = L.MultiplyAdd(p, u2, a02); a03 = L.MultiplyAdd(p, u3, a03);
            a10 = L.MultiplyAdd(q, u0, a10); a11 = L.MultiplyAdd(q, u1, a11); a12 = L.MultiplyAdd(q, u2, a12); a13 = L.MultiplyAdd(q, u3, a13);
        }

        if (tail > 0)
        {
            // Float's masked last vector: lanes counted already are 0 on both sides.
            V p = L.And(L.Load(ref w0, last), mask), q = L.And(L.Load(ref w1, last), mask);
            V u0 = L.And(L.Load(ref x0, last), mask), u1 = L.And(L.Load(ref x1, last), mask);
            V u2 = L.And(L.Load(ref x2, last), mask), u3 = L.And(L.Load(ref x3, last), mask);
            b00 = L.MultiplyAdd(p, u0, b00); b01 = L.MultiplyAdd(p, u1, b01); b02 = L.MultiplyAdd(p, u2, b02); b03 = L.MultiplyAdd(p, u3, b03);
            b10 = L.MultiplyAdd(q, u0, b10); b11 = L.MultiplyAdd(q, u1, b11); b12 = L.MultiplyAdd(q, u2, b12); b13 = L.MultiplyAdd(q, u3, b13);
        }

        row0 = L.Sum4(L.Add(a00, b00), L.Add(a01, b01), L.Add(a02, b02), L.Add(a03, b03));
        row1 = L.Sum4(L.Add(a10, b10), L.Add(a11, b11), L.Add(a12, b12), L.Add(a13, b13));
    }

    /// <summary>
    /// The same two rows times four inputs with each chain in its own loop: the a chains over the even vectors, saved
    /// to <paramref name="saved"/> (eight vectors), then the b chains over the odd vectors and the tail. AVX2 has 16
    /// vector registers: <see cref="PairInterleaved"/>'s 16 accumulators and six operands made the JIT keep half the
    /// accumulators on the stack, a load and a store around most multiply-adds (2600 x 1300, batch 16: 159 us per
    /// input against 242 at batch 1). One loop holds eight accumulators, two weight vectors and an input (112-122 us
    /// per input; 1024 x 1024 40 -> 29 us, 1024 x 256 11.2 -> 8.4-8.9 us). Each chain adds the same vectors in the same
    /// order, so the totals are <see cref="PairInterleaved"/>'s bit for bit; the second loop reads the two rows again
    /// from L1. Three rows per pass (twelve accumulators, no spills either) measured the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PairSplit<L, V>(
        ref float w0, ref float w1, ref float x0, ref float x1, ref float x2, ref float x3, nuint full, int tail, V mask, nuint last,
        ref V saved, out Vector128<float> row0, out Vector128<float> row1)
        where L : struct, IFloatLanes<V>
        where V : unmanaged
    {
        nuint n = (nuint)L.Count;
        ref V a = ref saved, b = ref Unsafe.Add(ref saved, 8);

        // Columns in slices whose two rows and four inputs stay in L1 for the second loop (the rows of 1,300 columns
        // fit whole; slicing took 4096 x 4096 from 1,310 to about 1,000 us per input, still above the one loop's 900). A
        // slice starts at an even vector, so each chain still adds its vectors in the order Float does. The first slice
        // starts both chains from zero in registers and keeps the b chain there: a row of one slice (the language
        // models' 64 and 256 columns) pays one store of the a chain, not a round trip per chain.
        V s00 = L.Zero, s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        nuint end = Math.Min(full, SliceFloats);
        for (nuint c = 0; c < end; c += 2 * n)
        {
            Step(ref w0, ref w1, ref x0, ref x1, ref x2, ref x3, c, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13);
        }

        Store8(ref a, s00, s01, s02, s03, s10, s11, s12, s13);
        s00 = L.Zero; s01 = s00; s02 = s00; s03 = s00; s10 = s00; s11 = s00; s12 = s00; s13 = s00;
        for (nuint c = n; c < end; c += 2 * n)
        {
            Step(ref w0, ref w1, ref x0, ref x1, ref x2, ref x3, c, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13);
        }

        for (nuint c0 = end; c0 < full; c0 += SliceFloats)
        {
            end = Math.Min(full, c0 + SliceFloats);
            Store8(ref b, s00, s01, s02, s03, s10, s11, s12, s13);
            Load8(ref a, out s00, out s01, out s02, out s03, out s10, out s11, out s12, out s13);
            for (nuint c = c0; c < end; c += 2 * n)
            {
                Step(ref w0, ref w1, ref x0, ref x1, ref x2, ref x3, c, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13);
            }

            Store8(ref a, s00, s01, s02, s03, s10, s11, s12, s13);
            Load8(ref b, out s00, out s01, out s02, out s03, out s10, out s11, out s12, out s13);
            for (nuint c = c0 + n; c < end; c += 2 * n)
            {
                Step(ref w0, ref w1, ref x0, ref x1, ref x2, ref x3, c, ref s00, ref s01, ref s02, ref s03, ref s10, ref s11, ref s12, ref s13);
            }
        }

        if (tail > 0)
        {
            // Float's masked last vector: lanes counted already are 0 on both sides.
            V p = L.And(L.Load(ref w0, last), mask), q = L.And(L.Load(ref w1, last), mask), u = L.And(L.Load(ref x0, last), mask);
            s00 = L.MultiplyAdd(p, u, s00); s10 = L.MultiplyAdd(q, u, s10);
            u = L.And(L.Load(ref x1, last), mask);
            s01 = L.MultiplyAdd(p, u, s01); s11 = L.MultiplyAdd(q, u, s11);
            u = L.And(L.Load(ref x2, last), mask);
            s02 = L.MultiplyAdd(p, u, s02); s12 = L.MultiplyAdd(q, u, s12);
            u = L.And(L.Load(ref x3, last), mask);
            s03 = L.MultiplyAdd(p, u, s03); s13 = L.MultiplyAdd(q, u, s13);
        }

        row0 = L.Sum4(L.Add(Unsafe.Add(ref saved, 0), s00), L.Add(Unsafe.Add(ref saved, 1), s01), L.Add(Unsafe.Add(ref saved, 2), s02), L.Add(Unsafe.Add(ref saved, 3), s03));
        row1 = L.Sum4(L.Add(Unsafe.Add(ref saved, 4), s10), L.Add(Unsafe.Add(ref saved, 5), s11), L.Add(Unsafe.Add(ref saved, 6), s12), L.Add(Unsafe.Add(ref saved, 7), s13));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Load8(ref V from, out V s00, out V s01, out V s02, out V s03, out V s10, out V s11, out V s12, out V s13)
        {
            s00 = Unsafe.Add(ref from, 0); s01 = Unsafe.Add(ref from, 1); s02 = Unsafe.Add(ref from, 2); s03 = Unsafe.Add(ref from, 3);
            s10 = Unsafe.Add(ref from, 4); s11 = Unsafe.Add(ref from, 5); s12 = Unsafe.Add(ref from, 6); s13 = Unsafe.Add(ref from, 7);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store8(ref V to, V s00, V s01, V s02, V s03, V s10, V s11, V s12, V s13)
        {
            Unsafe.Add(ref to, 0) = s00; Unsafe.Add(ref to, 1) = s01; Unsafe.Add(ref to, 2) = s02; Unsafe.Add(ref to, 3) = s03;
            Unsafe.Add(ref to, 4) = s10; Unsafe.Add(ref to, 5) = s11; Unsafe.Add(ref to, 6) = s12; Unsafe.Add(ref to, 7) = s13;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Step(
            ref float w0, ref float w1, ref float x0, ref float x1, ref float x2, ref float x3, nuint c,
            ref V s00, ref V s01, ref V s02, ref V s03, ref V s10, ref V s11, ref V s12, ref V s13)
        {
            V p = L.Load(ref w0, c), q = L.Load(ref w1, c), u = L.Load(ref x0, c);
            s00 = L.MultiplyAdd(p, u, s00); s10 = L.MultiplyAdd(q, u, s10);
            u = L.Load(ref x1, c);
            s01 = L.MultiplyAdd(p, u, s01); s11 = L.MultiplyAdd(q, u, s11);
            u = L.Load(ref x2, c);
            s02 = L.MultiplyAdd(p, u, s02); s12 = L.MultiplyAdd(q, u, s12);
            u = L.Load(ref x3, c);
            s03 = L.MultiplyAdd(p, u, s03); s13 = L.MultiplyAdd(q, u, s13);
        }
    }

    /// <summary>Row <paramref name="r"/> of the outputs of inputs b0 .. b0 + 3.</summary>
    private static void Store(Span<float> y, int rows, int r, int b0, Vector128<float> sums, ReadOnlySpan<float> bias)
    {
        float add = Bias(bias, r);
        int at = (b0 * rows) + r;
        y[at] = sums.GetElement(0) + add;
        y[at + rows] = sums.GetElement(1) + add;
        y[at + (2 * rows)] = sums.GetElement(2) + add;
        y[at + (3 * rows)] = sums.GetElement(3) + add;
    }
}
