using System;
using System.Linq;
using System.Threading;
using QuantGen.Generator;
using QuantGen.Generator.Model;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Threads;

/// <summary>
/// Predict over a batch gives exactly what one Predict per input gives, for every compiled test model: models of
/// fully connected and element-wise layers run whole tiles (float32 products batched, DenseKernels.FloatMany), the
/// others one input at a time. 9 inputs: one tile (two groups of four in the batched kernel and one left over);
/// 37: two whole tiles of 16 and a tile of 5.
/// </summary>
public sealed class BatchPredictTests(CompiledModels models) : IClassFixture<CompiledModels>
{
    [Theory]
    [InlineData(9)]
    [InlineData(37)]
    public void A_batch_equals_one_predict_per_input_bit_for_bit(int batch)
    {
        int tiled = 0;
        foreach (ModelCase c in models.Cases.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            IQuantModel model = c.Generated;
            var random = new Random(c.Name.Length * 101);
            float[] inputs = TestModels.RandomFloats(random, batch * model.InputLength, -1f, 1f);
            var together = new float[batch * model.OutputLength];
            model.Predict(inputs, together, batch);
            for (int i = 0; i < batch; i++)
            {
                var alone = new float[model.OutputLength];
                model.Predict(inputs.AsSpan(i * model.InputLength, model.InputLength), alone);
                Assert.True(alone.AsSpan().SequenceEqual(together.AsSpan(i * model.OutputLength, model.OutputLength)), $"{c.Name}: input {i} of the batch differs from its own Predict");
            }

            tiled += model.GetType().GetMethod("ForwardTile", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static) is null ? 0 : 1;
        }

        // The float two-layer models (with no input quantizer) and the float digits model take the batched path, and
        // so do chains whose products run the integer kernel, on either layout (Int8.DenseMany, DenseManyNibbles).
        Assert.True(tiled >= 10, $"only {tiled} models run whole tiles");
        foreach (KernelKind kind in new[] { KernelKind.Int8, KernelKind.Int4 })
        {
            int integer = models.Cases.Values.Count(c => Plan(c.Description) is { BatchTile: > 0 } plan
                && plan.Layers.Any(l => ModelPlan.TakesBatch(l) && l.Matrices[0].Kernel == kind));
            Assert.True(integer >= 2, $"only {integer} models run {kind} products over whole tiles");
        }
    }

    private static ModelPlan Plan(Model description)
    {
        var file = new ModelFile("/src/m.qgm.json", ModelItem.None, "hash", description, EquatableArray<DiagnosticInfo>.Empty);
        var binding = new ModelBinding("N", "M", EquatableArray<ContainingType>.Empty, "m.qgm.json", "/src", null, null);
        return Planner.Plan(binding, file, CancellationToken.None);
    }
}
