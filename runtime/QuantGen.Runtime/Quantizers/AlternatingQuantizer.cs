using System;
using System.Runtime.CompilerServices;

namespace QuantGen.Runtime;

/// <summary>
/// Alternating multi-bit quantization (Xu et al., "Alternating Multi-bit Quantization for Recurrent
/// Neural Networks", ICLR 2018): x ~ sum_j alpha_j b_j with b_j in {-1, +1}^n.
/// Greedy start (b_j = sign(r), alpha_j = mean |r|, r -= alpha_j b_j), then <c>cycles</c> rounds of
/// (1) least-squares alphas for the fixed codes and (2) for each element the nearest of the 2^k sums
/// for the fixed alphas (a binary search over the sorted sums, the paper's binary search tree).
/// Each step can only lower the squared error. Scalar and branch-free (on random data every sign test
/// and search step would mispredict half the time): weights are coded with it by the quantizer,
/// activations at run time by the generated code and by the reference interpreter alike, so the
/// codes agree exactly. Sums run in double over four independent chains; the Gram matrix is exact.
/// </summary>
public static partial class AlternatingQuantizer
{
    /// <summary>
    /// Codes <paramref name="x"/>. Writes the k alphas, the reconstruction (may alias nothing; may be x's
    /// own storage only if x is not needed after), and, when <paramref name="codes"/> is not empty, each
    /// element's code: bit j set when b_j = +1. Bytes of <paramref name="codes"/> past x.Length may be
    /// overwritten (the vector path works in place there when they reach a multiple of 16).
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes)
    {
        if (!QuantizeFused(x, bits, cycles, alphas, reconstruction, codes, out bool overflowed))
        {
            // Past an overflow of the vector sums (the fused path's, or the ARM64 passes' here), the scalar passes alone:
            // their sums are in double.
            QuantizeScalar(x, bits, cycles, alphas, reconstruction, codes, vectors: !overflowed);
            if (!overflowed && !AllFinite(alphas.Slice(0, bits)))
            {
                QuantizeScalar(x, bits, cycles, alphas, reconstruction, codes, vectors: false);
            }
        }
    }

    /// <summary>
    /// Codes <paramref name="x"/> as <see cref="Quantize"/> does where x is all finite and the fused path runs (AVX2 or
    /// AVX-512, up to 4 bits, at least 16 values); otherwise returns false, with the outputs to be overwritten: the caller
    /// then zeroes the non-finite values and calls <see cref="Quantize"/>. Run-time coding saves that copy (a pass over x
    /// before each coding) where, as almost always, there is nothing to zero: the first pass's sum of |x| is finite exactly
    /// when every value is (or a float lane overflowed, which the full path handles).
    /// </summary>
    internal static bool TryQuantizeFinite(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes) =>
        QuantizeFused(x, bits, cycles, alphas, reconstruction, codes, out _);

    /// <summary>
    /// Codes <paramref name="x"/> as <see cref="Quantize"/> does, on the scalar path only: the same bits on every
    /// machine. The vector paths add in float lanes of the width the CPU has, so their alphas (and through them
    /// some codes) depend on the machine; a description made offline (weights, calibration) must not.
    /// </summary>
    public static void QuantizePortable(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes) =>
        QuantizeScalar(x, bits, cycles, alphas, reconstruction, codes, vectors: false);

    /// <summary>The reference: one pass per step, as the paper describes the algorithm. The fused vector path
    /// (AlternatingQuantizer.Fused.cs) is tested against it. With <paramref name="vectors"/> false no pass takes a
    /// vector path, so the result does not depend on the machine.</summary>
    internal static void QuantizeScalar(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes, bool vectors = true)
    {
        int n = x.Length;
        int combos = 1 << bits;
        Span<float> sums = stackalloc float[combos];
        Span<byte> order = stackalloc byte[combos];
        Span<double> gram = stackalloc double[bits * bits];
        Span<double> rhs = stackalloc double[bits];

        // Greedy start. The residual lives in the reconstruction buffer while the codes are being made.
        Span<float> residual = reconstruction.Slice(0, n);
        x.CopyTo(residual);
        byte[]? rented = null;
        Span<byte> code = codes.IsEmpty ? (n <= 4096 ? stackalloc byte[n] : (rented = new byte[n])) : codes.Slice(0, n);
        code.Clear();
        for (int j = 0; j < bits; j++)
        {
            float alpha = n == 0 ? 0f : (float)(SumAbs(residual, vectors) / n);
            alphas[j] = alpha;
            for (int i = vectors ? GreedyStepVector(residual, code, j, alpha) : 0; i < n; i++)
            {
                // sign(0) = +1, as the paper's code does (-0 too: -0 >= 0). Branch-free: on random data a
                // branch here mispredicts half the time; r - (-alpha) is exactly r + alpha.
                float r = residual[i];
                int negative = r >= 0f ? 0 : 1;
                code[i] |= (byte)((negative ^ 1) << j);
                residual[i] = r - BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(alpha) ^ (negative << 31));
            }
        }

        for (int cycle = 0; cycle < cycles; cycle++)
        {
            SolveAlphas(x, code, bits, alphas, gram, rhs, vectors);
            AssignCodes(x, code, bits, alphas, sums, order, vectors);
        }

        Reconstruct(code, bits, alphas, reconstruction.Slice(0, n), vectors);
        GC.KeepAlive(rented);
    }

    /// <summary>
    /// The least-squares alphas for fixed codes (planes 0 .. bits - 1 of <paramref name="codes"/>), as
    /// one alternating half-step does; a singular system keeps <paramref name="alphas"/> as they are.
    /// Scalar sums only, so the alphas are the same on every machine (its callers code weights offline).
    /// </summary>
    public static void FitAlphas(ReadOnlySpan<float> x, ReadOnlySpan<byte> codes, int bits, Span<float> alphas)
    {
        Span<double> gram = stackalloc double[bits * bits];
        Span<double> rhs = stackalloc double[bits];
        SolveAlphas(x, codes, bits, alphas, gram, rhs, vectors: false);
    }

    /// <summary>
    /// Whether every value is finite. The input is finite (the callers zero NaN and infinities), but a float lane of a
    /// vector sum adds every Count-th value: values near float.MaxValue (1e38 and -3.4e38 among 23 values, in a test)
    /// overflow a lane at 8 lanes where 16 did not, and the double sums of the scalar passes do not. A non-finite alpha
    /// (or least-squares right-hand side) is that overflow, and the coding is left to the scalar passes.
    /// </summary>
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The value sum_j alpha_j b_j that a code stands for.</summary>
    public static float Value(byte code, ReadOnlySpan<float> alphas)
    {
        float v = 0f;
        for (int j = 0; j < alphas.Length; j++)
        {
            v += (code >> j & 1) != 0 ? alphas[j] : -alphas[j];
        }

        return v;
    }

    /// <summary>Squared error sum (x - reconstruction)^2, in double.</summary>
    public static double SquaredError(ReadOnlySpan<float> x, ReadOnlySpan<byte> codes, ReadOnlySpan<float> alphas)
    {
        double error = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double d = x[i] - (double)Value(codes[i], alphas);
            error += d * d;
        }

        return error;
    }

    /// <summary>Sum of |v| in double, four independent chains.</summary>
    private static double SumAbs(ReadOnlySpan<float> v, bool vectors)
    {
        double s0 = 0;
        int i = vectors ? SumVector(v, default, -1, absolute: true, out s0) : 0;
        double s1 = 0, s2 = 0, s3 = 0;
        for (; i + 4 <= v.Length; i += 4)
        {
            s0 += Math.Abs(v[i]);
            s1 += Math.Abs(v[i + 1]);
            s2 += Math.Abs(v[i + 2]);
            s3 += Math.Abs(v[i + 3]);
        }

        for (; i < v.Length; i++)
        {
            s0 += Math.Abs(v[i]);
        }

        return (s0 + s1) + (s2 + s3);
    }

    private static double Sum(ReadOnlySpan<float> v, bool vectors)
    {
        double s0 = 0;
        int i = vectors ? SumVector(v, default, -1, absolute: false, out s0) : 0;
        double s1 = 0, s2 = 0, s3 = 0;
        for (; i + 4 <= v.Length; i += 4)
        {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }

        for (; i < v.Length; i++)
        {
            s0 += v[i];
        }

        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Sum of x[i] over the i whose code has bit <paramref name="bit"/> set, in double, branch-free.</summary>
    private static double SumWhereBit(ReadOnlySpan<float> x, ReadOnlySpan<byte> code, int bit, bool vectors)
    {
        double s0 = 0;
        int i = vectors ? SumVector(x, code, bit, absolute: false, out s0) : 0;
        double s1 = 0, s2 = 0, s3 = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            s0 += x[i] * (double)(code[i] >> bit & 1);
            s1 += x[i + 1] * (double)(code[i + 1] >> bit & 1);
            s2 += x[i + 2] * (double)(code[i + 2] >> bit & 1);
            s3 += x[i + 3] * (double)(code[i + 3] >> bit & 1);
        }

        for (; i < x.Length; i++)
        {
            s0 += x[i] * (double)(code[i] >> bit & 1);
        }

        return (s0 + s1) + (s2 + s3);
    }

    private static void Reconstruct(ReadOnlySpan<byte> code, int bits, ReadOnlySpan<float> alphas, Span<float> y, bool vectors)
    {
        Span<float> table = stackalloc float[1 << bits];
        for (int m = 0; m < table.Length; m++)
        {
            table[m] = Value((byte)m, alphas);
        }

        for (int i = vectors ? ReconstructVector(code, table, y) : 0; i < y.Length; i++)
        {
            y[i] = table[code[i]];
        }
    }

    /// <summary>Least squares for fixed codes: (B^T B) alpha = B^T x, by Gaussian elimination in double.
    /// A singular system (codes that are equal or opposite) keeps the current alphas, which cannot raise the error.</summary>
    private static void SolveAlphas(ReadOnlySpan<float> x, ReadOnlySpan<byte> code, int bits, Span<float> alphas, Span<double> gram, Span<double> rhs, bool vectors)
    {
        gram.Clear();
        rhs.Clear();
        // The Gram matrix from a histogram of the codes (integer sums: exact in any order), and
        // B^T x as 2 * (sum of x where bit a is set) - sum x, with four independent accumulators.
        Span<int> histogram = stackalloc int[1 << bits];
        histogram.Clear();
        foreach (byte m in code.Slice(0, x.Length))
        {
            histogram[m]++;
        }

        for (int m = 0; m < histogram.Length; m++)
        {
            for (int a = 0; a < bits; a++)
            {
                for (int b = 0; b < bits; b++)
                {
                    gram[a * bits + b] += ((m >> a ^ m >> b) & 1) == 0 ? histogram[m] : -histogram[m];
                }
            }
        }

        double total = Sum(x, vectors);
        for (int a = 0; a < bits; a++)
        {
            rhs[a] = 2 * SumWhereBit(x, code, a, vectors) - total;
        }

        Solve(gram, rhs, bits, alphas);
    }

    /// <summary>Solves gram * alpha = rhs (both destroyed) by Gaussian elimination with partial pivoting; a singular
    /// system (codes that are equal or opposite) keeps <paramref name="alphas"/> as they are.</summary>
    private static void Solve(Span<double> gram, Span<double> rhs, int bits, Span<float> alphas)
    {
        if (bits <= 3)
        {
            // Run-time coding solves a system of 1 to 3 unknowns per cycle: the same steps, unrolled in locals
            // (AlternatingQuantizer.Small.cs).
            if (bits == 3)
            {
                Solve3(gram, rhs, alphas);
            }
            else
            {
                SolveSmall(gram, rhs, bits, alphas);
            }

            return;
        }

        SolveGeneral(gram, rhs, bits, alphas);
    }

    /// <summary><see cref="Solve"/> for any size, the loops the unrolled forms follow step for step.</summary>
    internal static void SolveGeneral(Span<double> gram, Span<double> rhs, int bits, Span<float> alphas)
    {
        // Forward elimination with partial pivoting.
        for (int col = 0; col < bits; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < bits; r++)
            {
                if (Math.Abs(gram[r * bits + col]) > Math.Abs(gram[pivot * bits + col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(gram[pivot * bits + col]) < 0.5)
            {
                // The Gram matrix holds integers, so a pivot below 1/2 is a zero: singular.
                return;
            }

            if (pivot != col)
            {
                for (int k = 0; k < bits; k++)
                {
                    (gram[col * bits + k], gram[pivot * bits + k]) = (gram[pivot * bits + k], gram[col * bits + k]);
                }

                (rhs[col], rhs[pivot]) = (rhs[pivot], rhs[col]);
            }

            for (int r = col + 1; r < bits; r++)
            {
                double f = gram[r * bits + col] / gram[col * bits + col];
                for (int k = col; k < bits; k++)
                {
                    gram[r * bits + k] -= f * gram[col * bits + k];
                }

                rhs[r] -= f * rhs[col];
            }
        }

        Span<double> solution = stackalloc double[bits];
        for (int r = bits - 1; r >= 0; r--)
        {
            double s = rhs[r];
            for (int k = r + 1; k < bits; k++)
            {
                s -= gram[r * bits + k] * solution[k];
            }

            solution[r] = s / gram[r * bits + r];
        }

        for (int j = 0; j < bits; j++)
        {
            alphas[j] = (float)solution[j];
        }
    }

    /// <summary>The 2^bits sums sum_j alpha_j b_j in ascending order, each with its code; stable, so equal sums keep
    /// the lower code first.</summary>
    private static void SortedSums(ReadOnlySpan<float> alphas, Span<float> sums, Span<byte> order)
    {
        if (alphas.Length == 2)
        {
            SortedSums2(alphas[0], alphas[1], sums, order);
            return;
        }

        if (alphas.Length == 3)
        {
            SortedSums3(alphas[0], alphas[1], alphas[2], sums, order);
            return;
        }

        SortedSumsGeneral(alphas, sums, order);
    }

    /// <summary><see cref="SortedSums"/> for any bit count: the doubling, then an insertion sort.</summary>
    internal static void SortedSumsGeneral(ReadOnlySpan<float> alphas, Span<float> sums, Span<byte> order)
    {
        int combos = sums.Length;
        // Value(m) for every m by doubling: the codes below 2^j hold the sums of their first j terms, and bit j adds
        // +alpha_j or -alpha_j to each, the same additions in the same order as Value makes.
        sums[0] = 0f;
        for (int j = 0; j < alphas.Length; j++)
        {
            float alpha = alphas[j];
            for (int m = 0; m < 1 << j; m++)
            {
                sums[m | 1 << j] = sums[m] + alpha;
                sums[m] += -alpha;
            }
        }

        for (int m = 0; m < combos; m++)
        {
            order[m] = (byte)m;
        }

        // Insertion sort of at most 256 values.
        for (int a = 1; a < combos; a++)
        {
            float key = sums[a];
            byte keyCode = order[a];
            int b = a - 1;
            while (b >= 0 && sums[b] > key)
            {
                sums[b + 1] = sums[b];
                order[b + 1] = order[b];
                b--;
            }

            sums[b + 1] = key;
            order[b + 1] = keyCode;
        }
    }

    /// <summary>For fixed alphas, each element takes the code whose value is nearest (ties: the larger value, as the
    /// official code's search does: an exact 0 between -a and +a takes +a).</summary>
    private static void AssignCodes(ReadOnlySpan<float> x, Span<byte> code, int bits, ReadOnlySpan<float> alphas, Span<float> sums, Span<byte> order, bool vectors)
    {
        int combos = 1 << bits;
        SortedSums(alphas, sums, order);
        for (int i = vectors ? AssignCodesVector(x, code, sums, order) : 0; i < x.Length; i++)
        {
            float v = x[i];
            // The first sum >= v (a branch-free binary search: combos is a power of two), then the nearer
            // of it and the one before; ties go to the larger value.
            int lo = 0;
            for (int step = combos >> 1; step > 0; step >>= 1)
            {
                lo += sums[lo + step - 1] < v ? step : 0;
            }

            int below = lo == 0 ? 0 : lo - 1;
            int above = lo == combos ? combos - 1 : lo;
            int best = v - sums[below] < sums[above] - v ? below : above;
            code[i] = order[best];
        }
    }
}
