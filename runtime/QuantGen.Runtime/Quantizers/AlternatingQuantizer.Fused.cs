using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The alternating quantizer in as few passes as the algorithm allows, for up to 4 bits on AVX-512: the
/// pass that makes the codes (a greedy step or a code search) also gathers what the next least-squares
/// step needs (the sums of x where each bit is set, the count of values where two bits differ), and the
/// last code search writes the reconstruction. Run-time activation coding is on every alternating layer's
/// critical path, and on layers of 64 to 256 values the scalar reference's one-pass-per-sum structure
/// (each with its own horizontal sum) cost more than the layer's product.
/// The same float operations and comparisons as QuantizeScalar make the codes from the alphas; the sums
/// add in float lanes before a double total, so alphas can differ from the reference in the last bits.
/// </summary>
public static partial class AlternatingQuantizer
{
    private const int FusedMaxBits = 4;

    /// <summary>Codes <paramref name="x"/> as <see cref="Quantize"/> does; false (nothing written) when this
    /// path does not apply (no AVX-512, more than 4 bits, fewer than 16 values).</summary>
    [SkipLocalsInit]
    private static bool QuantizeFused(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes)
    {
        int n = x.Length;
        if (!Vector512Path || bits > FusedMaxBits || bits < 1 || n < 16)
        {
            return false;
        }

        // Whole vectors: x itself and the reconstruction as the residual when n is a multiple of 16, else padded
        // copies whose padding lanes are masked out of every count and |r| sum (x's padding is 0, so it adds
        // nothing to the sums of x).
        int padded = (n + 15) & ~15;
        bool whole = padded == n;
        float[]? rentedFloats = null;
        byte[]? rentedBytes = null;
        Span<float> floats = whole ? default : padded <= 2048 ? stackalloc float[2 * padded] : (rentedFloats = new float[2 * padded]);
        Span<byte> code = padded <= 4096 ? stackalloc byte[padded] : (rentedBytes = new byte[padded]);
        scoped ReadOnlySpan<float> xs = x;
        scoped Span<float> residual = reconstruction.Slice(0, n);
        if (!whole)
        {
            Span<float> copy = floats.Slice(0, padded);
            x.CopyTo(copy);
            copy.Slice(n).Clear();
            xs = copy;
            residual = floats.Slice(padded, padded);
        }

        code.Clear();
        Vector512<int> lastValid = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n - (padded - 16)));

        Span<double> gram = stackalloc double[FusedMaxBits * FusedMaxBits];
        Span<double> rhs = stackalloc double[FusedMaxBits];
        Span<float> sums = stackalloc float[1 << FusedMaxBits];
        Span<byte> order = stackalloc byte[1 << FusedMaxBits];
        Statistics stats = default;

        double total = TotalAndAbs(xs, out double absolute);
        float alpha = (float)(absolute / n);
        for (int j = 0; j < bits; j++)
        {
            alphas[j] = alpha;
            bool last = j == bits - 1;
            alpha = (float)(GreedyPass(xs, j == 0 ? xs : residual, residual, code, j, alphas[j], lastValid, gather: last && cycles > 0, bits, ref stats) / n);
        }

        for (int cycle = 0; cycle < cycles; cycle++)
        {
            stats.Fill(gram.Slice(0, bits * bits), rhs.Slice(0, bits), bits, n, total);
            Solve(gram.Slice(0, bits * bits), rhs.Slice(0, bits), bits, alphas);
            SortedSums(alphas.Slice(0, bits), sums.Slice(0, 1 << bits), order.Slice(0, 1 << bits));
            bool final = cycle == cycles - 1;
            stats = default;
            SearchPass(xs, code, sums.Slice(0, 1 << bits), order.Slice(0, 1 << bits), lastValid, gather: !final, bits, ref stats, final ? residual : default);
        }

        if (cycles == 0)
        {
            SortedSums(alphas.Slice(0, bits), sums.Slice(0, 1 << bits), order.Slice(0, 1 << bits));
            Span<float> table = stackalloc float[1 << bits];
            for (int k = 0; k < table.Length; k++)
            {
                table[order[k]] = sums[k];
            }

            ReconstructVector(code, table, residual);
        }

        if (!whole)
        {
            residual.Slice(0, n).CopyTo(reconstruction);
        }

        if (!codes.IsEmpty)
        {
            code.Slice(0, n).CopyTo(codes);
        }

        GC.KeepAlive(rentedFloats);
        GC.KeepAlive(rentedBytes);
        return true;
    }

    /// <summary>What one least-squares step needs from the codes: per bit, the sum of x where it is set; per
    /// pair of bits, the count of values where they differ (exact integers).</summary>
    private struct Statistics
    {
        public Vector512<float> Set0, Set1, Set2, Set3;
        public Vector512<int> Differ01, Differ02, Differ03, Differ12, Differ13, Differ23;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Gather(Vector512<float> x, Vector512<int> c, Vector512<int> valid, int bits)
        {
            Vector512<int> one = Vector512<int>.One;
            Vector512<int> b0 = c & one, b1 = (c >>> 1) & one, b2 = (c >>> 2) & one, b3 = (c >>> 3) & one;
            Set0 += Vector512.ConditionalSelect(Vector512.Equals(b0, one).AsSingle(), x, Vector512<float>.Zero);
            if (bits < 2)
            {
                return;
            }

            Set1 += Vector512.ConditionalSelect(Vector512.Equals(b1, one).AsSingle(), x, Vector512<float>.Zero);
            Differ01 += (b0 ^ b1) & valid;
            if (bits < 3)
            {
                return;
            }

            Set2 += Vector512.ConditionalSelect(Vector512.Equals(b2, one).AsSingle(), x, Vector512<float>.Zero);
            Differ02 += (b0 ^ b2) & valid;
            Differ12 += (b1 ^ b2) & valid;
            if (bits < 4)
            {
                return;
            }

            Set3 += Vector512.ConditionalSelect(Vector512.Equals(b3, one).AsSingle(), x, Vector512<float>.Zero);
            Differ03 += (b0 ^ b3) & valid;
            Differ13 += (b1 ^ b3) & valid;
            Differ23 += (b2 ^ b3) & valid;
        }

        /// <summary>(B^T B) and B^T x for b in {-1, +1}: B^T B = n on the diagonal and n - 2 * differ off it;
        /// (B^T x)_a = 2 * (sum of x where bit a is set) - sum x.</summary>
        public readonly void Fill(Span<double> gram, Span<double> rhs, int bits, int n, double total)
        {
            for (int a = 0; a < bits; a++)
            {
                rhs[a] = 2 * Total(a switch { 0 => Set0, 1 => Set1, 2 => Set2, _ => Set3 }) - total;
                gram[a * bits + a] = n;
                for (int b = a + 1; b < bits; b++)
                {
                    Vector512<int> differ = (a, b) switch
                    {
                        (0, 1) => Differ01,
                        (0, 2) => Differ02,
                        (0, 3) => Differ03,
                        (1, 2) => Differ12,
                        (1, 3) => Differ13,
                        _ => Differ23,
                    };
                    double value = n - 2.0 * Vector512.Sum(differ);
                    gram[a * bits + b] = value;
                    gram[b * bits + a] = value;
                }
            }
        }
    }

    /// <summary>Sum of 16 float lanes in double.</summary>
    private static double Total(Vector512<float> lanes)
    {
        (Vector512<double> low, Vector512<double> high) = Vector512.Widen(lanes);
        return Vector512.Sum(low + high);
    }

    private static double TotalAndAbs(ReadOnlySpan<float> xs, out double absolute)
    {
        ref float x = ref MemoryMarshal.GetReference(xs);
        Vector512<float> sum = Vector512<float>.Zero, abs = sum;
        for (int i = 0; i < xs.Length; i += 16)
        {
            Vector512<float> v = Vector512.LoadUnsafe(ref x, (nuint)i);
            sum += v;
            abs += Vector512.Abs(v);
        }

        absolute = Total(abs);
        return Total(sum);
    }

    /// <summary>One greedy step over <paramref name="from"/> (x for the first step, the residual after): bit j
    /// where r >= 0, r -= +-alpha into <paramref name="residual"/>; returns the sum of the new |r| over the real
    /// values (the next step's alpha times n). With <paramref name="gather"/>, the codes are final after this
    /// step and their statistics over <paramref name="xs"/> are gathered.</summary>
    private static double GreedyPass(ReadOnlySpan<float> xs, ReadOnlySpan<float> from, Span<float> residual, Span<byte> code, int j, float alpha, Vector512<int> lastValid, bool gather, int bits, ref Statistics stats)
    {
        ref float x = ref MemoryMarshal.GetReference(xs);
        ref float source = ref MemoryMarshal.GetReference(from);
        ref float r = ref MemoryMarshal.GetReference(residual);
        ref byte c = ref MemoryMarshal.GetReference(code);
        Vector512<float> plus = Vector512.Create(alpha), minus = Vector512.Create(-alpha);
        Vector512<int> bit = Vector512.Create(1 << j);
        Vector512<float> abs = Vector512<float>.Zero;
        int lastStart = residual.Length - 16;
        for (int i = 0; i < residual.Length; i += 16)
        {
            Vector512<int> valid = i == lastStart ? lastValid : Vector512<int>.AllBitsSet;
            Vector512<float> v = Vector512.LoadUnsafe(ref source, (nuint)i);
            // sign(0) = +1 (-0 too), as in the reference.
            Vector512<float> positive = Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero);
            Vector512<float> next = (v - Vector512.ConditionalSelect(positive, plus, minus)) & valid.AsSingle();
            next.StoreUnsafe(ref r, (nuint)i);
            abs += Vector512.Abs(next);
            Vector512<int> codes = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref c, (nuint)i)) | (positive.AsInt32() & bit);
            Avx512F.ConvertToVector128Byte(codes).StoreUnsafe(ref c, (nuint)i);
            if (gather)
            {
                stats.Gather(Vector512.LoadUnsafe(ref x, (nuint)i), codes, valid, bits);
            }
        }

        return Total(abs);
    }

    /// <summary>The code search for fixed alphas (the nearest of the sorted sums; ties to the larger, as in the
    /// reference); gathers the new codes' statistics, or, on the last cycle, writes the reconstruction.</summary>
    private static void SearchPass(ReadOnlySpan<float> xs, Span<byte> code, ReadOnlySpan<float> sums, ReadOnlySpan<byte> order, Vector512<int> lastValid, bool gather, int bits, ref Statistics stats, Span<float> reconstruction)
    {
        var search = new NearestSum512(sums, order);
        ref float x = ref MemoryMarshal.GetReference(xs);
        ref byte c = ref MemoryMarshal.GetReference(code);
        ref float y = ref MemoryMarshal.GetReference(reconstruction);
        bool write = !reconstruction.IsEmpty;
        int lastStart = xs.Length - 16;
        for (int i = 0; i < xs.Length; i += 16)
        {
            Vector512<float> v = Vector512.LoadUnsafe(ref x, (nuint)i);
            Vector512<int> best = search.Best(v);
            Vector512<int> codes = search.Code(best);
            Avx512F.ConvertToVector128Byte(codes).StoreUnsafe(ref c, (nuint)i);
            if (write)
            {
                // The sorted sums are the values Value(code) computes, so this is the reconstruction.
                search.Value(best).StoreUnsafe(ref y, (nuint)i);
            }

            if (gather)
            {
                stats.Gather(v, codes, i == lastStart ? lastValid : Vector512<int>.AllBitsSet, bits);
            }
        }
    }
}
