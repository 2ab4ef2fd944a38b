using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The branch-free vector quantizers give the reference's bits exactly, for every length (whole vectors
/// plus the scalar rest) and for NaN, infinities, -0, values on a threshold and on the range ends.
/// </summary>
public sealed class VectorQuantizerTests
{
    private static float[] Inputs(int length, int seed, float[] specials)
    {
        float[] x = TestModels.RandomFloats(new Random(seed), length, -3f, 3f);
        for (int i = 0; i < length; i++)
        {
            if (i % 3 == 0)
            {
                x[i] = specials[(i / 3) % specials.Length];
            }
        }

        return x;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Uniform_matches_the_reference_bit_for_bit(int bits)
    {
        const float lo = -1.25f, hi = 1.75f;
        var u = new UniformActivation { Bits = bits, Lo = lo, Hi = hi };
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, lo, hi, 0.25f, 1e-30f, -1e30f];
        foreach (int length in Enumerable.Range(0, 70))
        {
            float[] x = Inputs(length, bits * 100 + length, specials);
            var y = new float[length];
            ActivationQuantizers.Uniform(x, y, bits, lo, hi);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(ReferenceQuantizers.Uniform(x[i], u)), BitConverter.SingleToInt32Bits(y[i]));
            }

            // In place gives the same.
            ActivationQuantizers.Uniform(x, x, bits, lo, hi);
            Assert.Equal(y, x);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Thresholds_match_the_reference_bit_for_bit(int bits)
    {
        ActivationQuantizer q = TestModels.Thresholds(new Random(bits), bits);
        ThresholdActivation t = q.Thresholds;
        float[] thresholds = [.. t.Thresholds];
        float[] levels = [.. t.Levels];
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, thresholds[0], thresholds[^1], thresholds[thresholds.Length / 2]];
        foreach (int length in Enumerable.Range(0, 70))
        {
            float[] x = Inputs(length, bits * 1000 + length, specials);
            var y = new float[length];
            ActivationQuantizers.Thresholds(x, y, thresholds, levels);
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(ReferenceQuantizers.Staircase(x[i], t)), BitConverter.SingleToInt32Bits(y[i]));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Alternating_codes_on_long_vectors_are_each_a_nearest_sum_and_reconstruct_exactly(int bits)
    {
        // Long enough for the vector passes (the exhaustive test in QuantizerTests uses 6 values).
        foreach (int length in new[] { 15, 16, 17, 1000, 1037 })
        {
            float[] x = TestModels.RandomFloats(new Random(bits * 7 + length), length, -2f, 2f);
            var alphas = new float[bits];
            var reconstruction = new float[length];
            var codes = new byte[length];
            AlternatingQuantizer.Quantize(x, bits, 2, alphas, reconstruction, codes);
            for (int i = 0; i < length; i++)
            {
                float mine = Math.Abs(x[i] - AlternatingQuantizer.Value(codes[i], alphas));
                for (int m = 0; m < 1 << bits; m++)
                {
                    Assert.True(mine <= Math.Abs(x[i] - AlternatingQuantizer.Value((byte)m, alphas)) + 1e-6f, $"bits {bits}, length {length}, value {i}: code {codes[i]} is not nearest ({m} is nearer)");
                }

                Assert.Equal(AlternatingQuantizer.Value(codes[i], alphas), reconstruction[i]);
            }
        }
    }

