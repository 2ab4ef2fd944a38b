using System;
using System.IO;
using System.Linq;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Methods;
using Xunit;

namespace QuantGen.Tests.Graph;

/// <summary>
/// The residual digits CNN of issue 17 (samples/Digits/resnet: conv-bn-relu, a residual block, maxpool,
/// linear, exported by PyTorch with its BatchNorm nodes): the import folds the BatchNorms and keeps the
/// skip, and the committed 8- and 4-bit descriptions (make-resnet-models.sh) run as generated code exactly
/// as the reference does, within two points of the float model's accuracy. (Its ONNX file against ONNX
/// Runtime: OnnxRuntimeOracleTests.)
/// </summary>
public sealed class DigitsResNetTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "digits-resnet");

    [Fact]
    public void The_import_folds_every_BatchNorm_and_keeps_the_skip()
    {
        Model model = QuantGen.Import.OnnxImporter.Import(Path.Combine(Directory, "digits-resnet.onnx"));
        Assert.Equal(
            "Conv2D, Relu, Conv2D, Relu, Conv2D, Add, Relu, MaxPool2D, Flatten, Dense",
            string.Join(", ", model.Layers.Select(l => l.OpCase)));
        Layer add = model.Layers.Single(l => l.Add is not null);
        // PyTorch's x + y: the stem's ReLU, then the second conv (its BatchNorm folded in).
        Assert.Equal(new[] { model.Layers[1].Name, model.Layers[4].Name }, add.Inputs.ToArray());
    }

    [Fact]
    public void Quantized_descriptions_run_as_the_reference_and_keep_the_accuracy()
    {
        Model floatModel = QuantGen.Import.OnnxImporter.Import(Path.Combine(Directory, "digits-resnet.onnx"));
        int floatCorrect = DigitsData.Correct(floatModel);
        var quantized = new[] { "digits-resnet.uniform8.qgm.json", "digits-resnet.uniform4.qgm.json" }
            .Select(f => (f, DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(Directory, f)), f))).ToList();
        var compiled = CompiledModels.Compile(quantized);
        (float[][] inputs, int[] labels) = DigitsData.HeldOut;
        foreach ((string name, Model model) in quantized)
        {
            ModelCase c = compiled[name];
            DifferentialTests.AssertMatches(c, seed: 5);
            int correct = 0;
            var y = new float[10];
            for (int i = 0; i < inputs.Length; i++)
            {
                c.Generated.Predict(inputs[i], y);
                float[] expected = c.Reference.Predict(inputs[i]);
                Assert.Equal(Array.IndexOf(expected, expected.Max()), Array.IndexOf(y, y.Max()));
                correct += Array.IndexOf(y, y.Max()) == labels[i] ? 1 : 0;
            }

            Assert.True(correct >= floatCorrect - 7, $"{name}: {correct} of {inputs.Length} correct, the float model {floatCorrect}");
            Assert.Equal(correct, DigitsData.Correct(model));
        }
    }
}
