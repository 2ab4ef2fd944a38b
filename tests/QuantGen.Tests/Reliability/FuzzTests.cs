using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Recurrent;
using Xunit;
using Xunit.Abstractions;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Fuzzed descriptions through the whole generator: parse, validate, plan, emit. For every case: no
/// exception and no internal-error diagnostic (QG0014); a rejected description has at least one QG
/// error; an accepted one gives three files that parse, and a sample of them is compiled, loaded and run.
/// Seeded and bounded by a case count: QUANTGEN_FUZZ_CASES (default 10,000) and QUANTGEN_FUZZ_SEED
/// (default 20261122) choose a longer or another run; QUANTGEN_FUZZ_MINUTES also bounds it in time (the
/// output says how many cases ran).
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    public const string CasesVariable = "QUANTGEN_FUZZ_CASES";
    public const string SeedVariable = "QUANTGEN_FUZZ_SEED";
    public const string MinutesVariable = "QUANTGEN_FUZZ_MINUTES";

    /// <summary>Accepted cases compiled per batch; one compilation of many models is far cheaper than many.</summary>
    private const int CompileBatch = 50;

    /// <summary>The first accepted cases are all compiled, in this many batches; after that one in <c>stride</c>.</summary>
    private const int MaxCompiledBatches = 2;

    [Fact]
    public void Fuzzed_descriptions_never_crash_and_are_either_rejected_with_a_diagnostic_or_compile()
    {
        int cases = EnvironmentInt(CasesVariable, 10_000);
        int seed = EnvironmentInt(SeedVariable, 20261122);
        TimeSpan budget = TimeSpan.FromMinutes(EnvironmentInt(MinutesVariable, int.MaxValue / 60_000));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var fuzzer = new DescriptionFuzzer(seed, Seeds());
        var session = new GeneratorSession();
        var failures = new List<string>();
        var rejectedBy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var pending = new List<(FuzzCase Case, GeneratorOutcome Outcome)>();
        int accepted = 0, compiled = 0, batches = 0, ran = 0;
        int stride = Math.Max(20, cases / 500);

        for (; ran < cases && failures.Count < 10 && clock.Elapsed < budget; ran++)
        {
            FuzzCase fuzz = fuzzer.Next();
            string? problem = Check(fuzz, session, out GeneratorOutcome? outcome);
            if (problem is not null)
            {
                failures.Add(Describe(fuzz, problem));
                continue;
            }

            if (!outcome!.GeneratedModel)
            {
                string id = outcome.Diagnostics.Select(d => d.Id).OrderBy(x => x, StringComparer.Ordinal).First();
                rejectedBy[id] = rejectedBy.TryGetValue(id, out int n) ? n + 1 : 1;
                continue;
            }

            accepted++;
            if (batches < MaxCompiledBatches || accepted % stride == 0)
            {
                pending.Add((fuzz, outcome));
                if (pending.Count == CompileBatch)
                {
                    failures.AddRange(CompileAndRun(pending));
                    compiled += pending.Count;
                    batches++;
                    pending.Clear();
                }
            }
        }

        if (pending.Count > 0)
        {
            failures.AddRange(CompileAndRun(pending));
            compiled += pending.Count;
        }

        output.WriteLine($"seed {seed}: {ran} cases in {clock.Elapsed.TotalSeconds:F0} s, {accepted} accepted ({compiled} compiled and run), {ran - accepted} rejected, {failures.Count} failures");
        output.WriteLine("rejected by first diagnostic: " + string.Join(", ", rejectedBy.Select(p => $"{p.Key} {p.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));

        // A fuzzer that only ever made invalid files, or only valid ones, would test little.
        Assert.True(accepted >= ran / 50, $"only {accepted} of {ran} cases were accepted");
        Assert.True(rejectedBy.Count >= 8, "rejections covered only " + string.Join(", ", rejectedBy.Keys));
    }

    /// <returns>What is wrong with how the generator handled the case, or null.</returns>
    private static string? Check(FuzzCase fuzz, GeneratorSession session, out GeneratorOutcome? outcome)
    {
        outcome = null;
        try
        {
            outcome = session.Run(fuzz.Text);
        }
        catch (Exception e)
        {
            return "the generator driver threw " + e;
        }

        if (outcome.Exception is not null)
        {
            return "the generator threw " + outcome.Exception;
        }

        Diagnostic[] foreign = outcome.Diagnostics.Where(d => !d.Id.StartsWith("QG", StringComparison.Ordinal) || d.Id == "QG0014").ToArray();
        if (foreign.Length > 0)
        {
            return "unexpected diagnostics: " + string.Join("; ", foreign.Select(d => d.ToString()));
        }

        (Model? model, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(fuzz.Text);
        if (!outcome.GeneratedModel)
        {
            if (!outcome.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                return "rejected without an error diagnostic";
            }

            return outcome.Sources.Count == 1 && outcome.Sources[0].SyntaxTree.GetDiagnostics().All(d => d.Severity != DiagnosticSeverity.Error)
                ? null
                : $"a rejected description left {outcome.Sources.Count} files, not one placeholder that parses";
        }

        if (outcome.Diagnostics.Length > 0 || model is null)
        {
            return $"code was generated although there are diagnostics: {string.Join("; ", outcome.Diagnostics)} {string.Join("; ", errors)}";
        }

        if (outcome.Sources.Count != 3)
        {
            return $"{outcome.Sources.Count} files were generated, not 3";
        }

        foreach (GeneratedSourceResult source in outcome.Sources)
        {
            Diagnostic? syntax = source.SyntaxTree.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            if (syntax is not null)
            {
                return $"{source.HintName} does not parse: {syntax}";
            }
        }

        return null;
    }

    /// <summary>Compiles a batch of accepted cases into one assembly (each in its own namespace), loads it and runs every model.</summary>
    private static IEnumerable<string> CompileAndRun(List<(FuzzCase Case, GeneratorOutcome Outcome)> batch)
    {
        var sources = new List<(string, string)>();
        foreach ((FuzzCase fuzz, GeneratorOutcome outcome) in batch)
        {
            foreach (GeneratedSourceResult source in outcome.Sources)
            {
                string text = source.SourceText.ToString();
                string renamed = text.Replace("\nnamespace Tests.Models\n", $"\nnamespace Tests.Models.C{fuzz.Index}\n");
                if (renamed == text)
                {
                    yield return Describe(fuzz, "the generated code has no 'namespace Tests.Models' line:\n" + text.Substring(0, Math.Min(text.Length, 2000)));
                    yield break;
                }

                sources.Add(($"/gen/C{fuzz.Index}/{source.HintName}", renamed));
            }
        }

        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = GeneratorHarness.Compilation(sources).Emit(stream);
        Diagnostic[] problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        if (!emitted.Success || problems.Length > 0)
        {
            foreach (IGrouping<string, Diagnostic> byCase in problems.GroupBy(d => d.Location.SourceTree?.FilePath.Split('/')[2] ?? "?").Take(3))
            {
                FuzzCase fuzz = batch.FirstOrDefault(b => "C" + b.Case.Index == byCase.Key).Case ?? batch[0].Case;
                yield return Describe(fuzz, "the generated code does not compile cleanly: " + string.Join("; ", byCase.Take(5)));
            }

            yield break;
        }

        Assembly assembly = Assembly.Load(stream.ToArray());
        var random = new Random(1);
        float[] Input(int length) => Enumerable.Range(0, length).Select(k => k % 17 == 3 ? float.NaN : (float)(random.NextDouble() * 4 - 2)).ToArray();
        foreach ((FuzzCase fuzz, _) in batch)
        {
            string? failure = null;
            try
            {
                object instance = Activator.CreateInstance(assembly.GetType($"Tests.Models.C{fuzz.Index}.M")!)!;
                if (instance is IRecurrentQuantModel recurrent)
                {
                    QuantGen.Runtime.RecurrentState state = recurrent.CreateState();
                    for (int step = 0; step < 3; step++)
                    {
                        if (recurrent.VocabularySize > 0)
                        {
                            recurrent.Step(random.Next(recurrent.VocabularySize), state, new float[recurrent.OutputLength]);
                        }
                        else
                        {
                            recurrent.Step(Input(recurrent.InputLength), state, new float[recurrent.OutputLength]);
                        }
                    }
                }
                else
                {
                    var model = (IQuantModel)instance;
                    float[] input = Input(model.InputLength);
                    model.Predict(input, new float[model.OutputLength]);
                    model.Predict(input.Concat(input).ToArray(), new float[2 * model.OutputLength], 2);
                }
            }
            catch (Exception e)
            {
                failure = Describe(fuzz, "the compiled model threw " + e);
            }

            if (failure is not null)
            {
                yield return failure;
            }
        }
    }

    /// <summary>
    /// Valid descriptions to start from: every codec with every activation quantizer (small, so that a
    /// case costs what the pipeline costs, not what a large weight array costs), every layer kind, and the
    /// docs' example.
    /// </summary>
    internal static IReadOnlyList<Model> Seeds()
    {
        var seeds = new List<Model>();
        int i = 0;
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
            {
                var random = new Random(++i);
                var model = new Model { Schema = "quantgen.v1", Name = $"{codecName}.{quantizerName}" };
                model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 2, 3 } });
                model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 2 } });
                var first = new Layer { Name = "q", InputQuantizer = quantizer(random), Dense = new Dense { InFeatures = 6, OutFeatures = 4, Weights = codec(random, 4, 6) } };
                first.Dense.Bias.Add(TestModels.RandomFloats(random, 4, -1f, 1f));
                model.Layers.Add(new Layer { Name = "flat", Flatten = new Flatten() });
                model.Layers.Add(first);
                model.Layers.Add(new Layer { Name = "act", Tanh = new Tanh() });
                model.Layers.Add(new Layer { Name = "head", Dense = new Dense { InFeatures = 4, OutFeatures = 2, Weights = TestModels.Float(random, 2, 4) } });
                seeds.Add(model);
            }
        }

        // The layers with more structure: embeddings, LSTM and GRU cells, convolution and pooling, with packed codes.
        RecurrentTestModels.Codec uniform = (r, rows, cols) => TestModels.Uniform(r, rows, cols, 3, signed: true, perRow: true, zeroPoints: false);
        RecurrentTestModels.Codec binary = (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, 2);
        seeds.Add(RecurrentTestModels.TokenRecurrent("lstm", lstm: true, uniform, _ => TestModels.Online(2, 1), 1));
        seeds.Add(RecurrentTestModels.TokenRecurrent("gru", lstm: false, binary, r => TestModels.Thresholds(r, 2), 2));
        seeds.Add(RecurrentTestModels.BitRnn("bitrnn", lstm: false, 2, 3));
        seeds.Add(RecurrentTestModels.Convolution("conv", uniform, TestModels.LogQuant(3, -16, 4), stride: 2, padding: 1, poolPadding: 1, 4));
        seeds.Add(TestModels.AllOps(3));
        seeds.Add(DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json")), "tiny.qgm.json"));
        return seeds;
    }

    private static string Describe(FuzzCase fuzz, string problem)
    {
        string text = fuzz.Text.Length <= 1500 ? fuzz.Text : fuzz.Text.Substring(0, 1500) + $"... ({fuzz.Text.Length} characters)";
        return $"case {fuzz.Index} ({fuzz.Mutations}): {problem}\n--- description ---\n{text}";
    }

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;
}
