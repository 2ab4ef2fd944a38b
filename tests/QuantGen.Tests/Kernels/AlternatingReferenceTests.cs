using System;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The alternating quantizer's vector passes (Vector512 on x64, AdvSimd on ARM64, scalar elsewhere) against a
/// plain reference written here, on vectors long enough for them: the greedy start (no cycle) and one cycle,
/// whose alphas are the least-squares fit of the greedy codes (solved here in double). The nearest-code and
/// reconstruction passes are held by VectorQuantizerTests; these hold the sums and the greedy step, which no
/// nearest-code check can see (any alphas have nearest codes).
/// </summary>
public sealed class AlternatingReferenceTests
{
    private static readonly int[] Lengths = [16, 17, 100, 1037];

    [Fact]
    public void The_two_bit_sorted_sums_equal_the_general_sort_bit_for_bit()
    {
        // Ties (equal alphas, a zero alpha, signed zeros) decide which code a value between two equal sums takes,
        // so the two-bit network must order them exactly as the insertion sort does.
        var cases = new System.Collections.Generic.List<(float, float)>
        {
            (1f, 0.5f), (0.5f, 1f), (1f, 1f), (1f, -1f), (-1f, 1f), (0f, 0f), (-0f, 0f), (0f, -0f), (-0f, -0f),
            (0f, 2f), (2f, 0f), (-0f, 2f), (2f, -0f), (-3f, -0.25f), (float.Epsilon, 0f), (1e30f, 1e-30f),
        };
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            cases.Add(((float)(random.NextDouble() * 4 - 2), (float)(random.NextDouble() * 4 - 2)));
        }

