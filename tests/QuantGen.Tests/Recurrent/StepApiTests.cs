using System;
using System.Linq;
using System.Threading.Tasks;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>The generated stateful API: independent states, Reset, no allocation per step, clear errors.</summary>
public sealed class StepApiTests(CompiledRecurrentModels models) : IClassFixture<CompiledRecurrentModels>
{
    private static readonly int[] Tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];

    [Fact]
    public void Separate_states_on_separate_threads_give_the_same_outputs_as_one_after_another()
    {
        IRecurrentQuantModel model = models.Cases["alternating2.lstm"].Recurrent;
        float[][] expected = Enumerable.Range(0, 8).Select(s => Run(model, Rotate(s))).ToArray();
        var actual = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, s =>
        {
            for (int repeat = 0; repeat < 20; repeat++)
            {
                actual[s] = Run(model, Rotate(s));
            }
        });
        for (int s = 0; s < 8; s++)
        {
            Assert.Equal(expected[s], actual[s]);
        }
    }

    [Fact]
    public void Interleaved_states_do_not_disturb_each_other_and_reset_starts_over()
    {
        IRecurrentQuantModel model = models.Cases["gru.levels3.thresholds2"].Recurrent;
        RecurrentState a = model.CreateState(), b = model.CreateState();
        var outA = new float[model.OutputLength];
        var outB = new float[model.OutputLength];
        var firstA = new float[model.OutputLength];
        for (int t = 0; t < Tokens.Length; t++)
        {
            model.Step(Tokens[t], a, outA);
            model.Step(Tokens[^(t + 1)], b, outB);
            if (t == 0)
            {
                outA.CopyTo(firstA, 0);
            }
        }

        Assert.Equal(Run(model, Tokens), outA);
        Assert.Equal(Run(model, Tokens.Reverse().ToArray()), outB);
        a.Reset();
        Assert.All(a.Values.ToArray(), v => Assert.Equal(0f, v));
        model.Step(Tokens[0], a, outA);
        Assert.Equal(firstA, outA);
    }

    [Fact]
    public void A_step_allocates_nothing()
    {
        foreach (string name in new[] { "lstm.float.none", "alternating2.lstm", "gru.uniform4-signed-row.online2", "bitrnn2.gru" })
        {
            IRecurrentQuantModel model = models.Cases[name].Recurrent;
            RecurrentState state = model.CreateState();
            var output = new float[model.OutputLength];
            // Tiered compilation allocates on its own account until the optimized code is installed, which on a
            // loaded machine can take many steps; so rounds of 100 steps run until one allocates nothing. A step that
            // allocates allocates in every round, and fails.
            long allocated = 0;
            for (int round = 0; round < 50; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int t = 0; t < 100; t++)
                {
                    model.Step(Tokens[t % Tokens.Length], state, output);
                }

                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated == 0)
                {
                    break;
                }

                System.Threading.Thread.Sleep(20);
            }

            Assert.True(allocated == 0, $"{name}: {allocated} bytes in the last of 50 rounds of 100 steps (and some in every one)");
        }
    }

    [Fact]
    public void Bad_tokens_states_and_lengths_are_refused_with_the_argument_named()
    {
        IRecurrentQuantModel model = models.Cases["lstm.float.none"].Recurrent;
        RecurrentState state = model.CreateState();
        var output = new float[model.OutputLength];
        Assert.Equal("token", Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(RecurrentTestModels.Vocabulary, state, output)).ParamName);
        Assert.Equal("token", Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(-1, state, output)).ParamName);
        Assert.Equal("token", Assert.Throws<ArgumentOutOfRangeException>(() => model.Step([2.5f], state, output)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => model.Step([2f], state, new float[1])).ParamName);
        RecurrentState foreign = models.Cases["gru.float.none"].Recurrent.CreateState();
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => model.Step(1, foreign, output)).ParamName);
        Assert.Throws<ArgumentNullException>(() => model.Step(1, null!, output));
        Assert.Throws<InvalidOperationException>(() => models.Cases["stacked"].Recurrent.Step(1, models.Cases["stacked"].Recurrent.CreateState(), new float[RecurrentTestModels.Outputs]));
    }

    [Fact]
    public void The_token_overload_and_the_vector_overload_agree()
    {
        IRecurrentQuantModel model = models.Cases["lstm.multibinary2.online2"].Recurrent;
        RecurrentState a = model.CreateState(), b = model.CreateState();
        var outA = new float[model.OutputLength];
        var outB = new float[model.OutputLength];
        foreach (int token in Tokens)
        {
            model.Step(token, a, outA);
            model.Step([token], b, outB);
            Assert.Equal(outA, outB);
        }
    }

    private static int[] Rotate(int s) => Tokens.Skip(s).Concat(Tokens.Take(s)).ToArray();

    private static float[] Run(IRecurrentQuantModel model, int[] tokens)
    {
        RecurrentState state = model.CreateState();
        var output = new float[model.OutputLength];
        foreach (int token in tokens)
        {
            model.Step(token, state, output);
        }

        return output;
    }
}
