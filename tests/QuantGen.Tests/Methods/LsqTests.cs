using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class LsqTests
{
    [Fact]
    public void Without_a_learned_step_weights_start_from_2_mean_abs_over_sqrt_QP()
    {
        float[] w = [0.1f, -0.3f, 0.2f, -0.05f, 0.6f, 0f];
        Weights codec = new LsqWeights(3, null).Quantize(new WeightTensor("fc.weights", w, 2, 3));
        float expected = (float)(2 * w.Average(v => Math.Abs(v)) / Math.Sqrt(3));
        Assert.Equal(expected, codec.Uniform.Scales.Single(), 6);

        // Codes clamp to [-Q_N, Q_P] = [-4, 3].
        float[] back = DequantizedWeights.Of(codec, 2, 3);
        Assert.All(back, v => Assert.True(v >= -4 * expected - 1e-6 && v <= 3 * expected + 1e-6));
    }

    [Fact]
    public void A_learned_step_is_used_as_given()
    {
        var steps = new Dictionary<string, float> { ["fc.weights"] = 0.25f };
        float[] w = [0.1f, -0.3f, 0.2f, 2f, -2f, 0.13f];
        float[] back = DequantizedWeights.Of(new LsqWeights(3, steps).Quantize(new WeightTensor("fc.weights", w, 1, 6)), 1, 6);
        Assert.Equal([0f, -0.25f, 0.25f, 0.75f, -1f, 0.25f], back);
    }

    [Fact]
    public void Activations_are_unsigned_after_a_ReLU_and_the_grid_is_the_step()
    {
        float[] x = [0f, 0f, 1f, 2f, 3f, 0.5f];
        UniformActivation u = new LsqActivation(2, null).Calibrate("fc2", x).Uniform;
        float s = (float)(2 * x.Average() / Math.Sqrt(3));
        Assert.Equal(0f, u.Lo);
        Assert.Equal(3 * s, u.Hi, 6);

        UniformActivation learned = new LsqActivation(4, 0.1f).Calibrate("fc2", []).Uniform;
        Assert.Equal((0f, 1.5f), (learned.Lo, learned.Hi));
    }

    [Fact]
    public void The_side_file_is_an_object_of_positive_steps()
    {
        IReadOnlyDictionary<string, float> steps = LsqSteps.Parse("{ \"fc1.weights\": 0.0123, \"fc2.input\": 0.5 }", "steps.json");
        Assert.Equal(0.0123f, steps["fc1.weights"]);
        Assert.Contains("steps.json", Assert.Throws<FormatException>(() => LsqSteps.Parse("[1]", "steps.json")).Message);
        Assert.Contains("'fc1.weights'", Assert.Throws<FormatException>(() => LsqSteps.Parse("{\"fc1.weights\": -1}", "steps.json")).Message);
        Assert.Contains("'fc1.weights'", Assert.Throws<FormatException>(() => LsqSteps.Parse("{\"fc1.weights\": \"0.1\"}", "steps.json")).Message);
        Assert.Contains("not JSON", Assert.Throws<FormatException>(() => LsqSteps.Parse("{", "steps.json")).Message);
    }
}