        foreach ((float a0, float a1) in cases)
        {
            var sums = new float[4];
            var order = new byte[4];
            var expectedSums = new float[4];
            var expectedOrder = new byte[4];
            AlternatingQuantizer.SortedSums2(a0, a1, sums, order);
            AlternatingQuantizer.SortedSumsGeneral([a0, a1], expectedSums, expectedOrder);
            for (int k = 0; k < 4; k++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expectedSums[k]) == BitConverter.SingleToInt32Bits(sums[k]) && expectedOrder[k] == order[k],
                    $"alphas ({a0:R}, {a1:R}), entry {k}: expected {expectedSums[k]:R} (code {expectedOrder[k]}), got {sums[k]:R} (code {order[k]})");
            }
        }
    }

    [Fact]
    public void The_three_bit_sorted_sums_equal_the_general_sort_bit_for_bit()
    {
        // As for two bits: equal alphas, zero and signed-zero alphas make equal sums, whose order decides codes.
        float[] special = [0f, -0f, 1f, -1f, 0.5f, 2f, float.Epsilon];
        var cases = new System.Collections.Generic.List<(float, float, float)>();
        foreach (float a in special)
        {
            foreach (float b in special)
            {
                foreach (float c in special)
                {
                    cases.Add((a, b, c));
                }
            }
        }

        var random = new Random(6);
        for (int i = 0; i < 3000; i++)
        {
            cases.Add(((float)(random.NextDouble() * 4 - 2), (float)(random.NextDouble() * 4 - 2), (float)(random.NextDouble() * 4 - 2)));
        }

        foreach ((float a0, float a1, float a2) in cases)
        {
            var sums = new float[8];
            var order = new byte[8];
            var expectedSums = new float[8];
            var expectedOrder = new byte[8];
            AlternatingQuantizer.SortedSums3(a0, a1, a2, sums, order);
            AlternatingQuantizer.SortedSumsGeneral([a0, a1, a2], expectedSums, expectedOrder);
            for (int k = 0; k < 8; k++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expectedSums[k]) == BitConverter.SingleToInt32Bits(sums[k]) && expectedOrder[k] == order[k],
                    $"alphas ({a0:R}, {a1:R}, {a2:R}), entry {k}: expected {expectedSums[k]:R} (code {expectedOrder[k]}), got {sums[k]:R} (code {order[k]})");
            }
        }
    }

    [Fact]
    public void The_three_bit_solve_equals_the_general_elimination_bit_for_bit()
    {
        // Gram matrices of counts (integers, as coding makes them), with rows that force each pivot choice, ties
        // between candidate pivots, and singular systems (which must leave the alphas as they were).
        var random = new Random(7);
        var systems = new System.Collections.Generic.List<double[]>
        {
            new double[] { 64, 0, 0, 0, 64, 0, 0, 0, 64 },
            new double[] { 0, 1, 2, 5, 0, 1, 1, 2, 0 },
            new double[] { 1, 2, 3, 2, 4, 6, 1, 1, 1 },
            new double[] { 0.25, 1, 1, 0.25, 1, 2, 0.25, 3, 1 },
            new double[] { 3, 1, 1, -3, 2, 1, 3, 0, 5 },
            new double[] { 2, 2, 2, 2, 2, 2, 2, 2, 2 },
            new double[] { 4, 1, 0, 1, 4, 1, 0, 1, 0 },
        };
        for (int i = 0; i < 3000; i++)
        {
            int n = random.Next(1, 200);
            var system = new double[9];
            for (int k = 0; k < 9; k++)
            {
                system[k] = random.Next(-n, n + 1);
            }

            systems.Add(system);
        }

        foreach (double[] gram in systems)
        {
            double[] rhs = [random.NextDouble() * 100 - 50, random.NextDouble() * 100 - 50, random.NextDouble() * 100 - 50];
            float[] alphas = [0.75f, 0.5f, 0.25f];
            float[] expected = [0.75f, 0.5f, 0.25f];
            AlternatingQuantizer.Solve3((double[])gram.Clone(), (double[])rhs.Clone(), alphas);
            AlternatingQuantizer.SolveGeneral((double[])gram.Clone(), (double[])rhs.Clone(), 3, expected);
            for (int k = 0; k < 3; k++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[k]) == BitConverter.SingleToInt32Bits(alphas[k]),
                    $"gram [{string.Join(", ", gram)}], rhs [{string.Join(", ", rhs)}]: alpha {k} {alphas[k]:R}, general {expected[k]:R}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_greedy_start_matches_a_scalar_reference(int bits)
    {
        foreach (int length in Lengths)
        {
            float[] x = TestModels.RandomFloats(new Random(bits * 31 + length), length, -2f, 2f);
            var alphas = new float[bits];
            var codes = new byte[length];
            AlternatingQuantizer.Quantize(x, bits, 0, alphas, new float[length], codes);

            // b_j = sign(r) (0 counts as +), alpha_j = mean |r|, r -= alpha_j b_j; the kernel's alpha_j carries the
            // residual on, so the codes must agree bit for bit while the alphas (summed in another order) agree closely.
            float[] residual = (float[])x.Clone();
            var expected = new byte[length];
            for (int j = 0; j < bits; j++)
            {
                double sum = 0;
                foreach (float r in residual)
                {
                    sum += Math.Abs(r);
                }

                AssertClose(sum / length, alphas[j], $"bits {bits}, length {length}: alpha {j}");
                for (int i = 0; i < length; i++)
                {
                    bool positive = residual[i] >= 0f;
                    expected[i] |= (byte)(positive ? 1 << j : 0);
                    residual[i] -= positive ? alphas[j] : -alphas[j];
                }
            }

            Assert.Equal(expected, codes);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void One_cycle_fits_the_alphas_of_the_greedy_codes_by_least_squares(int bits)
    {
        foreach (int length in Lengths)
        {
            float[] x = TestModels.RandomFloats(new Random(bits * 37 + length), length, -2f, 2f);
            var greedyAlphas = new float[bits];
            var greedy = new byte[length];
            AlternatingQuantizer.Quantize(x, bits, 0, greedyAlphas, new float[length], greedy);
            var alphas = new float[bits];
            AlternatingQuantizer.Quantize(x, bits, 1, alphas, new float[length], new byte[length]);

            // The normal equations (B^T B) alpha = B^T x of the greedy codes, B in {-1, +1}, by elimination in double.
            var gram = new double[bits, bits + 1];
            for (int i = 0; i < length; i++)
            {
                for (int a = 0; a < bits; a++)
                {
                    double ba = (greedy[i] >> a & 1) == 1 ? 1 : -1;
                    for (int b = 0; b < bits; b++)
                    {
                        gram[a, b] += ba * ((greedy[i] >> b & 1) == 1 ? 1 : -1);
                    }

                    gram[a, bits] += ba * x[i];
                }
            }

            double[]? solution = Solve(gram, bits);
            for (int j = 0; j < bits; j++)
            {
                // Codes that are equal or opposite make the system singular: the kernel keeps the greedy alphas.
                AssertClose(solution is null ? greedyAlphas[j] : solution[j], alphas[j], $"bits {bits}, length {length}: alpha {j} after one cycle");
            }
        }
    }

    private static double[]? Solve(double[,] m, int n)
    {
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                pivot = Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]) ? r : pivot;
            }

            if (Math.Abs(m[pivot, col]) < 0.5)
            {
                // The Gram matrix holds integers: a pivot below 1/2 is a zero.
                return null;
            }

            for (int k = 0; k <= n; k++)
            {
                (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
            }

            for (int r = 0; r < n; r++)
            {
                if (r != col)
                {
                    double f = m[r, col] / m[col, col];
                    for (int k = col; k <= n; k++)
                    {
                        m[r, k] -= f * m[col, k];
                    }
                }
            }
        }

        var solution = new double[n];
        for (int r = 0; r < n; r++)
        {
            solution[r] = m[r, n] / m[r, r];
        }

        return solution;
    }

    /// <summary>Sums in float lanes then double (the vector passes) against sums in double: a few float ulps apart.</summary>
    private static void AssertClose(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 + 1e-5 * Math.Abs(expected), $"{what}: the kernel says {actual:R}, the reference {expected:R}");
}
