using System;
using System.Linq;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Threads;

/// <summary>
/// Predict over a batch gives exactly what one Predict per input gives, for every compiled test model: models of
/// fully connected and element-wise layers run whole tiles (float32 products batched, DenseKernels.FloatMany), the
/// others one input at a time. Nine inputs: two whole tiles of four and one left over.
/// </summary>
public sealed class BatchPredictTests(CompiledModels models) : IClassFixture<CompiledModels>
{
    [Fact]
    public void A_batch_equals_one_predict_per_input_bit_for_bit()
    {
        const int batch = 9;
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

        // The float two-layer models (with no input quantizer) and the float digits model take the batched path.
        Assert.True(tiled >= 10, $"only {tiled} models run whole tiles");
    }
}
