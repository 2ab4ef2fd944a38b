using System;
using QuantGen.Runtime;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// An offline multi-bit coder that gets much closer to the least squared error than the paper's two alternating
/// cycles. The 2^k sums +-alpha_1 +- ... +- alpha_k are symmetric, so coding x is coding |x| with the 2^(k-1)
/// non-negative sums (x &lt; 0 takes the complement code), and the nearest-sum rule cuts the sorted |x| into
/// contiguous groups, one per sum. For fixed groups the best alphas are a k x k least-squares problem over the
/// groups' counts and sums, so a cut can be moved to every position between its neighbours and scored exactly
/// in O(k^3) from prefix sums. From each start (the paper's result: greedy start, two cycles; and a few geometric
/// alphas r^j, the uniform grid among them) the coder alternates (a) alternating cycles until they stop improving and
/// (b) a sweep that moves each cut to its best position, until neither improves, and keeps the best result of all
/// starts. Only improvements are kept, so the result is never worse than the paper's.
/// At 2 bits there is one cut and the sweep tries every position: the result is the least squared error.
/// Scalar arithmetic only (the result does not depend on the machine).
/// </summary>
public static class MultiBitSplitSearch
{
    private const int MaxRounds = 50;

    /// <summary>Ratios r of the extra starts alpha_j = r^j (before least squares): r = 1/2 is the uniform grid's
    /// alphas (4, 2, 1 at 3 bits); the others let the search leave the basin the paper's greedy start falls in.</summary>
    private static readonly double[] StartRatios = [0.25, 0.4, 0.5, 0.6, 0.75];

    /// <summary>Codes <paramref name="x"/> with <paramref name="bits"/> binary planes: k alphas and one code per value (bit j set: b_j = +1).</summary>
    public static void Code(ReadOnlySpan<float> x, int bits, Span<float> alphas, Span<byte> codes)
    {
        int n = x.Length;
        AlternatingQuantizer.QuantizePortable(x, bits, MultiBitWeights.DefaultCycles, alphas, new float[n], codes);
        if (n == 0 || bits < 2)
        {
            // One bit: sign and mean |x| are already the least squared error.
            return;
        }

        var sorted = new Sorted(x);
        double best = Improve(x, bits, sorted, alphas, codes);
        var startAlphas = new float[bits];
        var startCodes = new byte[n];
        double scale = Math.Sqrt(sorted.Squares / n);
        foreach (double ratio in StartRatios)
        {
            for (int j = 0; j < bits; j++)
            {
                startAlphas[j] = (float)(scale * Math.Pow(ratio, j));
            }

            Nearest(x, startAlphas, startCodes);
            AlternatingQuantizer.FitAlphas(x, startCodes, bits, startAlphas);
            Nearest(x, startAlphas, startCodes);
            double error = Improve(x, bits, sorted, startAlphas, startCodes);
            if (error < best)
            {
                best = error;
                startAlphas.CopyTo(alphas);
                startCodes.CopyTo(codes);
            }
        }
    }

    /// <summary>|x| in ascending order with the index of each value, prefix sums of |x| and the sum of x^2.</summary>
    private sealed class Sorted
    {
        public Sorted(ReadOnlySpan<float> x)
        {
            int n = x.Length;
            Order = new int[n];
            var magnitude = new double[n];
            for (int i = 0; i < n; i++)
            {
                Order[i] = i;
                magnitude[i] = Math.Abs((double)x[i]);
            }

            Array.Sort(magnitude, Order);
            Prefix = new double[n + 1];
            for (int i = 0; i < n; i++)
            {
                Prefix[i + 1] = Prefix[i] + magnitude[i];
                Squares += magnitude[i] * magnitude[i];
            }
        }

        public int[] Order { get; }

        public double[] Prefix { get; }

        public double Squares { get; }
    }

