using System;
using System.Globalization;
using System.IO;
using System.Linq;
using QuantGen.Import;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>samples/Digits/data/digits.onnx (export_onnx.py) against the float description it was made from.</summary>
public sealed class DigitsOnnxTests
{
    private static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "digits");

    private static Model Description() =>
        DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(DataDirectory, "digits.float.qgm.json")), "digits.float.qgm.json");

    [Fact]
    public void Importing_digits_onnx_gives_the_float_descriptions_layers_and_weights_bit_for_bit()
    {
        Model imported = OnnxImporter.Import(Path.Combine(DataDirectory, "digits.onnx"));
        Model expected = Description();

        Assert.Equal("digits", imported.Name);
        Assert.Equal(expected.Inputs, imported.Inputs);
        Assert.Equal(expected.Outputs, imported.Outputs);
        Assert.Equal(expected.Layers.Select(l => (l.Name, l.OpCase)), imported.Layers.Select(l => (l.Name, l.OpCase)));
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            Dense? want = expected.Layers[i].Dense;
            if (want is null)
            {
                continue;
            }

            Dense got = imported.Layers[i].Dense;
            Assert.Equal((want.InFeatures, want.OutFeatures), (got.InFeatures, got.OutFeatures));
            Assert.Equal(Bits(want.Weights.Float32.Values), Bits(got.Weights.Float32.Values));
            Assert.Equal(Bits(want.Bias), Bits(got.Bias));
        }
    }

    [Fact]
    public void The_imported_model_gives_the_descriptions_outputs_on_every_held_out_digit_and_PyTorchs()
    {
        var imported = new ReferenceInterpreter(OnnxImporter.Import(Path.Combine(DataDirectory, "digits.onnx")));
        var description = new ReferenceInterpreter(Description());
        float[][] inputs = File.ReadAllLines(Path.Combine(DataDirectory, "digits-test.csv"))
            .Select(line => line.Split(',').Take(64).Select(v => int.Parse(v, CultureInfo.InvariantCulture) / 16f).ToArray())
            .ToArray();
        Assert.Equal(360, inputs.Length);
        foreach (float[] input in inputs)
        {
            Assert.Equal(Bits(description.Predict(input)), Bits(imported.Predict(input)));
        }

        string[] expected = File.ReadAllLines(Path.Combine(DataDirectory, "digits-expected.csv"));
        for (int i = 0; i < expected.Length; i++)
        {
            float[] want = expected[i].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            float[] got = imported.Predict(inputs[i]);
            Assert.All(Enumerable.Range(0, 10), k => Assert.True(Math.Abs(got[k] - want[k]) <= 1e-5f, $"digit {i}, class {k}: {got[k]:R} against PyTorch {want[k]:R}"));
        }
    }

    private static int[] Bits(System.Collections.Generic.IEnumerable<float> values) =>
        values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
