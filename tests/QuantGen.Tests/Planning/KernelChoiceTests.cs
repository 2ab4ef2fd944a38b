using System;
using System.Linq;
using QuantGen.Generator;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Recurrent;
using Xunit;

namespace QuantGen.Tests.Planning;

/// <summary>
/// The kernel registry's choices, per matrix of each layer kind: the same weights and input quantizer get the
/// same kernel in a Dense layer and in an LSTM or GRU; kernels that code their own input never serve a
/// convolution's patches; every choice is the cheapest strategy that applies.
/// </summary>
public sealed class KernelChoiceTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(4, 4)]
    public void Uniform_weights_with_a_uniform_input_take_integer_dot_products_in_dense_and_recurrent_layers(int weightBits, int inputBits)
    {
        var random = new Random(1);
        Weights W(int rows, int cols) => TestModels.Uniform(random, rows, cols, weightBits, signed: true, perRow: true, zeroPoints: false);
        ActivationQuantizer q = TestModels.UniformActivation(inputBits, -1f, 1f);
        var dense = new Layer { Dense = new Dense { InFeatures = 256, OutFeatures = 1024, Weights = W(1024, 256) }, InputQuantizer = q };
        Layer lstm = RecurrentTestModels.Lstm(random, (r, rows, cols) => W(rows, cols), 256, 256);
        lstm.InputQuantizer = q;
        lstm.Lstm.Options.RecurrentQuantizer = q;
        Assert.Equal([KernelKind.Int8], Kernels(dense));
        Assert.Equal([KernelKind.Int8, KernelKind.Int8], Kernels(lstm));
    }

    [Fact]
    public void Alternating_weights_with_online_codes_take_a_fast_kernel_in_every_layer_kind_and_never_popcount_over_patches()
    {
        var random = new Random(2);
        Layer gru = RecurrentTestModels.Gru(random, (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, 2), 64, 256);
        gru.InputQuantizer = TestModels.Online(2, 2);
        gru.Gru.Options.RecurrentQuantizer = TestModels.Online(2, 2);
        Assert.All(Kernels(gru), k => Assert.Contains(k, new[] { KernelKind.Xnor, KernelKind.PlaneLut }));

        Model conv = RecurrentTestModels.Convolution("c", (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, 2), TestModels.Online(2, 2), stride: 1, padding: 1, poolPadding: 0, seed: 3);
        // A convolution's input is coded as a whole map, and padding has no code: no kernel that codes its own input serves it.
        Assert.All(Kernels(conv.Layers[0]), k => Assert.DoesNotContain(k, new[] { KernelKind.Xnor, KernelKind.Int8 }));
    }

    [Fact]
    public void Wide_level_tables_fall_back_to_decoding_rows_and_float_weights_stay_float()
    {
        var random = new Random(4);
        var levels = new Layer { Dense = new Dense { InFeatures = 40, OutFeatures = 30, Weights = TestModels.Levels(random, 30, 40, 4) } };
        var floats = new Layer { Dense = new Dense { InFeatures = 40, OutFeatures = 30, Weights = TestModels.Float(random, 30, 40) }, InputQuantizer = TestModels.LogQuant(3, -16, 4) };
        Assert.Equal([KernelKind.DecodeRow], Kernels(levels));
        Assert.Equal([KernelKind.Float], Kernels(floats));
    }

    [Fact]
    public void Every_choice_is_within_the_size_tolerance_of_the_cheapest_and_the_smallest_such()
    {
        foreach (CpuTarget target in Enum.GetValues<CpuTarget>())
        {
            foreach ((string name, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
            {
                foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
                {
                    var random = new Random(5);
                    var layer = new Layer { Dense = new Dense { InFeatures = 300, OutFeatures = 200, Weights = codec(random, 200, 300) }, InputQuantizer = quantizer(random) };
                    MatrixRequest m = MatrixRequests.Of(layer, 0, CostModel.For(target)).Single();
                    KernelStrategy[] applicable = KernelRegistry.All.Where(s => s.Applies(m)).ToArray();
                    // A strategy's slowdown against the fastest, the larger over the target's tables (Portable has two).
                    double Regret(KernelStrategy s) => m.Costs.Tables.Max(t => KernelRegistry.Cost(s, m.With(t)) / applicable.Min(a => KernelRegistry.Cost(a, m.With(t))));
                    double least = applicable.Min(Regret);
                    KernelStrategy chosen = KernelRegistry.Choose(m);
                    string what = $"{target}: {name} x {quantizerName}";
                    Assert.True(Regret(chosen) <= least * m.Costs.SizeTolerance, $"{what}: {chosen.Kind}");
                    long bytes = BlobBuilder.Space(chosen.Layout(m));
                    Assert.All(applicable.Where(s => Regret(s) <= least * m.Costs.SizeTolerance), s => Assert.True(BlobBuilder.Space(s.Layout(m)) >= bytes, $"{what}: {s.Kind} is as fast and smaller than {chosen.Kind}"));
                }
            }
        }
    }

    private static KernelKind[] Kernels(Layer layer) => MatrixRequests.Of(layer, 0).Select(m => KernelRegistry.Choose(m).Kind).ToArray();
}