    /// <summary>From the given alphas and codes, alternating cycles and cut sweeps while either lowers the error; leaves the best in place and returns its error.</summary>
    private static double Improve(ReadOnlySpan<float> x, int bits, Sorted sorted, Span<float> alphas, Span<byte> codes)
    {
        int n = x.Length;
        double best = AlternatingQuantizer.SquaredError(x, codes, alphas);
        var trialAlphas = new float[bits];
        var trialCodes = new byte[n];
        alphas.CopyTo(trialAlphas);
        codes.CopyTo(trialCodes);
        for (int round = 0; round < MaxRounds; round++)
        {
            bool improved = false;
            // (a) Alternating cycles from the current codes.
            for (int cycle = 0; cycle < MaxRounds; cycle++)
            {
                AlternatingQuantizer.FitAlphas(x, trialCodes, bits, trialAlphas);
                Nearest(x, trialAlphas, trialCodes);
                double error = AlternatingQuantizer.SquaredError(x, trialCodes, trialAlphas);
                if (!(error < best * (1 - 1e-12)))
                {
                    break;
                }

                Keep(error, trialAlphas, trialCodes, ref best, alphas, codes);
                improved = true;
            }

            // (b) Every cut to its best position.
            alphas.CopyTo(trialAlphas);
            if (SweepCuts(x, bits, sorted.Order, sorted.Prefix, sorted.Squares, trialAlphas, trialCodes))
            {
                double error = AlternatingQuantizer.SquaredError(x, trialCodes, trialAlphas);
                if (error < best * (1 - 1e-12))
                {
                    Keep(error, trialAlphas, trialCodes, ref best, alphas, codes);
                    improved = true;
                }
            }

            if (!improved)
            {
                break;
            }

            alphas.CopyTo(trialAlphas);
            codes.CopyTo(trialCodes);
        }

        return best;
    }

    private static void Keep(double error, float[] trialAlphas, byte[] trialCodes, ref double best, Span<float> alphas, Span<byte> codes)
    {
        best = error;
        trialAlphas.CopyTo(alphas);
        trialCodes.AsSpan(0, codes.Length).CopyTo(codes);
    }

    /// <summary>Each value's nearest sum for fixed alphas (ties to the larger sum, as the runtime's search).</summary>
    private static void Nearest(ReadOnlySpan<float> x, ReadOnlySpan<float> alphas, Span<byte> codes)
    {
        int combos = 1 << alphas.Length;
        Span<float> values = stackalloc float[combos];
        for (int m = 0; m < combos; m++)
        {
            values[m] = AlternatingQuantizer.Value((byte)m, alphas);
        }

        for (int i = 0; i < x.Length; i++)
        {
            int bestCode = 0;
            float bestDistance = float.PositiveInfinity, bestValue = float.NegativeInfinity;
            for (int m = 0; m < combos; m++)
            {
                float d = Math.Abs(x[i] - values[m]);
                if (d < bestDistance || (d == bestDistance && values[m] > bestValue))
                {
                    (bestCode, bestDistance, bestValue) = (m, d, values[m]);
                }
            }

            codes[i] = (byte)bestCode;
        }
    }

