using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// The same descriptions give the same bytes in every emitted file: twice in a row, and under cultures
/// that write numbers differently (fi-FI: "−1,25" with U+2212 and a comma; tr-TR: a dotless lower-case I;
/// ar-SA) or that the test host happens to run in.
/// </summary>
public sealed class DeterminismTests
{
    [Fact]
    public void Every_emitted_file_is_byte_identical_across_runs_and_cultures()
    {
        IReadOnlyList<(string Name, string Json)> models = Models();
        IReadOnlyDictionary<string, byte[]> first = Generate(models);
        Assert.Equal(3 * models.Count, first.Count);
        AssertSame(first, Generate(models), "a second run");
        foreach (string culture in new[] { "fi-FI", "tr-TR", "ar-SA", "" })
        {
            CultureInfo saved = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
            try
            {
                CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
                AssertSame(first, Generate(models), culture.Length == 0 ? "the invariant culture" : culture);
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
                CultureInfo.CurrentUICulture = savedUi;
            }
        }

        string all = string.Concat(first.Values.Select(Encoding.UTF8.GetString));
        Assert.Contains("lo: -1.25f", all);
        Assert.DoesNotContain('\u2212', all);
    }

    private static void AssertSame(IReadOnlyDictionary<string, byte[]> expected, IReadOnlyDictionary<string, byte[]> actual, string when)
    {
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach ((string hint, byte[] bytes) in expected)
        {
            if (!bytes.AsSpan().SequenceEqual(actual[hint]))
            {
                string[] a = Encoding.UTF8.GetString(bytes).Split('\n'), b = Encoding.UTF8.GetString(actual[hint]).Split('\n');
                int line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i]);
                Assert.Fail($"{hint} differs under {when}, first at line {line + 1}:\n{a.ElementAtOrDefault(line)}\n{b.ElementAtOrDefault(line)}");
            }
        }
    }

    /// <summary>Every codec and activation quantizer (negative and fractional parameters throughout), every layer kind, the docs' example.</summary>
    private static IReadOnlyList<(string Name, string Json)> Models()
    {
        var models = new List<(string, string)>
        {
            ("neg", TestModels.Json(TestModels.TwoLayer("neg", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, true, true, true), _ => TestModels.UniformActivation(3, -1.25f, 0.75f), 9))),
            ("all-ops", TestModels.Json(TestModels.AllOps(4))),
            ("tiny", System.IO.File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json"))),
        };
        int seed = 0;
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
            {
                if (++seed % 3 == 0 || codecName == "multibinary2")
                {
                    string name = $"{codecName}.{quantizerName}";
                    models.Add((name, TestModels.Json(TestModels.TwoLayer(name, codec, quantizer, seed))));
                }
            }
        }

        return models;
    }

    /// <summary>One generator run over every model: hint name -> the file's UTF-8 bytes.</summary>
    private static IReadOnlyDictionary<string, byte[]> Generate(IReadOnlyList<(string Name, string Json)> models)
    {
        var files = models.Select((m, i) => (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/models/m{i}.qgm.json", m.Json));
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings(models.Select((m, i) => ($"M{i}", $"models/m{i}.qgm.json")))], files);
        Assert.Empty(run.Result.Diagnostics);
        return run.Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => Encoding.UTF8.GetBytes(s.SourceText.ToString()));
    }
}
