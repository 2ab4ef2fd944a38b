using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Schema;
using Xunit;
using Xunit.Abstractions;

namespace QuantGen.Tests.Methods;

/// <summary>
/// Held-out accuracy of the digits model under every method at 2 and 4 bits, by the reference
/// interpreter, calibrated on the whole training split. The table is printed (run with
/// --logger "console;verbosity=detailed"); only sanity bounds are asserted, since post-training
/// accuracy is a measurement, not a specification.
/// </summary>
public sealed class DigitsAccuracyTests(ITestOutputHelper output)
{
    private static readonly (string Weights, string Activations)[] Pairs =
    [
        ("uniform", "uniform"), ("affine", "affine"), ("stochastic", "uniform"), ("dorefa", "dorefa"), ("bitrnn", "dorefa"),
        ("hwgq", "hwgq"), ("hwgq", "hwgq-lloydmax"), ("hwgq", "hwgq-2n"), ("wq", "logquant"), ("greedy", "alternating"), ("refined", "alternating"),
        ("alternating", "alternating"), ("lsq", "lsq"),
    ];

    [Fact]
    public void Accuracy_of_every_method_at_2_and_4_bits()
    {
        int total = DigitsData.HeldOut.Labels.Length;
        int floatCorrect = DigitsData.Correct(DigitsData.FloatModel);
        var rows = new List<string> { $"float: {floatCorrect}/{total}", "| weights | activations | 2 bits | 4 bits |", "|---|---|---|---|" };
        string Cell(string weights, string activations, int bits)
        {
            if (activations != "none" && QuantizationMethods.All.Single(m => m.Activations && m.Name == activations) is { } method && (bits < method.MinBits || bits > method.MaxBits))
            {
                return "n/a";
            }

            MethodSpec W(string m) => m == "none" ? MethodSpec.None : new MethodSpec(m, m == "hwgq" ? 1 : bits);
            MethodSpec A(string m) => m == "none" ? MethodSpec.None : new MethodSpec(m, bits);
            Model model = ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(W(weights), A(activations)), DigitsData.Calibration);
            int correct = DigitsData.Correct(model);
            return $"{(double)correct / total:F4}";
        }

        IEnumerable<(string, string)> all = QuantizationMethods.WeightMethods.Select(w => (w, "none"))
            .Concat(QuantizationMethods.ActivationMethods.Select(a => ("none", a)))
            .Concat(Pairs);
        var accuracy = new Dictionary<(string, string, int), double>();
        foreach ((string w, string a) in all)
        {
            string two = Cell(w, a, 2), four = Cell(w, a, 4);
            foreach ((int bits, string cell) in new[] { (2, two), (4, four) }.Where(c => c.Item2 != "n/a"))
            {
                accuracy[(w, a, bits)] = double.Parse(cell, System.Globalization.CultureInfo.InvariantCulture);
            }

            rows.Add($"| {(w == "hwgq" ? "hwgq (1 bit)" : w)} | {a} | {two} | {four} |");
        }

        output.WriteLine(string.Join(Environment.NewLine, rows));

        // Sanity: 4-bit uniform weights alone stay within 2% of float; nothing is below chance by construction.
        Assert.True(accuracy[("uniform", "none", 4)] >= (double)floatCorrect / total - 0.02);
        Assert.All(accuracy.Values, v => Assert.InRange(v, 0.0, 1.0));
    }
}
