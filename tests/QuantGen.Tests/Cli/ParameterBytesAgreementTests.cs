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
/// generated header table, the header's total and the generated class's WeightBytes are the same numbers (all
/// read the generator's plan; nothing here is a hard-coded total).
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

        var file = new QuantGen.InMemory.InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/m.qgm.json", File.ReadAllText(path));
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [file]);
        Assert.Empty(run.Result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string api = run.Sources["Tests.Models.M.g.cs"];
        Assert.Equal(total, long.Parse(Regex.Match(api, @"public long WeightBytes => (\d+);").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(total, Grouped(Regex.Match(api, @"// Parameters: ([\d,]+) bytes packed").Groups[1].Value));
        // The header table's last column: one figure per layer with weights, in order.
        long[] header = Regex.Matches(api, @"^//\s+\d+\s.*\s([\d,]+)$", RegexOptions.Multiline).Select(m => Grouped(m.Groups[1].Value)).ToArray();
        Assert.Equal(layers, header);
    }

    private static long Grouped(string text) => long.Parse(text.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
}
