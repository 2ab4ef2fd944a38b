using System;
using System.Globalization;
using System.IO;
using System.Linq;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>The digits sample's trained network and its quantized variants, on the 360 held-out digits.</summary>
public sealed class DigitsModelTests(CompiledModels models) : IClassFixture<CompiledModels>
{
    private static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "digits");

    [Fact]
    public void The_generated_float_model_matches_PyTorch()
    {
        // digits-expected.csv: PyTorch's float32 softmax outputs for the first 20 held-out digits.
        ModelCase model = models.Cases["digits.float"];
        float[][] inputs = HeldOut().Inputs;
        string[] expected = File.ReadAllLines(Path.Combine(DataDirectory, "digits-expected.csv"));
        var output = new float[10];
        for (int i = 0; i < expected.Length; i++)
        {
            float[] want = expected[i].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            model.Generated.Predict(inputs[i], output);
            for (int k = 0; k < 10; k++)
            {
                Assert.True(Math.Abs(output[k] - want[k]) <= 1e-5f, $"digit {i}, class {k}: {output[k]:R} against PyTorch {want[k]:R}");
            }
        }
    }

    [Fact]
    public void The_float_model_reaches_the_accuracy_PyTorch_reported()
    {
        // pytorch-accuracy.txt: test_accuracy=0.9694 correct=349 total=360
        Assert.Equal(349, Correct(models.Cases["digits.float"].Generated));
    }

    [Theory]
    [InlineData("digits.float")]
    [InlineData("digits.uniform8")]
    [InlineData("digits.uniform4")]
    [InlineData("digits.uniform2")]
    [InlineData("digits.alternating2")]
    public void Every_variant_matches_the_reference_on_every_held_out_digit(string name)
    {
        // Quantizers here act on sums that the two sides add in different orders, so a value within a few
        // ulps of a level boundary may land on either side: allow that on a handful of digits, never a
        // different answer where the reference's top two classes are clearly apart.
        ModelCase model = models.Cases[name];
        (float[][] inputs, int[] _) = HeldOut();
        var output = new float[10];
        int loose = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            model.Generated.Predict(inputs[i], output);
            float[] expected = model.Reference.Predict(inputs[i]);
            float difference = output.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
            if (difference > 1e-4f)
            {
                loose++;
                float[] sorted = expected.OrderByDescending(v => v).ToArray();
                if (sorted[0] - sorted[1] > 0.05f)
                {
                    Assert.Equal(ArgMax(expected), ArgMax(output));
                }
            }
        }

        Assert.True(loose <= 3, $"{name}: {loose} of {inputs.Length} digits differ from the reference by more than 1e-4");
    }

    [Fact]
    public void Predictions_are_identical_when_many_threads_call_at_once()
    {
        foreach (string name in new[] { "digits.uniform4", "digits.alternating2" })
        {
            var model = models.Cases[name].Generated;
            float[][] inputs = HeldOut().Inputs;
            float[][] sequential = inputs.Select(x => { var y = new float[10]; model.Predict(x, y); return y; }).ToArray();
            var parallel = new float[inputs.Length][];
            System.Threading.Tasks.Parallel.For(0, inputs.Length * 4, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
            {
                int i = k % inputs.Length;
                var y = new float[10];
                model.Predict(inputs[i], y);
                Assert.Equal(sequential[i], y);
            });
        }
    }

    private int Correct(IQuantModel model)
    {
        (float[][] inputs, int[] labels) = HeldOut();
        var output = new float[10];
        int correct = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            model.Predict(inputs[i], output);
            correct += ArgMax(output) == labels[i] ? 1 : 0;
        }

        return correct;
    }

    private static (float[][] Inputs, int[] Labels) HeldOut()
    {
        string[] lines = File.ReadAllLines(Path.Combine(DataDirectory, "digits-test.csv"));
        float[][] inputs = lines.Select(l => l.Split(',').Take(64).Select(v => int.Parse(v, CultureInfo.InvariantCulture) / 16f).ToArray()).ToArray();
        int[] labels = lines.Select(l => int.Parse(l.Split(',')[64], CultureInfo.InvariantCulture)).ToArray();
        return (inputs, labels);
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
