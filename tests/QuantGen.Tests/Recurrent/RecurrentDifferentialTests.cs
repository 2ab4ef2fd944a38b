using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>
/// Generated Step/Predict against the reference interpreter, step by step over token sequences, for
/// Embedding, LSTM, GRU, Conv2d and MaxPool2d with every codec x activation quantizer, the bit-RNN options
/// and the alternating (xor-popcount) path. Tolerance as in <see cref="DifferentialTests"/>: both sides
/// quantize with the same float formulas; the sums differ only in the order of additions.
/// </summary>
public sealed class RecurrentDifferentialTests(CompiledRecurrentModels models) : IClassFixture<CompiledRecurrentModels>
{
    private const int Steps = 16;

    public static IEnumerable<object[]> RecurrentCases() =>
        from c in CompiledModels.Codecs() from q in CompiledModels.Quantizers() from kind in new[] { "lstm", "gru", "gru-reset-before" } select new object[] { $"{kind}.{c.Item1}.{q.Item1}" };

    public static IEnumerable<object[]> BitRnnAndAlternating() =>
        (from bits in new[] { 1, 2, 3 } from kind in new[] { "lstm", "gru" } from method in new[] { "bitrnn", "alternating" } select new object[] { $"{method}{bits}.{kind}" })
            .Concat(new[] { 1, 2, 3 }.Select(bits => new object[] { $"alternating{bits}.gru-reset-before" }));

    public static IEnumerable<object[]> ConvolutionCases() =>
        (from c in CompiledModels.Codecs() from q in CompiledModels.Quantizers() select new object[] { $"conv.{c.Item1}.{q.Item1}" })
            .Concat(from c in CompiledModels.Codecs() from q in CompiledRecurrentModels.WideConvolutionQuantizers() select new object[] { $"conv-wide.{c.Item1}.{q.Item1}" })
            .Concat(CompiledModels.Quantizers().Select(q => new object[] { "conv-strided." + q.Item1 }))
            .Concat(new[] { 2, 3 }.Select(bits => new object[] { $"conv-xnor.alternating{bits}" }));

    [Theory]
    [MemberData(nameof(RecurrentCases))]
    public void Every_codec_and_quantizer_in_a_recurrent_model_matches_the_reference(string name) => AssertSequenceMatches(models.Cases[name], seed: 1);

    [Theory]
    [MemberData(nameof(BitRnnAndAlternating))]
    public void Bit_rnn_and_alternating_models_match_the_reference(string name) => AssertSequenceMatches(models.Cases[name], seed: 2);

    [Fact]
    public void Stacked_layers_with_vector_input_match_the_reference()
    {
        SequenceCase model = models.Cases["stacked"];
        var random = new Random(4);
        ReferenceInterpreter.SequenceState expectedState = model.Reference.NewState();
        QuantGen.Runtime.RecurrentState state = model.Recurrent.CreateState();
        var output = new float[model.Recurrent.OutputLength];
        for (int t = 0; t < Steps; t++)
        {
            float[] input = TestModels.RandomFloats(random, 5, -2f, 2f);
            model.Recurrent.Step(input, state, output);
            AssertClose(model.Name, t, model.Reference.Step(input, expectedState), output);
        }
    }

    [Theory]
    [MemberData(nameof(ConvolutionCases))]
    public void Convolution_and_pooling_match_the_reference(string name)
    {
        SequenceCase model = models.Cases[name];
        var random = new Random(5);
        var output = new float[model.Stateless.OutputLength];
        for (int s = 0; s < 20; s++)
        {
            float[] input = TestModels.RandomFloats(random, model.Stateless.InputLength, -2f, 2f);
            model.Stateless.Predict(input, output);
            AssertClose(name, s, model.Reference.Predict(input), output);
        }
    }

    [Theory]
    [InlineData("conv-wide.uniform4-signed-row.uniform8-from0", "Int8Conv")]
    [InlineData("conv-wide.uniform4-signed-row.uniform3-from0", "Int8Conv")]
    [InlineData("conv-wide.uniform4-signed-row.uniform4", "Float")]
    [InlineData("conv-wide.uniform8-signed-row-zp.uniform8-from0", "Float")]
    [InlineData("conv.uniform4-signed-row.uniform4", "Float")]
    public void A_convolution_takes_the_integer_kernel_where_its_input_range_starts_at_zero_and_its_weights_have_no_zero_point(string name, string kernel) =>
        // The cases above check these against the reference; this pins which kernel they check (zero padding needs
        // a code for 0, and the integer convolution's epilogue has no zero-point term).
        Assert.Equal(kernel, models.Cases[name].Stateless.Metadata.Layers[0].Kernel);

