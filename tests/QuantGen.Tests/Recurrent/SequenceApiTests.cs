using System;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>
/// The generated sequence API (PredictSequence, PredictLast) against the reference interpreter's RunSequence:
/// bidirectional models with every codec and quantizer, stacked bidirectional layers, and unidirectional
/// models, whose sequence API must give what stepping gives.
/// </summary>
public sealed class SequenceApiTests(CompiledSequenceModels models) : IClassFixture<CompiledSequenceModels>
{
    private static readonly int[] Tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3];

    public static TheoryData<string> Bidirectional() => new(CompiledSequenceModels.BidirectionalNames());

    [Theory]
    [MemberData(nameof(Bidirectional))]
    public void Bidirectional_models_match_the_reference_over_whole_sequences(string name)
    {
        SequenceCase model = models.Cases[name];
        var generated = (ISequenceQuantModel)model.Generated;
        Assert.IsNotAssignableFrom<IRecurrentQuantModel>(model.Generated);
        float[][] expected = model.Reference.RunSequence(Tokens.Select(t => new float[] { t }).ToArray());
        var outputs = new float[Tokens.Length * generated.OutputLength];
        generated.PredictSequence(Tokens, outputs);
        AssertSteps(name, expected, outputs);

        var last = new float[generated.OutputLength];
        generated.PredictLast(Tokens.Select(t => (float)t).ToArray(), Tokens.Length, last);
        RecurrentDifferentialTests.AssertClose(name, Tokens.Length - 1, expected[^1], last);
    }

    [Fact]
    public void The_backward_half_sees_the_steps_after_each_step()
    {
        // Changing the last token changes the first step's output only through the reverse layer.
        var generated = (ISequenceQuantModel)models.Cases["bi-lstm.float.none"].Generated;
        var a = new float[Tokens.Length * generated.OutputLength];
        var b = new float[a.Length];
        generated.PredictSequence(Tokens, a);
        generated.PredictSequence([.. Tokens[..^1], (Tokens[^1] + 1) % RecurrentTestModels.Vocabulary], b);
        Assert.NotEqual(a[..generated.OutputLength], b[..generated.OutputLength]);
    }

    [Fact]
    public void Stacked_bidirectional_layers_on_vectors_match_the_reference()
    {
        SequenceCase model = models.Cases["bi-stacked"];
        var generated = (ISequenceQuantModel)model.Generated;
        float[][] inputs = Enumerable.Range(0, 11).Select(t => TestModels.RandomFloats(new Random(t), 5, -2f, 2f)).ToArray();
        var outputs = new float[inputs.Length * generated.OutputLength];
        generated.PredictSequence(inputs.SelectMany(x => x).ToArray(), inputs.Length, outputs);
        AssertSteps(model.Name, model.Reference.RunSequence(inputs), outputs);
    }

    [Theory]
    [InlineData("lstm.uniform4")]
    [InlineData("stacked")]
    [InlineData("alternating-stack2.lstm")]
    public void A_unidirectional_models_sequence_is_its_steps(string name)
    {
        SequenceCase model = models.Cases[name];
        IRecurrentQuantModel recurrent = model.Recurrent;
        var sequence = (ISequenceQuantModel)model.Generated;
        float[] inputs = recurrent.VocabularySize > 0 ? Tokens.Select(t => (float)t).ToArray() : TestModels.RandomFloats(new Random(2), Tokens.Length * recurrent.InputLength, -2f, 2f);
        var outputs = new float[Tokens.Length * recurrent.OutputLength];
        sequence.PredictSequence(inputs, Tokens.Length, outputs);

        var state = recurrent.CreateState();
        var step = new float[recurrent.OutputLength];
        for (int t = 0; t < Tokens.Length; t++)
        {
            recurrent.Step(inputs.AsSpan(t * recurrent.InputLength, recurrent.InputLength), state, step);
            Assert.Equal(step, outputs.AsSpan(t * step.Length, step.Length).ToArray());
        }

        float[][] expected = model.Reference.RunSequence(Enumerable.Range(0, Tokens.Length).Select(t => inputs.AsSpan(t * recurrent.InputLength, recurrent.InputLength).ToArray()).ToArray());
        AssertSteps(name, expected, outputs);
        var last = new float[recurrent.OutputLength];
        sequence.PredictLast(inputs, Tokens.Length, last);
        Assert.Equal(step, last);
    }

    [Theory]
    [InlineData("bi-gru.uniform4-signed-row.uniform4")]
    [InlineData("lstm.uniform4")]
    public void A_sequence_allocates_nothing_once_the_threads_memory_is_large_enough(string name)
    {
        var generated = (ISequenceQuantModel)models.Cases[name].Generated;
        var outputs = new float[Tokens.Length * generated.OutputLength];
        var last = new float[generated.OutputLength];
        generated.PredictSequence(Tokens, outputs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            generated.PredictSequence(Tokens, outputs);
            generated.PredictLast(Tokens.AsSpan(0, 5), last);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_sequences_are_refused_with_the_argument_named()
    {
        var generated = (ISequenceQuantModel)models.Cases["bi-gru.float.none"].Generated;
        var outputs = new float[3 * generated.OutputLength];
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => generated.PredictSequence(new float[3], 3, new float[5])).ParamName);
        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => generated.PredictSequence(new float[2], 3, outputs)).ParamName);
        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => generated.PredictLast(ReadOnlySpan<float>.Empty, 0, new float[generated.OutputLength])).ParamName);
        ArgumentOutOfRangeException token = Assert.Throws<ArgumentOutOfRangeException>(() => generated.PredictSequence([1, RecurrentTestModels.Vocabulary, 2], outputs));
        Assert.Equal("tokens", token.ParamName);
        Assert.Contains("Token 1 is 11", token.Message);
        float[] shared = new float[3 * generated.OutputLength];
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => generated.PredictSequence(shared.AsSpan(0, 3), 3, shared)).ParamName);
    }

    [Fact]
    public void The_reference_runs_a_bidirectional_model_only_as_a_whole_sequence()
    {
        ReferenceInterpreter reference = models.Cases["bi-lstm.float.none"].Reference;
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => reference.Predict([1f]));
        Assert.Contains("RunSequence", e.Message);
    }

    private static void AssertSteps(string name, float[][] expected, float[] outputs)
    {
        int width = expected[0].Length;
        Assert.Equal(expected.Length * width, outputs.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            RecurrentDifferentialTests.AssertClose(name, t, expected[t], outputs.AsSpan(t * width, width).ToArray());
        }
    }
}
