using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>
/// The generated class against the reference interpreter on random inputs, for every codec x activation
/// quantizer and every bit width. Tolerance: 1e-4 absolute plus 1e-4 relative. Both sides quantize the
/// same input values with the same float formulas, so the only differences come from the order of
/// additions (vector lanes against the reference's double sum): a few float ulps per dot product.
/// </summary>
public sealed class DifferentialTests(CompiledModels models) : IClassFixture<CompiledModels>
{
    public const float Tolerance = 1e-4f;

    public static IEnumerable<object[]> CodecByQuantizer() =>
        from c in CompiledModels.Codecs() from q in CompiledModels.Quantizers() select new object[] { $"{c.Item1}.{q.Item1}" };

    public static IEnumerable<object[]> BitWidths() =>
        from bits in Enumerable.Range(1, 8) from codec in new[] { "uniform", "levels", "multibinary" } select new object[] { bits, codec };

    [Theory]
    [MemberData(nameof(CodecByQuantizer))]
    public void Every_codec_with_every_activation_quantizer_matches_the_reference(string name) =>
        AssertMatches(models.Cases[name], seed: 1);

    [Theory]
    [MemberData(nameof(BitWidths))]
    public void Every_bit_width_matches_the_reference(int bits, string codec)
    {
        ModelCase model = models.Cases.Values.Single(c => c.Name.StartsWith($"bits{bits}.{codec}{bits}.", StringComparison.Ordinal));
        AssertMatches(model, seed: bits);
    }

    [Fact]
    public void Every_layer_kind_matches_the_reference() => AssertMatches(models.Cases["all-ops"], seed: 3);

    [Fact]
    public void The_batched_overload_gives_the_same_bits_as_one_at_a_time()
    {
        foreach (string name in new[] { "all-ops", "multibinary2.online2", "uniform8-signed-row-zp.logquant3" })
        {
            IQuantModel model = models.Cases[name].Generated;
            const int batch = 16;
            float[] inputs = TestModels.RandomFloats(new Random(5), batch * model.InputLength, -2f, 2f);
            var batched = new float[batch * model.OutputLength];
            model.Predict(inputs, batched, batch);
            var single = new float[model.OutputLength];
            for (int i = 0; i < batch; i++)
            {
                model.Predict(inputs.AsSpan(i * model.InputLength, model.InputLength), single);
                Assert.Equal(single, batched.AsSpan(i * model.OutputLength, model.OutputLength).ToArray());
            }
        }
    }

    [Fact]
    public void Wrong_lengths_are_refused_with_the_argument_named()
    {
        IQuantModel model = models.Cases["float.none"].Generated;
        var output = new float[model.OutputLength];
        ArgumentException e = Assert.Throws<ArgumentException>(() => model.Predict(new float[model.InputLength + 1], output));
        Assert.Equal("input", e.ParamName);
        Assert.Throws<ArgumentException>(() => model.Predict(new float[model.InputLength], new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(new float[0], new float[0], -1));
    }

    internal static void AssertMatches(ModelCase model, int seed, int samples = 40)
    {
        var random = new Random(seed);
        var output = new float[model.Generated.OutputLength];
        Assert.Equal(model.Reference.OutputLength, output.Length);
        for (int s = 0; s < samples; s++)
        {
            float[] input = TestModels.RandomFloats(random, model.Generated.InputLength, -2f, 2f);
            model.Generated.Predict(input, output);
            float[] expected = model.Reference.Predict(input);
            for (int i = 0; i < expected.Length; i++)
            {
                float allowed = Tolerance + Tolerance * Math.Abs(expected[i]);
                Assert.True(
                    Math.Abs(output[i] - expected[i]) <= allowed,
                    $"{model.Name}: sample {s}, output {i}: generated {output[i]:R}, reference {expected[i]:R} (allowed difference {allowed:R})");
            }
        }
    }
}