    [Fact]
    public void Alternating_one_bit_coding_stops_at_its_fixed_point_with_what_more_cycles_would_give()
    {
        // One bit: the greedy codes are the signs and the first cycle almost always gives them back, so the vector path
        // stops there; more cycles must not change a bit of the result, and it must be the reference's, also when tiny
        // negative values (which the first search sends up, as the reference's tie does) make the codes move once.
        foreach (int length in new[] { 16, 64, 100, 1024, 1037 })
        {
            foreach (bool tiny in new[] { false, true })
            {
                float[] x = TestModels.RandomFloats(new Random(length + (tiny ? 1 : 0)), length, -2f, 2f);
                if (tiny)
                {
                    for (int i = 0; i < length; i += 7)
                    {
                        x[i] = -1e-30f;
                    }
                }

                var twoAlphas = new float[1];
                var twoCodes = new byte[length];
                var twoValues = new float[length];
                AlternatingQuantizer.Quantize(x, 1, 2, twoAlphas, twoValues, twoCodes);
                var manyAlphas = new float[1];
                var manyCodes = new byte[length];
                var manyValues = new float[length];
                AlternatingQuantizer.Quantize(x, 1, 7, manyAlphas, manyValues, manyCodes);
                var referenceCodes = new byte[length];
                AlternatingQuantizer.QuantizeScalar(x, 1, 2, new float[1], new float[length], referenceCodes);
                Assert.Equal(BitConverter.SingleToInt32Bits(manyAlphas[0]), BitConverter.SingleToInt32Bits(twoAlphas[0]));
                Assert.Equal(manyCodes, twoCodes);
                Assert.Equal(manyValues, twoValues);
                Assert.Equal(referenceCodes, twoCodes);
                for (int i = 0; i < length; i++)
                {
                    Assert.Equal(AlternatingQuantizer.Value(twoCodes[i], twoAlphas), twoValues[i]);
                }
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Alternating_values_at_the_zero_midpoint_take_the_reference_code_whatever_their_sign(int bits)
    {
        // The sums +-a0 +- a1 ... are symmetric, so two of them have their midpoint at exactly 0, where post-ReLU zeros,
        // -0 and tiny values that two computations round differently all sit. The reference sends the tie up (its two
        // rounded distances are equal); the vector search must too, for all of them alike, or a generated model and the
        // reference part ways on a value of 1e-44.
        foreach (int length in new[] { 16, 64, 100, 1024 })
        {
            float[] x = TestModels.RandomFloats(new Random(bits * 31 + length), length, -2f, 2f);
            float[] nearZero = { 0f, -0f, 1e-44f, -1e-44f, 1e-30f, -1e-30f };
            for (int i = 0; i < nearZero.Length; i++)
            {
                x[i * (length / nearZero.Length)] = nearZero[i];
            }

            var alphas = new float[bits];
            var codes = new byte[length];
            var codesReference = new byte[length];
            AlternatingQuantizer.Quantize(x, bits, 2, alphas, new float[length], codes);
            AlternatingQuantizer.QuantizeScalar(x, bits, 2, new float[bits], new float[length], codesReference);
            byte atZero = codesReference[0];
            for (int i = 0; i < nearZero.Length; i++)
            {
                int at = i * (length / nearZero.Length);
                Assert.Equal(atZero, codesReference[at]);
                Assert.True(codes[at] == atZero, $"bits {bits}, length {length}: {nearZero[i]:R} took code {codes[at]}, the reference {atZero}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Alternating_fused_path_agrees_with_the_scalar_reference(int bits)
    {
        // The fused passes sum in float lanes, so alphas may differ from the reference's in the last bits; the
        // codes then differ only where a value sits on a decision boundary to that precision.
        foreach (int cycles in new[] { 0, 1, 2, 3 })
        {
            foreach (int length in new[] { 16, 31, 64, 128, 200, 256, 1037, 5000 })
            {
                var rng = new Random(bits * 1000 + cycles * 100 + length);
                float[] x = TestModels.RandomFloats(rng, length, -2f, 2f);
                if (length % 3 == 0)
                {
                    // Post-ReLU activations: many exact zeros, which sit on sign and search boundaries.
                    for (int i = 0; i < length; i++)
                    {
                        x[i] = Math.Max(0f, x[i]);
                    }
                }

                AssertFusedAgreesWithReference(x, bits, cycles, $"bits {bits}, cycles {cycles}, length {length}");
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Alternating_level_passes_agree_with_the_scalar_reference_wherever_the_values_lie(int bits)
    {
        // The level passes compare only the thresholds between the smallest and the largest value: all values above 0
        // (the lower thresholds passed by all), all below (the upper by none), one value repeated (every threshold on one
        // side), two values (a singular system), a narrow band straddling a threshold, and a wide signed range (more
        // thresholds than a level pass takes at 3 bits, so the per-bit pass). From 128 values the 3-bit greedy steps over
        // values >= 0 are level passes too.
        foreach (int length in new[] { 16, 37, 128, 1000 })
        {
            var rng = new Random(bits * 7 + length);
            float[] unit = TestModels.RandomFloats(rng, length, 0f, 1f);
            var shapes = new (string Name, float[] Values)[]
            {
                ("above zero", unit.Select(v => 3f + v).ToArray()),
                ("below zero", unit.Select(v => -0.5f - 2f * v).ToArray()),
                ("one value", Enumerable.Repeat(0.75f, length).ToArray()),
                // Two values: three bit-planes over two groups are dependent, so the system is singular and the greedy
                // alphas (the last one the sum of the last residual) are the result.
                ("two values", unit.Select(v => v < 0.5f ? 0.2f : 1f).ToArray()),
                ("zeros", new float[length]),
                ("narrow band", unit.Select(v => 1f + 0.01f * v).ToArray()),
                ("post-ReLU", unit.Select(v => Math.Max(0f, 2f * v - 0.8f)).ToArray()),
                ("signed", unit.Select(v => 4f * v - 2f).ToArray()),
            };
            foreach ((string name, float[] x) in shapes)
            {
                foreach (int cycles in new[] { 1, 2, 3 })
                {
                    AssertFusedAgreesWithReference(x, bits, cycles, $"{name}, bits {bits}, cycles {cycles}, length {length}");
                }
            }
        }
    }

    [Fact]
    public void Alternating_three_bit_greedy_thresholds_give_each_value_the_per_value_greedy_code()
    {
        // The 3-bit greedy codes by levels: bit 2 is (x -+ a0) -+ a1 >= 0 with the first difference rounded, so its
        // thresholds are the smallest floats reaching each target. Every value at, just below and just above a threshold,
        // and random ones, must take the code the per-value steps give, whatever the two alphas' ratio (a1 above a0 empties
        // some levels; a1 = 0 makes bit 2 repeat bit 1).
        var rng = new Random(5);
        var pairs = new List<(float A0, float A1)> { (1f, 0.5f), (0.3f, 0.7f), (1f, 0f), (2f, 1e-7f), (1e-6f, 3f), (0.1f, 0.1f), (1e30f, 1e20f) };
        for (int i = 0; i < 200; i++)
        {
            pairs.Add(((float)Math.Exp(rng.NextDouble() * 10 - 5), (float)Math.Exp(rng.NextDouble() * 10 - 5)));
        }

        Span<float> thresholds = stackalloc float[7];
        foreach ((float a0, float a1) in pairs)
        {
            Assert.True(AlternatingQuantizer.GreedyThresholds3(a0, a1, thresholds), $"a0 {a0:R}, a1 {a1:R}: no thresholds");
            var values = new List<float> { 0f, -0f };
            foreach (float t in thresholds)
            {
                values.AddRange([t, MathF.BitDecrement(t), MathF.BitIncrement(t)]);
            }

            for (int i = 0; i < 50; i++)
            {
                values.Add((float)((rng.NextDouble() * 6 - 3) * (a0 + a1)));
            }

            foreach (float x in values)
            {
                int level = 0;
                foreach (float t in thresholds)
                {
                    level += t <= x ? 1 : 0;
                }

                Assert.True(AlternatingQuantizer.GreedyLevelCodes3[level] == GreedyCode(x, a0, a1), $"a0 {a0:R}, a1 {a1:R}, x {x:R}: level {level}");
            }
        }

        // The greedy steps as the per-bit pass makes them: sign (0 and -0 positive), subtract +-alpha in float.
        static int GreedyCode(float x, float a0, float a1)
        {
            bool s0 = x >= 0f;
            float r1 = x - (s0 ? a0 : -a0);
            bool s1 = r1 >= 0f;
            float r2 = r1 - (s1 ? a1 : -a1);
            return (s0 ? 1 : 0) | (s1 ? 2 : 0) | (r2 >= 0f ? 4 : 0);
        }
    }

    [Fact]
    public void Alternating_lowest_reaching_float_is_the_smallest_whose_difference_reaches_the_target()
    {
        // Targets next to the shift (the difference rounds to zero or one step), far from it, and of either sign.
        var rng = new Random(9);
        for (int i = 0; i < 2000; i++)
        {
            float shift = (rng.Next(2) == 0 ? -1 : 1) * (float)Math.Exp(rng.NextDouble() * 20 - 10);
            float target = (rng.Next(2) == 0 ? -1 : 1) * (float)Math.Exp(rng.NextDouble() * 20 - 10);
            Assert.True(AlternatingQuantizer.LowestReaching(shift, target, out float lowest), $"shift {shift:R}, target {target:R}: no threshold");
            Assert.True(lowest - shift >= target, $"shift {shift:R}, target {target:R}: {lowest:R} does not reach it");
            Assert.False(MathF.BitDecrement(lowest) - shift >= target, $"shift {shift:R}, target {target:R}: {lowest:R} is not the smallest");
        }
    }

    /// <summary>The fused path against the scalar reference: alphas within float rounding of the sums, every
    /// reconstruction the value of its code, and codes that differ (at most 1 %) equally near x.</summary>
    private static void AssertFusedAgreesWithReference(float[] x, int bits, int cycles, string what)
    {
        var alphas = new float[bits];
        var reference = new float[bits];
        var y = new float[x.Length];
        var yReference = new float[x.Length];
        var codes = new byte[x.Length];
        var codesReference = new byte[x.Length];
        AlternatingQuantizer.Quantize(x, bits, cycles, alphas, y, codes);
        AlternatingQuantizer.QuantizeScalar(x, bits, cycles, reference, yReference, codesReference);
        for (int j = 0; j < bits; j++)
        {
            Assert.True(Math.Abs(alphas[j] - reference[j]) <= 1e-5f * Math.Max(1f, Math.Abs(reference[j])), $"{what}: alpha {j} is {alphas[j]}, the reference {reference[j]}");
        }

        int differ = 0;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(AlternatingQuantizer.Value(codes[i], alphas), y[i]);
            if (codes[i] != codesReference[i])
            {
                differ++;
                // Both codes must be (nearly) equally near x under the reference's alphas.
                float mine = Math.Abs(x[i] - AlternatingQuantizer.Value(codes[i], reference));
                float theirs = Math.Abs(x[i] - AlternatingQuantizer.Value(codesReference[i], reference));
                Assert.True(Math.Abs(mine - theirs) <= 1e-4f, $"{what}, value {i}: code {codes[i]} against the reference's {codesReference[i]}");
            }
        }

        Assert.True(differ <= x.Length / 100, $"{what}: {differ} codes differ from the reference");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Alternating_coding_of_values_near_the_float_limit_stays_finite_where_a_vector_sum_would_overflow(int bits)
    {
        // Each of 64 values near float.MaxValue alone is finite, but a float lane summing several of them overflows (at 8
        // lanes 8 values, at 16 lanes 4, at ARM64's 4 lanes 16): the vector path notices its non-finite alphas and the scalar passes, summing in
        // double, code the vector, as QuantizePortable does.
        float[] x = Enumerable.Range(0, 64).Select(i => (i % 3 == 0 ? -1f : 1f) * 3e38f / (1 + (i % 5))).ToArray();
        foreach (int cycles in new[] { 0, 2 })
        {
            var alphas = new float[bits];
            var y = new float[x.Length];
            var codes = new byte[x.Length];
            AlternatingQuantizer.Quantize(x, bits, cycles, alphas, y, codes);
            var portableAlphas = new float[bits];
            var portableY = new float[x.Length];
            var portableCodes = new byte[x.Length];
            AlternatingQuantizer.QuantizePortable(x, bits, cycles, portableAlphas, portableY, portableCodes);
            Assert.All(portableAlphas, a => Assert.True(float.IsFinite(a)));
            Assert.Equal(portableAlphas, alphas);
            Assert.Equal(portableCodes, codes);
            Assert.Equal(portableY, y);
        }
    }
}
