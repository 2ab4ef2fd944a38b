using System;
using System.Linq;
using System.Threading;
using QuantGen.Generator;
using QuantGen.Generator.Model;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>
/// PredictSequence and PredictLast give exactly what stepping gives, on every compiled recurrent test model: those run
/// layer by layer (an LSTM/GRU input product over 16 steps per call, <see cref="ModelPlan.SequenceByLayers"/>) and those
/// run step by step. 37 steps: two whole tiles of 16 and a tile of 5.
/// </summary>
public sealed class SequenceByLayersTests(CompiledRecurrentModels models) : IClassFixture<CompiledRecurrentModels>
{
    private const int Steps = 37;

    [Fact]
    public void A_sequence_equals_its_steps_bit_for_bit_run_by_layers_or_by_steps()
    {
        int byLayers = 0, bySteps = 0;
        var overSteps = new System.Collections.Generic.List<KernelKind>();
        foreach (SequenceCase c in models.Cases.Values.Where(c => c.Generated is IRecurrentQuantModel).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            IRecurrentQuantModel recurrent = c.Recurrent;
            var sequence = (ISequenceQuantModel)c.Generated;
            var random = new Random(c.Name.Length * 13 + 5);
            float[] inputs = Enumerable.Range(0, Steps * recurrent.InputLength)
                .Select(_ => recurrent.VocabularySize > 0 ? random.Next(recurrent.VocabularySize) : (float)(random.NextDouble() * 4 - 2)).ToArray();
            var outputs = new float[Steps * recurrent.OutputLength];
            sequence.PredictSequence(inputs, Steps, outputs);
            var state = recurrent.CreateState();
            var step = new float[recurrent.OutputLength];
            for (int t = 0; t < Steps; t++)
            {
                recurrent.Step(inputs.AsSpan(t * recurrent.InputLength, recurrent.InputLength), state, step);
                Assert.True(step.AsSpan().SequenceEqual(outputs.AsSpan(t * step.Length, step.Length)), $"{c.Name}: step {t} of the sequence differs from Step");
            }

            var last = new float[recurrent.OutputLength];
            sequence.PredictLast(inputs, Steps, last);
            Assert.True(step.AsSpan().SequenceEqual(last), $"{c.Name}: PredictLast differs from the last Step");
            ModelPlan plan = Plan(c.Description);
            if (plan.SequenceByLayers)
            {
                byLayers++;
                overSteps.AddRange(plan.Layers.Where(ModelPlan.InputOverSteps).Select(l => l.Matrices[0].Kernel));
            }
            else
            {
                bySteps++;
            }
        }

        // Float32 and integer input products run over steps; the models whose input products have no batched form (or
        // whose xor/popcount kernels share h's codes across layers and steps) step.
        Assert.True(byLayers >= 5 && bySteps >= 10, $"{byLayers} models ran by layers, {bySteps} by steps");
        Assert.Contains(KernelKind.Float, overSteps);
        Assert.Contains(KernelKind.Int8, overSteps);
    }

    private static ModelPlan Plan(Model description)
    {
        var file = new ModelFile("/src/m.qgm.json", ModelItem.None, "hash", description, EquatableArray<DiagnosticInfo>.Empty);
        var binding = new ModelBinding("N", "M", EquatableArray<ContainingType>.Empty, "m.qgm.json", "/src", null, null);
        return Planner.Plan(binding, file, CpuTarget.Avx512, CancellationToken.None);
    }
}
