using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class UniformMethodTests
{
    [Fact]
    public void Affine_int8_with_scale_one_rounds_half_to_even_and_saturates()
    {
        // ONNX QuantizeLinear: round half to even, then saturate to [-128, 127].
        float[] x = [0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 127.5f, -128.5f];
        int[] q = x.Select(v => AffineWeights.Code(v, 1f, 0, 8)).ToArray();
        Assert.Equal([0, 2, 2, 0, -2, 127, -128], q);
    }

    [Fact]
    public void Affine_weights_represent_zero_exactly_and_stay_within_half_a_step()
    {
        float[] w = [-0.3f, 0f, 0.1f, 0.9f, 0.2f, 0.05f, 0f, 1.7f];
        Weights codec = new AffineWeights(4, perRow: true).Quantize(new WeightTensor("t", w, 2, 4));
        float[] back = DequantizedWeights.Of(codec, 2, 4);
        Assert.Equal(0f, back[1]);
        Assert.Equal(0f, back[6]);
        for (int r = 0; r < 2; r++)
        {
            float scale = codec.Uniform.Scales[r];
            for (int c = 0; c < 4; c++)
            {
                Assert.True(Math.Abs(back[r * 4 + c] - w[r * 4 + c]) <= scale / 2 + 1e-6f, $"{w[r * 4 + c]} -> {back[r * 4 + c]}");
            }
        }
    }

    [Fact]
    public void Symmetric_weights_per_row_put_each_rows_max_on_the_top_code()
    {
        float[] w = [0.4f, -1f, 0.25f, 0f, 4f, -2.5f];
        Weights codec = new UniformWeights(3, perRow: true).Quantize(new WeightTensor("t", w, 2, 3));
        Assert.Equal([1f / 3, 4f / 3], codec.Uniform.Scales.ToArray());
        int[] codes = Enumerable.Range(0, 6).Select(i => PackedCodes.ReadSigned(codec.Uniform.Codes.Span, i, 3)).ToArray();
        Assert.Equal([1, -3, 1, 0, 3, -2], codes);
        Weights perTensor = new UniformWeights(3, perRow: false).Quantize(new WeightTensor("t", w, 2, 3));
        Assert.Single(perTensor.Uniform.Scales);
    }

    [Fact]
    public void Stochastic_rounding_is_unbiased()
    {
        // floor(v + u): up with probability frac(v). Over 200,000 draws the mean is within 4.5 standard errors.
        var random = new Random(5);
        foreach (float v in new[] { 0.3f, -1.7f, 2.5f, 0.05f })
        {
            const int n = 200_000;
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += StochasticWeights.Round(v, random);
            }

            double frac = v - Math.Floor(v);
            double standardError = Math.Sqrt(frac * (1 - frac) / n);
            Assert.True(Math.Abs(sum / n - v) <= 4.5 * standardError + 1e-12, $"mean of rounding {v}: {sum / n}");
        }
    }

    [Fact]
    public void Stochastic_weights_are_reproducible_with_a_seed_and_differ_between_seeds()
    {
        var random = new Random(9);
        float[] w = Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var tensor = new WeightTensor("fc.weights", w, 8, 64);
        byte[] a = new StochasticWeights(4, 1).Quantize(tensor).Uniform.Codes.ToByteArray();
        byte[] b = new StochasticWeights(4, 1).Quantize(tensor).Uniform.Codes.ToByteArray();
        byte[] c = new StochasticWeights(4, 2).Quantize(tensor).Uniform.Codes.ToByteArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        // Every weight lands on one of the two grid points around it.
        Weights codec = new StochasticWeights(4, 1).Quantize(tensor);
        float[] back = DequantizedWeights.Of(codec, 8, 64);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.True(Math.Abs(back[i] - w[i]) < codec.Uniform.Scales[i / 64] * 1.0001f);
        }
    }
}
