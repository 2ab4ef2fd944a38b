using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>
/// The trained CharLm models (samples/CharLm) against PyTorch's own logits for their first held-out characters:
/// the float model (nn.Embedding -> nn.LSTM of two layers -> nn.Linear, train/export_charlm.py) and the
/// quantization-aware ones (quantgen_torch's fake-quantized layers, python/recipes/charlm_qat.py). The
/// generated code and the reference interpreter both within 1e-4, step by step over 48 characters.
/// </summary>
public sealed class CharLmParityTests
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [InlineData("charlm-float.qgm.json", "charlm-expected.json")]
    [InlineData("charlm-qat-alternating3.qgm.json", "charlm-qat-alternating3-expected.json")]
    [InlineData("charlm-qat-alternating2.qgm.json", "charlm-qat-alternating2-expected.json")]
    [InlineData("charlm-qat-bitrnn2.qgm.json", "charlm-qat-bitrnn2-expected.json")]
    public void Generated_code_and_the_reference_give_PyTorchs_logits(string description, string pytorch)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "charlm");
        string json = File.ReadAllText(Path.Combine(dir, description));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, pytorch)));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        float[][] logits = expected.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        GeneratorRun run = GeneratorHarness.Run(
            [GeneratorHarness.Bindings([("CharLm", "charlm.qgm.json")], "Tests.CharLm")],
            [new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/charlm.qgm.json", json)]);
        Assert.Empty(run.Result.Diagnostics);
        Assembly assembly = run.Load();
        var model = (IRecurrentQuantModel)Activator.CreateInstance(assembly.GetType("Tests.CharLm.CharLm")!)!;
        var reference = new ReferenceInterpreter(DescriptionLoader.LoadOrThrow(json, description));

        RecurrentState state = model.CreateState();
        ReferenceInterpreter.SequenceState referenceState = reference.NewState();
        var output = new float[model.OutputLength];
        Assert.Equal(logits[0].Length, output.Length);
        Assert.Equal(48, tokens.Length);
        for (int t = 0; t < tokens.Length; t++)
        {
            model.Step(tokens[t], state, output);
            float[] interpreted = reference.Step(tokens[t], referenceState);
            for (int i = 0; i < output.Length; i++)
            {
                Assert.True(Math.Abs(output[i] - logits[t][i]) <= Tolerance, $"step {t}, logit {i}: generated {output[i]:R}, PyTorch {logits[t][i]:R}");
                Assert.True(Math.Abs(interpreted[i] - logits[t][i]) <= Tolerance, $"step {t}, logit {i}: reference {interpreted[i]:R}, PyTorch {logits[t][i]:R}");
            }
        }
    }
}
