using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class HwgqTests
{
    [Theory]
    [InlineData(1, 0.797885)]
    [InlineData(2, 0.538812)]
    [InlineData(3, 0.321729)]
    [InlineData(4, 0.184243)]
    public void Lloyd_with_uniform_spacing_gives_the_papers_steps(int bits, double step)
    {
        // 2^k - 1 positive centers (0 is the level of x <= 0); 1 center is E[x | x > 0] = sqrt(2 / pi).
        Assert.Equal(step, HalfWaveGaussian.UniformStep((1 << bits) - 1), 5);
        double[] centers = HwgqActivation.Centers(bits, lloydMax: false);
        Assert.Equal((1 << bits) - 1, centers.Length);
        Assert.Equal(step, centers[^1] / centers.Length, 5);
    }

    [Fact]
    public void Lloyd_max_with_two_centers_gives_the_official_2n_pair()
    {
        double[] centers = HalfWaveGaussian.LloydMaxCenters(2);
        Assert.Equal(0.452780, centers[0], 5);
        Assert.Equal(1.510418, centers[1], 5);
        // Lloyd-Max conditions: each center the mean of its cell; with one center it is sqrt(2 / pi).
        Assert.Equal(Math.Sqrt(2 / Math.PI), HalfWaveGaussian.LloydMaxCenters(1)[0], 9);
    }

    [Fact]
    public void Lloyd_max_never_has_more_error_than_uniform_spacing()
    {
        var random = new Random(4);
        float[] z = Enumerable.Range(0, 20000).Select(_ => (float)Math.Abs(Gaussian(random))).ToArray();
        for (int bits = 1; bits <= 4; bits++)
        {
            Assert.True(Error(z, bits, true) <= Error(z, bits, false) * 1.001, $"bits {bits}");
        }
    }

    [Fact]
    public void Activations_follow_the_Caffe_rule_at_the_calibrated_scale()
    {
        // A half-wave Gaussian of sigma 3: levels and thresholds are 3 times the unit ones.
        var random = new Random(7);
        float[] samples = Enumerable.Range(0, 100000).Select(_ => (float)Math.Max(0, 3 * Gaussian(random))).ToArray();
        ThresholdActivation t = new HwgqActivation(2, lloydMax: false).Calibrate("fc2", samples).Thresholds;
        double sigma = Math.Sqrt(samples.Where(v => v > 0).Average(v => (double)v * v));
        Assert.Equal(3.0, sigma, 1);
        Assert.Equal(3, t.Thresholds.Count);
        Assert.Equal(0f, t.Thresholds[0]);
        Assert.Equal(1.5 * 0.538812 * sigma, t.Thresholds[1], 4);
        Assert.Equal(2.5 * 0.538812 * sigma, t.Thresholds[2], 4);
        Assert.Equal(3 * 0.538812 * sigma, t.Levels[3], 4);
        Assert.Equal(4, t.Levels.Count);
        Assert.Equal(0f, t.Levels[0]);
        // x <= 0 -> 0; 0 < x <= t1 -> q1, even for a tiny positive x.
        Assert.Equal(0f, ReferenceQuantizers.Staircase(0f, t));
        Assert.Equal(t.Levels[1], ReferenceQuantizers.Staircase(1e-6f, t));
        Assert.Equal(t.Levels[1], ReferenceQuantizers.Staircase(t.Thresholds[1], t));
        Assert.Equal(t.Levels[3], ReferenceQuantizers.Staircase(100f, t));
    }

    [Fact]
    public void Hwgq_2n_has_the_official_two_centers_and_three_output_values()
    {
        // The official "2n" prototxt: centers 0.453 and 1.51, threshold their midpoint 0.9815; x <= 0 -> 0.
        var random = new Random(11);
        float[] samples = Enumerable.Range(0, 100000).Select(_ => (float)Math.Max(0, 2 * Gaussian(random))).ToArray();
        IActivationQuantizer method = QuantGen.Quantizer.QuantizationMethods.CreateActivationQuantizer(QuantGen.Quantizer.MethodSpec.Parse("hwgq-2n"));
        ThresholdActivation t = method.Calibrate("fc2", samples).Thresholds;
        double sigma = Math.Sqrt(samples.Where(v => v > 0).Average(v => (double)v * v));
        Assert.Equal(2, t.Bits);
        Assert.Equal(3, t.Levels.Count);
        Assert.Equal(2, t.Thresholds.Count);
        Assert.Equal(0f, t.Levels[0]);
        Assert.Equal((float)(0.453 * sigma), t.Levels[1]);
        Assert.Equal((float)(1.51 * sigma), t.Levels[2]);
        Assert.Equal(0f, t.Thresholds[0]);
        Assert.Equal((float)(0.9815 * sigma), t.Thresholds[1], 5);
        Assert.Equal(0f, ReferenceQuantizers.Staircase(-1f, t));
        Assert.Equal(t.Levels[1], ReferenceQuantizers.Staircase(0.9f * (float)sigma, t));
        Assert.Equal(t.Levels[2], ReferenceQuantizers.Staircase(1f * (float)sigma, t));
        // The official constants are Lloyd-Max's two centers rounded to three figures.
        double[] lloyd = HalfWaveGaussian.LloydMaxCenters(2);
        Assert.Equal(lloyd[0], HwgqActivation.Official2nCenters[0], 3);
        Assert.Equal(lloyd[1], HwgqActivation.Official2nCenters[1], 2);
    }

    [Fact]
    public void Hwgq_2n_takes_two_bits_only()
    {
        Assert.Equal(2, QuantGen.Quantizer.MethodSpec.Parse("hwgq-2n").Bits == 0 ? QuantGen.Quantizer.QuantizationMethods.DefaultBits("hwgq-2n", activations: true) : -1);
        var e = Assert.Throws<ArgumentException>(() => QuantGen.Quantizer.QuantizationMethods.CreateActivationQuantizer(QuantGen.Quantizer.MethodSpec.Parse("hwgq-2n:3")));
        Assert.Contains("2 bits only", e.Message);
    }

    [Fact]
    public void Binary_weights_use_a_per_row_alpha_of_mean_magnitude()
    {
        float[] w = [0.5f, -1.5f, 0f, 2f, -2f, 2f];
        float[] back = DequantizedWeights.Of(new HwgqWeights().Quantize(new WeightTensor("t", w, 2, 3)), 2, 3);
        Assert.Equal([2f / 3, -2f / 3, 2f / 3, 2f, -2f, 2f], back);
    }

    private static double Error(float[] x, int bits, bool lloydMax)
    {
        double[] c = HwgqActivation.Centers(bits, lloydMax);
        return x.Sum(v => c.Min(q => (v - q) * (v - q)));
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
