using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>
/// One parameter-byte figure: for every sample model, <c>quantgen inspect</c>'s total, each layer's bytes in the
/// generated header table, the header's total and the generated class's WeightBytes are the same numbers, and
/// so is the figure <c>quantgen quantize</c> prints when it makes that model (all read the generator's plan;
/// nothing here is a hard-coded total).
/// </summary>
public sealed class ParameterBytesAgreementTests
{
    public static IEnumerable<object[]> SampleModels() =>
        Directory.GetFiles(CliRunner.Digits, "*.qgm.json").Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "charlm"), "*.qgm.json"))
            .Select(p => new object[] { Path.GetRelativePath(AppContext.BaseDirectory, p) });

    [Theory]
    [MemberData(nameof(SampleModels))]
    public void Inspect_the_generated_header_and_WeightBytes_agree(string relativePath)
    {
        string path = Path.Combine(AppContext.BaseDirectory, relativePath);
        CliResult inspect = CliRunner.Run("inspect", path, "--json");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using JsonDocument json = JsonDocument.Parse(inspect.Out);
        long total = json.RootElement.GetProperty("packedBytes").GetInt64();
        long[] layers = json.RootElement.GetProperty("layers").EnumerateArray()
            .Where(l => l.TryGetProperty("packedBytes", out _)).Select(l => l.GetProperty("packedBytes").GetInt64()).ToArray();
        Assert.Equal(total, layers.Sum());

        string api = GeneratedApi(path);
        Assert.Equal(total, WeightBytes(api));
        Assert.Equal(total, Grouped(Regex.Match(api, @"// Parameters: ([\d,]+) bytes packed").Groups[1].Value));
        // The header table's last column: one figure per layer with weights, in order.
        long[] header = Regex.Matches(api, @"^//\s+\d+\s.*\s([\d,]+)$", RegexOptions.Multiline).Select(m => Grouped(m.Groups[1].Value)).ToArray();
        Assert.Equal(layers, header);
    }

    /// <summary>
    /// Each quantized sample model and how samples/*/make-models.sh makes it: the float source, the methods,
    /// whether activations are calibrated. The sample's name (quantgen's default name) ties each row to its file.
    /// </summary>
    public static TheoryData<string, string, string, string, bool> SampleRecipes() => new()
    {
        { "digits/digits.uniform8.qgm.json", "digits/digits.onnx", "uniform:8", "uniform:8", true },
        { "digits/digits.uniform4.qgm.json", "digits/digits.onnx", "uniform:4", "uniform:4", true },
        { "digits/digits.uniform2.qgm.json", "digits/digits.onnx", "uniform:2", "uniform:2", true },
        { "digits/digits.alternating2.qgm.json", "digits/digits.onnx", "alternating:2", "alternating:2", false },
        { "charlm/charlm-uniform8.qgm.json", "charlm/charlm-float.qgm.json", "uniform:8", "uniform:8", true },
        { "charlm/charlm-alternating3.qgm.json", "charlm/charlm-float.qgm.json", "alternating:3", "alternating:3", false },
        { "charlm/charlm-alternating2.qgm.json", "charlm/charlm-float.qgm.json", "alternating:2", "alternating:2", false },
        { "charlm/charlm-wq4-logquant4.qgm.json", "charlm/charlm-float.qgm.json", "wq:4", "logquant:4", true },
    };

    [Fact]
    public void Every_quantized_sample_model_has_a_recipe()
    {
        string[] quantized = SampleModels().Select(m => ((string)m[0]).Replace('\\', '/'))
            .Where(p => !Path.GetFileName(p).Contains("float", StringComparison.Ordinal))
            // charlm-qat-*: exported by python/recipes/charlm_qat.py after quantization-aware training, not quantized by quantgen.
            .Where(p => !Path.GetFileName(p).StartsWith("charlm-qat-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(quantized, SampleRecipes().Select(r => (string)r[0]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SampleRecipes))]
    public void Quantize_prints_the_WeightBytes_of_the_class_generated_from_what_it_wrote(string sample, string source, string weights, string activations, bool calibrated)
    {
        string dir = CliRunner.TempDirectory();
        string output = Path.Combine(dir, "out.qgm.json");
        string[] args = ["quantize", Path.Combine(AppContext.BaseDirectory, source), "-o", output, "--weights", weights, "--activations", activations];
        if (calibrated)
        {
            args = [.. args, "--calibration", Calibration(dir, sample)];
        }

        CliResult r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        Match printed = Regex.Match(r.ErrorLines[^1], @"^wrote .*: ""([^""]+)"", ([\d,]+) parameter bytes \(");
        Assert.True(printed.Success, r.ToString());
        Assert.Equal(ModelArgumentName(Path.Combine(AppContext.BaseDirectory, sample)), printed.Groups[1].Value);
        Assert.Equal(WeightBytes(GeneratedApi(output)), Grouped(printed.Groups[2].Value));
    }

    // The digits training split; for the character model, token ids (the bytes do not depend on the values).
    private static string Calibration(string dir, string sample)
    {
        if (sample.StartsWith("digits/", StringComparison.Ordinal))
        {
            return CliRunner.TrainData;
        }

        string path = Path.Combine(dir, "tokens.npz");
        TestNpz.Write(path, Enumerable.Range(0, 300).Select(i => (float)(i * 7 % 63)).ToArray(), 300, null);
        return path;
    }

    private static string ModelArgumentName(string path) => QuantGen.Cli.ModelArgument.Load(path).Name;

    private static string GeneratedApi(string path)
    {
        var file = new QuantGen.InMemory.InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/m.qgm.json", File.ReadAllText(path));
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [file]);
        Assert.Empty(run.Result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        return run.Sources["Tests.Models.M.g.cs"];
    }

    private static long WeightBytes(string api) =>
        long.Parse(Regex.Match(api, @"public long WeightBytes => (\d+);").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static long Grouped(string text) => long.Parse(text.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
}
