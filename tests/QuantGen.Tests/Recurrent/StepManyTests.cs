using System;
using System.Linq;
using System.Reflection;
using System.Threading;
using QuantGen.Generator;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>
/// StepMany: several independent sequences stepped together give each state exactly what Step gives it, on every
/// compiled recurrent test model (the layers whose gate products step together through the batched kernels, and the
/// others state by state); and bad calls fail clearly without leaving a state marked in use.
/// </summary>
public sealed class StepManyTests(CompiledRecurrentModels models) : IClassFixture<CompiledRecurrentModels>
{
    /// <summary>19 states: a whole tile of 16 and a tile of 3 (in the batched kernels, groups of four and one left over).</summary>
    private const int States = 19;

    private const int Steps = 5;

    [Fact]
    public void Stepping_states_together_equals_stepping_each_alone_bit_for_bit()
    {
        int recurrent = 0;
        foreach (SequenceCase c in models.Cases.Values.Where(c => c.Generated is IRecurrentQuantModel).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            AssertStepManyEqualsStep(c.Recurrent, c.Name);
            recurrent++;
        }

        Assert.True(recurrent >= 40, $"only {recurrent} recurrent models");

        // Both batched forms are exercised: float32 gate products (FloatMany) and integer ones (Int8.DenseMany).
        LayerPlan[] steppedTogether = models.Cases.Values.Where(c => c.Generated is IRecurrentQuantModel)
            .SelectMany(c => Plan(c.Description).Layers.Where(ModelPlan.StepsTogether)).ToArray();
        Assert.Contains(steppedTogether, l => l.Matrices[1].Kernel == KernelKind.Float);
        Assert.Contains(steppedTogether, l => l.Matrices[1].Kernel == KernelKind.Int8);
        Assert.Contains(steppedTogether, l => l.Matrices[1].InputOnGrid && l.Matrices[1].FusesInput);
        Assert.Contains(models.Cases.Values.Where(c => c.Generated is IRecurrentQuantModel), c => Plan(c.Description).Layers.Any(ModelPlan.HeadTogether));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Codes_two_per_byte_step_together_too(bool lstm)
    {
        // Planned for Avx2, 4-bit weights and inputs take the nibble layout (Int4), whose batched call runs every state
        // through the single-input nibble loop on AVX2 (Int8.DenseManyNibbles).
        string name = lstm ? "nibbles.lstm" : "nibbles.gru";
        Model description = RecurrentTestModels.TokenRecurrent(name, lstm, (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), _ => TestModels.UniformActivation(4, -1f, 1.5f), 17);
        var files = new[] { new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/rnn/nibbles.qgm.json", TestModels.Json(description)) };
        string source = "namespace Tests.Nibbles;\n[global::QuantGen.QuantModel(\"rnn/nibbles.qgm.json\")] public partial class Model;\n";
        GeneratorRun run = GeneratorHarness.Run([(GeneratorHarness.SourceDirectory + "/Models.cs", source)], files, "Avx2");
        Assert.Empty(run.Result.Diagnostics);
        Assert.Contains("Int8.DenseManyNibbles(", run.Sources.Single(s => s.Key.Contains("Model.Kernels", StringComparison.Ordinal)).Value, StringComparison.Ordinal);
        Assembly assembly = Assembly.Load(QuantGen.InMemory.InMemoryGenerator.Emit(run.Output));
        AssertStepManyEqualsStep((IRecurrentQuantModel)Activator.CreateInstance(assembly.GetType("Tests.Nibbles.Model")!)!, name);
    }

    /// <summary>States stepped together (every other step through the vector overload, two states reset at step 3) against the same states stepped alone.</summary>
    private static void AssertStepManyEqualsStep(IRecurrentQuantModel model, string name)
    {
    var random = new Random(name.Length * 7 + 1);
        bool ids = model.VocabularySize > 0;
        float[][] inputs = Enumerable.Range(0, Steps)
            .Select(_ => Enumerable.Range(0, States * model.InputLength).Select(_ => ids ? random.Next(model.VocabularySize) : (float)(random.NextDouble() * 2 - 1)).ToArray())
            .ToArray();
        RecurrentState[] together = Enumerable.Range(0, States).Select(_ => model.CreateState()).ToArray();
        RecurrentState[] alone = Enumerable.Range(0, States).Select(_ => model.CreateState()).ToArray();
        var outputs = new float[States * model.OutputLength];
        var output = new float[model.OutputLength];
        for (int step = 0; step < Steps; step++)
        {
            if (step == 3)
            {
                // Zero states among stepped ones in the same tile: the start of a sequence, which some
                // recurrent products take around the kernel (its h is off the hidden quantizer's grid).
                together[5].Reset();
                alone[5].Reset();
                together[17].Reset();
                alone[17].Reset();
            }

            if (ids && step % 2 == 0)
            {
                model.StepMany(inputs[step].Select(v => (int)v).ToArray(), together, outputs);
            }
            else
            {
                // The vector overload (a token model reads its ids as one-value inputs).
                model.StepMany(inputs[step], together, outputs);
            }

            for (int s = 0; s < States; s++)
            {
                model.Step(inputs[step].AsSpan(s * model.InputLength, model.InputLength), alone[s], output);
                Assert.True(output.AsSpan().SequenceEqual(outputs.AsSpan(s * model.OutputLength, model.OutputLength)), $"{name}: state {s} at step {step} differs from its own Step");
                Assert.True(alone[s].Values.SequenceEqual(together[s].Values), $"{name}: state {s} after step {step} differs from its own Step's");
            }
        }
    }

    [Fact]
    public void A_state_given_twice_throws_and_leaves_every_state_usable()
    {
        IRecurrentQuantModel model = models.Cases["hidden-grid.lstm"].Recurrent;
        RecurrentState a = model.CreateState(), b = model.CreateState();
        var outputs = new float[3 * model.OutputLength];
        var error = Assert.Throws<InvalidOperationException>(() => model.StepMany([1, 2, 3], [a, b, a], outputs));
        Assert.Contains("states[2]", error.Message, StringComparison.Ordinal);
        Assert.All(a.Values.ToArray(), v => Assert.Equal(0f, v));

        // Released: both step again, alone and together.
        model.Step(1, a, outputs.AsSpan(0, model.OutputLength));
        model.StepMany([1, 2], [a, b], outputs.AsSpan(0, 2 * model.OutputLength));
    }

    [Fact]
    public void Bad_arguments_fail_with_clear_errors()
    {
        IRecurrentQuantModel model = models.Cases["lstm.uniform4-signed-row.uniform4"].Recurrent;
        IRecurrentQuantModel other = models.Cases["gru.uniform4-signed-row.uniform4"].Recurrent;
        RecurrentState a = model.CreateState(), b = model.CreateState();
        var two = new float[2 * model.OutputLength];
        Assert.Contains("one token per state", Assert.Throws<ArgumentException>(() => model.StepMany([1], [a, b], two)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.StepMany([1, 2], [a, b], new float[model.OutputLength]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.StepMany([1, model.VocabularySize], [a, b], two));
        Assert.Contains("another model", Assert.Throws<ArgumentException>(() => model.StepMany([1, 2], [a, other.CreateState()], two)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => model.StepMany([1, 2], [a, null!], two));
        Assert.Throws<ArgumentException>(() => model.StepMany(new float[3], [a, b], two));

        // No state was left marked in use by the failed calls.
        model.StepMany([1, 2], [a, b], two);
        model.StepMany(ReadOnlySpan<int>.Empty, ReadOnlySpan<RecurrentState>.Empty, Span<float>.Empty);
    }

    [Fact]
    public void Stepping_states_together_allocates_nothing()
    {
        foreach (string name in new[] { "lstm.float.none", "hidden-grid.gru", "alternating2.lstm" })
        {
            IRecurrentQuantModel model = models.Cases[name].Recurrent;
            RecurrentState[] states = Enumerable.Range(0, States).Select(_ => model.CreateState()).ToArray();
            int[] tokens = Enumerable.Range(0, States).Select(s => s % model.VocabularySize).ToArray();
            var outputs = new float[States * model.OutputLength];
            // As for Step: rounds until one allocates nothing (tiered compilation allocates on its own account until
            // the optimized code is in); a call that allocates allocates in every round, and fails.
            long allocated = 0;
            for (int round = 0; round < 50; round++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int t = 0; t < 20; t++)
                {
                    model.StepMany(tokens, states, outputs);
                }

                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated == 0)
                {
                    break;
                }

                Thread.Sleep(20);
            }

            Assert.True(allocated == 0, $"{name}: StepMany allocated {allocated} bytes in 20 calls");
        }
    }

    private static ModelPlan Plan(Model description)
    {
        var file = new ModelFile("/src/m.qgm.json", ModelItem.None, "hash", description, EquatableArray<DiagnosticInfo>.Empty);
        var binding = new ModelBinding("N", "M", EquatableArray<ContainingType>.Empty, "m.qgm.json", "/src", null, null);
        return Planner.Plan(binding, file, CpuTarget.Avx512, CancellationToken.None);
    }
}
