using System;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Schema;
using QuantGen.Tests.Import;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Graph;

/// <summary>
/// The quantizer on imported models with the new layers and branches: the weighted layers are quantized and
/// get calibrated input quantizers, Clip, LeakyRelu, the pools, Add and Concat pass unchanged (they have no
/// weights), and the result validates and runs as generated code exactly as the reference does.
/// </summary>
public sealed class GraphQuantizeTests
{
    [Theory]
    [InlineData("activations_pool")]
    [InlineData("residual_block")]
    [InlineData("concat_branches")]
    public void An_imported_graph_quantizes_and_runs_as_the_reference(string fixture)
    {
        Model floatModel = QuantGen.Import.OnnxImporter.Import(OnnxFixtures.Path(fixture, 13));
        var random = new Random(3);
        float[][] calibration = Enumerable.Range(0, 16).Select(_ => TestModels.RandomFloats(random, ModelShape.InputLength(floatModel), -1f, 1f)).ToArray();
        Model quantized = ModelQuantizer.Quantize(floatModel, MethodSpec.Parse("uniform:4"), MethodSpec.Parse("uniform:4"), calibration);

        Assert.Empty(DescriptionLoader.Load(TestModels.Json(quantized)).Errors);
        for (int i = 0; i < floatModel.Layers.Count; i++)
        {
            Layer before = floatModel.Layers[i], after = quantized.Layers[i];
            Assert.Equal(before.Inputs, after.Inputs);
            if (LayerShapes.Matrices(before).Count == 0)
            {
                Assert.Equal(before, after);
            }
            else
            {
                Assert.All(LayerShapes.Matrices(after), m => Assert.Equal(Weights.CodecOneofCase.Uniform, m.Weights!.CodecCase));
            }
        }

        Assert.Contains(quantized.Layers, l => l.InputQuantizer is not null);
        DifferentialTests.AssertMatches(CompiledModels.Compile([(fixture, quantized)])[fixture], seed: 9);
    }
}
