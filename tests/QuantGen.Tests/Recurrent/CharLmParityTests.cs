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
/// The trained CharLm float model (samples/CharLm, PyTorch's nn.Embedding -> nn.LSTM -> nn.Linear) against
/// PyTorch's own logits for its first held-out characters (train/export_charlm.py): the generated float
/// code and the reference interpreter both within 1e-4, step by step over 48 characters.
/// </summary>
public sealed class CharLmParityTests
{
    private const float Tolerance = 1e-4f;

    [Fact]
    public void Generated_float_code_and_the_reference_give_PyTorchs_logits()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "charlm");
        string json = File.ReadAllText(Path.Combine(dir, "charlm-float.qgm.json"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "charlm-expected.json")));
        int[] tokens = expected.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        float[][] logits = expected.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        GeneratorRun run = GeneratorHarness.Run(
            [GeneratorHarness.Bindings([("CharLm", "charlm.qgm.json")], "Tests.CharLm")],
            [new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/charlm.qgm.json", json)]);
        Assert.Empty(run.Result.Diagnostics);
        Assembly assembly = run.Load();
        var model = (IRecurrentQuantModel)Activator.CreateInstance(assembly.GetType("Tests.CharLm.CharLm")!)!;
        var reference = new ReferenceInterpreter(DescriptionLoader.LoadOrThrow(json, "charlm-float.qgm.json"));

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
