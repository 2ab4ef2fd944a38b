using System;

namespace QuantGen.Runtime;

/// <summary>
/// Alternating multi-bit quantization (Xu et al., "Alternating Multi-bit Quantization for Recurrent
/// Neural Networks", ICLR 2018): x ~ sum_j alpha_j b_j with b_j in {-1, +1}^n.
/// Greedy start (b_j = sign(r), alpha_j = mean |r|, r -= alpha_j b_j), then <c>cycles</c> rounds of
/// (1) least-squares alphas for the fixed codes and (2) for each element the nearest of the 2^k sums
/// for the fixed alphas (a binary search over the sorted sums, the paper's binary search tree).
/// Each step can only lower the squared error. Scalar and plain: weights are coded with it by the
/// quantizer, activations at run time, and it is the reference for faster versions.
/// </summary>
public static class AlternatingQuantizer
{
    /// <summary>
    /// Codes <paramref name="x"/>. Writes the k alphas, the reconstruction (may alias nothing; may be x's
    /// own storage only if x is not needed after), and, when <paramref name="codes"/> is not empty, each
    /// element's code: bit j set when b_j = +1.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes)
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
            double meanAbs = 0;
            for (int i = 0; i < n; i++)
            {
                meanAbs += Math.Abs(residual[i]);
            }

            float alpha = n == 0 ? 0f : (float)(meanAbs / n);
            alphas[j] = alpha;
            for (int i = 0; i < n; i++)
            {
                // sign(0) = +1, as the paper's code does.
                if (residual[i] >= 0f)
                {
                    code[i] |= (byte)(1 << j);
                    residual[i] -= alpha;
                }
                else
                {
                    residual[i] += alpha;
                }
            }
        }

        for (int cycle = 0; cycle < cycles; cycle++)
        {
            SolveAlphas(x, code, bits, alphas, gram, rhs);
            AssignCodes(x, code, bits, alphas, sums, order);
        }

        Reconstruct(code, bits, alphas, reconstruction.Slice(0, n));
        GC.KeepAlive(rented);
    }

    /// <summary>
    /// The least-squares alphas for fixed codes (planes 0 .. bits - 1 of <paramref name="codes"/>), as
    /// one alternating half-step does; a singular system keeps <paramref name="alphas"/> as they are.
    /// </summary>
    public static void FitAlphas(ReadOnlySpan<float> x, ReadOnlySpan<byte> codes, int bits, Span<float> alphas)
    {
        Span<double> gram = stackalloc double[bits * bits];
        Span<double> rhs = stackalloc double[bits];
        SolveAlphas(x, codes, bits, alphas, gram, rhs);
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

    private static void Reconstruct(ReadOnlySpan<byte> code, int bits, ReadOnlySpan<float> alphas, Span<float> y)
    {
        Span<float> table = stackalloc float[1 << bits];
        for (int m = 0; m < table.Length; m++)
        {
            table[m] = Value((byte)m, alphas);
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = table[code[i]];
        }
    }

    /// <summary>Least squares for fixed codes: (B^T B) alpha = B^T x, by Gaussian elimination in double.
    /// A singular system (codes that are equal or opposite) keeps the current alphas, which cannot raise the error.</summary>
    private static void SolveAlphas(ReadOnlySpan<float> x, ReadOnlySpan<byte> code, int bits, Span<float> alphas, Span<double> gram, Span<double> rhs)
    {
        gram.Clear();
        rhs.Clear();
        for (int i = 0; i < x.Length; i++)
        {
            byte m = code[i];
            for (int a = 0; a < bits; a++)
            {
                double sa = (m >> a & 1) != 0 ? 1.0 : -1.0;
                rhs[a] += sa * x[i];
                for (int b = 0; b < bits; b++)
                {
                    gram[a * bits + b] += (m >> b & 1) != 0 ? sa : -sa;
                }
            }
        }

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

    /// <summary>For fixed alphas, each element takes the code whose value is nearest (ties: the smaller value).</summary>
    private static void AssignCodes(ReadOnlySpan<float> x, Span<byte> code, int bits, ReadOnlySpan<float> alphas, Span<float> sums, Span<byte> order)
    {
        int combos = 1 << bits;
        for (int m = 0; m < combos; m++)
        {
            order[m] = (byte)m;
            sums[m] = Value((byte)m, alphas);
        }

        // Insertion sort of at most 256 values, stable so equal sums keep the lower code first.
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

        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            // The first sum >= v, then the nearer of it and the one before.
            int lo = 0, hi = combos;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (sums[mid] < v)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            int best;
            if (lo == 0)
            {
                best = 0;
            }
            else if (lo == combos)
            {
                best = combos - 1;
            }
            else
            {
                best = v - sums[lo - 1] <= sums[lo] - v ? lo - 1 : lo;
            }

            code[i] = order[best];
        }
    }
}
