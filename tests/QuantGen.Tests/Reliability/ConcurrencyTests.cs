using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Generated models are stateless: many threads calling Predict at once on the same instance get exactly
/// the results of one thread calling alone. Every compiled test model (each codec with each activation
/// quantizer, every bit width, the online alternating quantizer that works in scratch memory) and a model
/// large enough to use the per-thread scratch buffer instead of the stack.
/// </summary>
public sealed class ConcurrencyTests(CompiledModels models) : IClassFixture<CompiledModels>
{
    private const int Threads = 8;
    private const int InputsPerModel = 6;

    [Fact]
    public void Every_model_gives_identical_results_from_many_threads_at_once()
    {
        var cases = models.Cases.Values.Where(c => !c.Name.StartsWith("digits", StringComparison.Ordinal)).ToList();
        cases.AddRange(CompiledModels.Compile([("large-scratch", LargeScratchModel())]).Values);
        GeneratorRun large = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/m.qgm.json", TestModels.Json(LargeScratchModel()))]);
        Assert.Contains(large.Sources.Values, source => source.Contains("ScratchBuffer.Get(", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Name.Contains("online", StringComparison.Ordinal));
        RunConcurrently(cases);
    }

    private static void RunConcurrently(IReadOnlyList<ModelCase> cases)
    {
        var random = new Random(42);
        float[][][] inputs = cases.Select(c => Enumerable.Range(0, InputsPerModel).Select(_ => TestModels.RandomFloats(random, c.Generated.InputLength, -2f, 2f)).ToArray()).ToArray();
        float[][][] expected = cases.Select((c, m) => inputs[m].Select(x => Predict(c.Generated, x)).ToArray()).ToArray();

        // Every thread starts at the same moment and walks the models in its own order, repeatedly, so
        // that different threads are inside the same model's Predict at once.
        using var start = new Barrier(Threads);
        var failures = new List<string>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var order = new Random(t);
            start.SignalAndWait();
            for (int round = 0; round < 3; round++)
            {
                foreach (int m in Enumerable.Range(0, cases.Count).OrderBy(_ => order.Next()))
                {
                    for (int i = 0; i < InputsPerModel; i++)
                    {
                        float[] actual = Predict(cases[m].Generated, inputs[m][i]);
                        if (!actual.AsSpan().SequenceEqual(expected[m][i]))
                        {
                            lock (failures)
                            {
                                failures.Add($"{cases[m].Name}, input {i}, thread {t}: [{string.Join(", ", actual)}] instead of [{string.Join(", ", expected[m][i])}]");
                            }
                        }
                    }

                    // The batched overload shares one scratch area between the vectors of the batch.
                    float[] batch = inputs[m].SelectMany(x => x).ToArray();
                    var outputs = new float[InputsPerModel * cases[m].Generated.OutputLength];
                    cases[m].Generated.Predict(batch, outputs, InputsPerModel);
                    if (!outputs.AsSpan().SequenceEqual(expected[m].SelectMany(y => y).ToArray()))
                    {
                        lock (failures)
                        {
                            failures.Add($"{cases[m].Name}, batch, thread {t}");
                        }
                    }
                }
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
        Assert.True(failures.Count == 0, $"{failures.Count} results differ:\n" + string.Join("\n", failures.Take(10)));
    }

    private static float[] Predict(IQuantModel model, float[] input)
    {
        var output = new float[model.OutputLength];
        model.Predict(input, output);
        return output;
    }

    /// <summary>An online-quantized 8192-wide input: 16,400 floats of working memory, past the stack limit (16,384).</summary>
    private static Model LargeScratchModel()
    {
        var random = new Random(8);
        var model = new Model { Schema = "quantgen.v1", Name = "large-scratch" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 8192 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 3 } });
        model.Layers.Add(new Layer { Name = "wide", InputQuantizer = TestModels.Online(2, 2), Dense = new Dense { InFeatures = 8192, OutFeatures = 8, Weights = TestModels.Uniform(random, 8, 8192, 2, signed: true, perRow: true, zeroPoints: false) } });
        model.Layers.Add(new Layer { Name = "head", InputQuantizer = TestModels.LogQuant(3, -8, 4), Dense = new Dense { InFeatures = 8, OutFeatures = 3, Weights = TestModels.MultiBinary(random, 3, 8, 2) } });
        return model;
    }
}