    [Theory]
    [InlineData("conv-xnor.alternating2", "XnorConv")]
    [InlineData("conv-xnor.alternating3", "Float")]
    [InlineData("conv.multibinary2.online2", "Float")]
    public void An_alternating_convolution_takes_xor_popcount_where_the_cost_model_finds_it_faster_than_the_float_one(string name, string kernel) =>
        // 16 channels fill a 16-bit word and 2 x 2 plane pairs are few: xor/popcount. 3 x 3 pairs, or 2 channels in a
        // 16-bit word, cost more than the float convolution over the reconstruction (the cases above check both).
        Assert.Equal(kernel, models.Cases[name].Stateless.Metadata.Layers[0].Kernel);

    [Fact]
    public void No_quantized_recurrent_or_convolution_matrix_decodes_rows_when_a_fast_kernel_can_take_it()
    {
        // Only level tables of more than 3 bits are left to the decode-a-row kernels; the test codecs have none.
        string[] kernels = models.Run.Sources.Where(s => s.Key.EndsWith(".Kernels.g.cs", StringComparison.Ordinal)).Select(s => s.Value).ToArray();
        Assert.NotEmpty(kernels);
        Assert.All(kernels, k => Assert.DoesNotContain("DenseKernels.Uniform(", k, StringComparison.Ordinal));
        Assert.All(kernels, k => Assert.DoesNotContain("DenseKernels.Levels(", k, StringComparison.Ordinal));
        Assert.All(kernels, k => Assert.DoesNotContain("DenseKernels.MultiBinary(", k, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("alternating-stack2.lstm")]
    [InlineData("alternating-stack2.gru")]
    public void Stacked_layers_share_h_codes_between_the_next_layer_and_the_recurrent_product_and_match_the_reference(string name)
    {
        // Two pairs (LSTM 1's recurrent product and LSTM 2's input product; LSTM 2's recurrent product and the head),
        // each a slot named twice; then the steps against the reference, where every kernel codes its own input.
        string api = models.Run.Sources.Single(s => s.Value.Contains($"Name => \"{name}\"", StringComparison.Ordinal)).Key;
        // Forward only: StepMany's ForwardStates runs the same layers state by state after it.
        string forward = models.Run.Sources[api.Replace(".g.cs", ".Kernels.g.cs", StringComparison.Ordinal)].Split("private static void ForwardStates(")[0];
        int slots = forward.Split("sharedCodes.Slice(").Length - 1;
        Assert.True(slots == 4, $"{name}: {slots} uses of a shared slot, not 4:\n{string.Join("\n", forward.Split('\n').Where(l => l.Contains("kernel ", StringComparison.Ordinal) || l.Contains("Xnor.Dense", StringComparison.Ordinal)))}");
        AssertSequenceMatches(models.Cases[name], seed: 5);

        // A second state run over other tokens, then this one again: a slot only serves an input equal to its key.
        AssertSequenceMatches(models.Cases[name], seed: 6);
    }

    [Theory]
    [InlineData("hidden-grid.lstm")]
    [InlineData("hidden-grid.gru")]
    public void Recurrent_products_on_the_hidden_quantizers_grid_take_integer_dot_products_and_match_from_the_zero_state(string name)
    {
        string api = models.Run.Sources.Single(s => s.Value.Contains($"Name => \"{name}\"", StringComparison.Ordinal)).Key;
        string forward = models.Run.Sources[api.Replace(".g.cs", ".Kernels.g.cs", StringComparison.Ordinal)];
        Assert.Contains("Recurrent matrix, kernel Int8", forward, StringComparison.Ordinal);
        Assert.Contains("IndexOfAnyExcept", forward, StringComparison.Ordinal);
        AssertSequenceMatches(models.Cases[name], seed: 3);
    }

    internal static void AssertSequenceMatches(SequenceCase model, int seed)
    {
        var random = new Random(seed);
        IRecurrentQuantModel generated = model.Recurrent;
        var output = new float[generated.OutputLength];
        QuantGen.Runtime.RecurrentState state = generated.CreateState();
        ReferenceInterpreter.SequenceState expectedState = model.Reference.NewState();
        for (int t = 0; t < Steps; t++)
        {
            int token = random.Next(RecurrentTestModels.Vocabulary);
            generated.Step(token, state, output);
            AssertClose(model.Name, t, model.Reference.Step(token, expectedState), output);
        }
    }

    /// <summary>
    /// Ten times the stateless tolerance: the state feeds back, so the few ulps by which the kernels' order of
    /// additions differs from the reference's double sums grow over the steps (most with 8-bit codes and zero
    /// points, whose weights reach +-50). A wrong gate, codec or quantizer is off by 1e-1 or more.
    /// </summary>
    public const float Tolerance = 10 * DifferentialTests.Tolerance;

    internal static void AssertClose(string name, int step, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float allowed = Tolerance + Tolerance * Math.Abs(expected[i]);
            Assert.True(
                Math.Abs(actual[i] - expected[i]) <= allowed,
                $"{name}: step {step}, output {i}: generated {actual[i]:R}, reference {expected[i]:R} (allowed difference {allowed:R})");
        }
    }
}