    /// <summary>
    /// Groups the sorted |x| by the current non-negative sums, moves each cut to the position of least error (the
    /// least-squares alphas of each candidate scored exactly), and writes the alphas and codes of the best cuts.
    /// False when the groups cannot be scored (a singular system at the start).
    /// </summary>
    private static bool SweepCuts(ReadOnlySpan<float> x, int bits, int[] order, double[] prefix, double squares, float[] alphas, byte[] codes)
    {
        int n = x.Length;
        int groups = 1 << (bits - 1);
        // The non-negative member of each pair of opposite codes, ascending by value.
        var patterns = new byte[groups];
        var values = new double[groups];
        for (int g = 0, m = 0; m < 1 << bits && g < groups; m++)
        {
            float v = AlternatingQuantizer.Value((byte)m, alphas);
            if (v > 0 || (v == 0 && (m & 1) == 1))
            {
                patterns[g] = (byte)m;
                values[g++] = v;
            }
        }

        Array.Sort(values, patterns);
        // cuts[g] = the first sorted position of group g (cuts[0] = 0, cuts[groups] = n), by nearest value.
        var cuts = new int[groups + 1];
        cuts[groups] = n;
        for (int g = 1, i = 0; g < groups; g++)
        {
            double boundary = 0.5 * (values[g - 1] + values[g]);
            while (i < n && Math.Abs((double)x[order[i]]) < boundary)
            {
                i++;
            }

            cuts[g] = i;
        }

        var solution = new double[bits];
        if (!Score(cuts, patterns, prefix, squares, bits, solution, out double current))
        {
            return false;
        }

        for (int sweep = 0; sweep < MaxRounds; sweep++)
        {
            bool moved = false;
            for (int g = 1; g < groups; g++)
            {
                int keep = cuts[g], bestCut = keep;
                for (int c = cuts[g - 1]; c <= cuts[g + 1]; c++)
                {
                    cuts[g] = c;
                    if (Score(cuts, patterns, prefix, squares, bits, solution, out double error) && error < current * (1 - 1e-12))
                    {
                        (current, bestCut) = (error, c);
                    }
                }

                cuts[g] = bestCut;
                moved |= bestCut != keep;
            }

            if (!moved)
            {
                break;
            }
        }

        Score(cuts, patterns, prefix, squares, bits, solution, out _);
        for (int j = 0; j < bits; j++)
        {
            alphas[j] = (float)solution[j];
        }

        for (int g = 0; g < groups; g++)
        {
            for (int s = cuts[g]; s < cuts[g + 1]; s++)
            {
                int i = order[s];
                codes[i] = x[i] >= 0f ? patterns[g] : (byte)(~patterns[g] & ((1 << bits) - 1));
            }
        }

        return true;
    }

    /// <summary>
    /// The least squared error of the folded problem for fixed groups: sum |x|^2 - r^T G^-1 r with G = sum_g N_g p_g p_g^T
    /// and r = sum_g S_g p_g (p_g the +-1 pattern of group g), and the alphas that reach it. False when G is singular.
    /// </summary>
    private static bool Score(int[] cuts, byte[] patterns, double[] prefix, double squares, int bits, double[] solution, out double error)
    {
        Span<double> gram = stackalloc double[bits * bits];
        Span<double> rhs = stackalloc double[bits];
        gram.Clear();
        rhs.Clear();
        for (int g = 0; g < patterns.Length; g++)
        {
            int count = cuts[g + 1] - cuts[g];
            double sum = prefix[cuts[g + 1]] - prefix[cuts[g]];
            for (int a = 0; a < bits; a++)
            {
                double pa = (patterns[g] >> a & 1) != 0 ? 1 : -1;
                rhs[a] += sum * pa;
                for (int b = 0; b < bits; b++)
                {
                    gram[a * bits + b] += count * pa * ((patterns[g] >> b & 1) != 0 ? 1 : -1);
                }
            }
        }

        // Cholesky: G is symmetric positive semi-definite (a sum of outer products).
        Span<double> l = stackalloc double[bits * bits];
        l.Clear();
        for (int a = 0; a < bits; a++)
        {
            for (int b = 0; b <= a; b++)
            {
                double s = gram[a * bits + b];
                for (int k = 0; k < b; k++)
                {
                    s -= l[a * bits + k] * l[b * bits + k];
                }

                if (a == b)
                {
                    if (!(s > 1e-9 * gram[a * bits + a]))
                    {
                        // Codes that are equal or opposite on every group: no unique alphas.
                        error = double.PositiveInfinity;
                        return false;
                    }

                    l[a * bits + a] = Math.Sqrt(s);
                }
                else
                {
                    l[a * bits + b] = s / l[b * bits + b];
                }
            }
        }

        Span<double> z = stackalloc double[bits];
        double explained = 0;
        for (int a = 0; a < bits; a++)
        {
            double s = rhs[a];
            for (int k = 0; k < a; k++)
            {
                s -= l[a * bits + k] * z[k];
            }

            z[a] = s / l[a * bits + a];
            explained += z[a] * z[a];
        }

        for (int a = bits - 1; a >= 0; a--)
        {
            double s = z[a];
            for (int k = a + 1; k < bits; k++)
            {
                s -= l[k * bits + a] * solution[k];
            }

            solution[a] = s / l[a * bits + a];
        }

        error = squares - explained;
        return true;
    }
}
