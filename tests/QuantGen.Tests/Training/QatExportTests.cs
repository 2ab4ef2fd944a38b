using System;
using System.Collections.Generic;
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

namespace QuantGen.Tests.Training;

/// <summary>
/// Descriptions exported by the PyTorch companion (python/quantgen_torch) from models trained with its
/// fake-quantized layers, each compiled by the generator: the generated code must give PyTorch's
/// fake-quantized outputs, within 1e-4, on held-out inputs (Fixtures/make_fixtures.py writes both).
/// </summary>
public sealed class QatExportTests(QatFixtures fixtures) : IClassFixture<QatFixtures>
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Names() => new(QatFixtures.Names());

    [Fact]
    public void Every_layer_kind_is_covered()
    {
        var kinds = fixtures.Cases.Values.SelectMany(c => c.Description.Layers.Select(l => l.OpCase)).ToHashSet();
        Assert.Superset(new HashSet<Layer.OpOneofCase>
        {
            Layer.OpOneofCase.Dense, Layer.OpOneofCase.Conv2D, Layer.OpOneofCase.MaxPool2D, Layer.OpOneofCase.Embedding,
            Layer.OpOneofCase.Lstm, Layer.OpOneofCase.Gru,
        }, kinds);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generated_code_gives_the_PyTorch_fake_quantized_outputs(string name)
    {
        QatCase c = fixtures.Cases[name];
        float[][] actual = Run(c, generated: true);
        AssertClose(c.Expected, actual, name);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_reference_interpreter_gives_the_PyTorch_fake_quantized_outputs(string name)
    {
        QatCase c = fixtures.Cases[name];
        AssertClose(c.Expected, Run(c, generated: false), name);
    }

    private static float[][] Run(QatCase c, bool generated)
    {
        if (c.Tokens is { } tokens)
        {
            var outputs = new float[tokens.Length][];
            if (generated)
            {
                var model = (IRecurrentQuantModel)c.Generated;
                RecurrentState state = model.CreateState();
                for (int t = 0; t < tokens.Length; t++)
                {
                    outputs[t] = new float[model.OutputLength];
                    model.Step(tokens[t], state, outputs[t]);
                }
            }
            else
            {
                ReferenceInterpreter.SequenceState state = c.Reference.NewState();
                for (int t = 0; t < tokens.Length; t++)
                {
                    outputs[t] = c.Reference.Step(tokens[t], state);
                }
            }

            return outputs;
        }

        return c.Inputs!.Select(x =>
        {
            if (!generated)
            {
                return c.Reference.Predict(x);
            }

            var model = (IQuantModel)c.Generated;
            var y = new float[model.OutputLength];
            model.Predict(x, y);
            return y;
        }).ToArray();
    }

    private static void AssertClose(float[][] expected, float[][] actual, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int row = 0; row < expected.Length; row++)
        {
            Assert.Equal(expected[row].Length, actual[row].Length);
            for (int i = 0; i < expected[row].Length; i++)
            {
                float difference = Math.Abs(expected[row][i] - actual[row][i]);
                Assert.True(difference <= Tolerance, $"{name}: row {row}, output {i}: PyTorch {expected[row][i]:R}, QuantGen {actual[row][i]:R}");
            }
        }
    }
}

/// <summary>A fixture: the exported description, its compiled class, its reference, and PyTorch's inputs (or tokens) and outputs.</summary>
public sealed record QatCase(string Name, Model Description, object Generated, ReferenceInterpreter Reference, float[][]? Inputs, int[]? Tokens, float[][] Expected);

/// <summary>Every fixture under Training/Fixtures, generated and compiled in one compilation.</summary>
public sealed class QatFixtures
{
    private static readonly Lazy<IReadOnlyDictionary<string, QatCase>> Shared = new(Compile);

    public QatFixtures() => Cases = Shared.Value;

    public IReadOnlyDictionary<string, QatCase> Cases { get; }

    private static string Directory => Path.Combine(AppContext.BaseDirectory, "Training", "Fixtures");

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.qgm.json").Select(p => Path.GetFileName(p).Replace(".qgm.json", "")).OrderBy(n => n, StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, QatCase> Compile()
    {
        string[] names = Names().ToArray();
        var texts = names.Select(n => File.ReadAllText(Path.Combine(Directory, n + ".qgm.json"))).ToArray();
        var files = texts.Select((t, i) => (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/qat/q{i}.qgm.json", t)).ToList();
        var bindings = GeneratorHarness.Bindings(names.Select((_, i) => ($"Q{i}", $"qat/q{i}.qgm.json")), "Tests.Training");
        GeneratorRun run = GeneratorHarness.Run([bindings], files);
        Diagnostic[] errors = run.Result.Diagnostics.ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidOperationException("The generator reported:\n" + string.Join("\n", errors.Take(10)));
        }

        Assembly assembly = run.Load();
        var cases = new Dictionary<string, QatCase>();
        for (int i = 0; i < names.Length; i++)
        {
            Model description = DescriptionLoader.LoadOrThrow(texts[i], names[i] + ".qgm.json");
            using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, names[i] + ".expected.json")));
            JsonElement root = expected.RootElement;
            float[][] outputs = Rows(root.GetProperty("outputs"));
            float[][]? inputs = root.TryGetProperty("inputs", out JsonElement x) ? Rows(x) : null;
            int[]? tokens = root.TryGetProperty("tokens", out JsonElement t) ? t.EnumerateArray().Select(e => e.GetInt32()).ToArray() : null;
            object generated = Activator.CreateInstance(assembly.GetType($"Tests.Training.Q{i}")!)!;
            cases[names[i]] = new QatCase(names[i], description, generated, new ReferenceInterpreter(description), inputs, tokens, outputs);
        }

        return cases;
    }

    private static float[][] Rows(JsonElement rows) =>
        rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
}
