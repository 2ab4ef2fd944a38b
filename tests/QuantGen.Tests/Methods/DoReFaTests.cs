using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class DoReFaTests
{
    [Theory]
    [InlineData(1, 0f)]
    [InlineData(2, 2f / 3)]
    [InlineData(3, 4f / 7)]
    [InlineData(4, 8f / 15)]
    public void Q_k_of_one_half(int bits, float expected)
    {
        // round((2^k - 1) / 2) half to even: 0.5 -> 0, 1.5 -> 2, 3.5 -> 4, 7.5 -> 8.
        Assert.Equal(expected, DoReFaWeights.Q(0.5f, bits));
        ActivationQuantizer q = new DoReFaActivation(bits).Calibrate("fc", []);
        Assert.Equal(expected, ReferenceQuantizers.Uniform(0.5f, q.Uniform));
    }

    [Fact]
    public void Two_bit_weights_follow_the_tanh_normalisation()
    {
        // tanh / max|tanh| * 0.5 + 0.5 = 0.105, 0.373, 0.5, 0.740, 1 -> 3x rounds to 0, 1, 2 (tie to even), 2, 3.
        float[] w = [-1f, -0.25f, 0f, 0.5f, 2f];
        float[] back = DequantizedWeights.Of(new DoReFaWeights(2).Quantize(new WeightTensor("t", w, 1, 5)), 1, 5);
        float[] expected = [-1f, -1f / 3, 1f / 3, 1f / 3, 1f];
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(expected[i], back[i], 6);
        }
    }

    [Fact]
    public void One_bit_weights_are_sign_times_the_mean_magnitude_of_the_tensor()
    {
        float[] w = [-1f, -0.25f, 0f, 0.5f, 2f, -0.25f];
        Weights codec = new DoReFaWeights(1).Quantize(new WeightTensor("t", w, 2, 3));
        float e = 4f / 6;
        Assert.Equal([-e, -e, e, e, e, -e], DequantizedWeights.Of(codec, 2, 3));
    }

    [Fact]
    public void BitRnn_levels_are_multiples_of_the_scale_2_5_mean_abs_tanh()
    {
        // s = 2.5 * mean|tanh W|; W_q = (Q_k(clip(tanh W / s, -1/2, 1/2) + 1/2) - 1/2) * s.
        float[] w = [-0.8f, -0.1f, 0f, 0.05f, 0.3f, 1.2f];
        double s = 2.5 * w.Average(v => Math.Abs(Math.Tanh(v)));
        float[] back = DequantizedWeights.Of(new BitRnnWeights(2).Quantize(new WeightTensor("t", w, 1, 6)), 1, 6);
        for (int i = 0; i < w.Length; i++)
        {
            double x = Math.Clamp(Math.Tanh(w[i]) / s, -0.5, 0.5) + 0.5;
            double expected = (Math.Round(3 * x, MidpointRounding.ToEven) / 3 - 0.5) * s;
            Assert.Equal(expected, back[i], 5);
        }

        // With s = 2.5 mean|tanh W| the clip never binds here, and 0 sits exactly between the two middle levels.
        Assert.Equal(0.5 * s, back.Max(), 5);
    }
}
