using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Runtime;
using QuantGen.Tests.Recurrent;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Every recurrent test model (LSTM and GRU with each codec and activation quantizer, bit-RNN, online
/// alternating codes, stacked cells) stepped from many threads at once, each thread with its own states,
/// gives exactly the outputs of one thread stepping alone; the convolution models' Predict likewise.
/// </summary>
public sealed class RecurrentConcurrencyTests(CompiledRecurrentModels models) : IClassFixture<CompiledRecurrentModels>
{
    private const int Threads = 8;
    private static readonly int[][] Sequences = [[3, 1, 4, 1, 5, 9, 2, 6], [5, 3, 5, 8, 9, 7, 9, 3, 2], [0, 10, 0, 10, 7]];

    [Fact]
    public void Separate_states_step_identically_from_many_threads_at_once()
    {
        SequenceCase[] recurrent = models.Cases.Values.Where(c => c.Generated is IRecurrentQuantModel).OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();
        SequenceCase[] stateless = models.Cases.Values.Where(c => c.Generated is IQuantModel).OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();
        Assert.True(recurrent.Length >= 10 && stateless.Length >= 5, $"{recurrent.Length} recurrent and {stateless.Length} stateless models");
        float[][][] expected = recurrent.Select(c => Sequences.Select(s => Run(c.Recurrent, s)).ToArray()).ToArray();
        var random = new Random(4);
        float[][] images = stateless.Select(c => Enumerable.Range(0, c.Stateless.InputLength).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        float[][] predicted = stateless.Select((c, m) => Predict(c.Stateless, images[m])).ToArray();

        using var start = new Barrier(Threads);
        var failures = new List<string>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var order = new Random(t);
            start.SignalAndWait();
            for (int round = 0; round < 2; round++)
            {
                foreach (int m in Enumerable.Range(0, recurrent.Length).OrderBy(_ => order.Next()))
                {
                    int s = (t + round) % Sequences.Length;
                    float[] actual = Run(recurrent[m].Recurrent, Sequences[s]);
                    if (!actual.AsSpan().SequenceEqual(expected[m][s]))
                    {
                        lock (failures)
                        {
                            failures.Add($"{recurrent[m].Name}, sequence {s}, thread {t}");
                        }
                    }
                }

                for (int m = 0; m < stateless.Length; m++)
                {
                    if (!Predict(stateless[m].Stateless, images[m]).AsSpan().SequenceEqual(predicted[m]))
                    {
                        lock (failures)
                        {
                            failures.Add($"{stateless[m].Name}, thread {t}");
                        }
                    }
                }
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
        Assert.True(failures.Count == 0, $"{failures.Count} results differ: " + string.Join("; ", failures.Take(10)));
    }

    /// <summary>A fresh state through the whole sequence; the last step's output.</summary>
    private static float[] Run(IRecurrentQuantModel model, int[] tokens)
    {
        RecurrentState state = model.CreateState();
        var output = new float[model.OutputLength];
        foreach (int token in tokens)
        {
            if (model.VocabularySize > 0)
            {
                model.Step(token % model.VocabularySize, state, output);
            }
            else
            {
                float[] input = Enumerable.Range(0, model.InputLength).Select(i => MathF.Sin(token + i)).ToArray();
                model.Step(input, state, output);
            }
        }

        return output;
    }

    private static float[] Predict(IQuantModel model, float[] input)
    {
        var output = new float[model.OutputLength];
        model.Predict(input, output);
        return output;
    }
}
