using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>
/// The README's figures for samples/Digits come from the generator: each variant's parameter bytes in the table are the
/// generated class's, and the header excerpt is the generated digits-uniform4 header line for line (both planned as the
/// sample builds them, for the default Portable target). A plan change that moves a figure fails here until the README
/// says what the generator now writes.
/// </summary>
public sealed class ReadmeFiguresTests
{
    private static readonly (string File, string Row)[] Variants =
    [
        ("digits.float.qgm.json", "digits (float)"),
        ("digits.uniform8.qgm.json", "digits-uniform8"),
        ("digits.uniform4.qgm.json", "digits-uniform4"),
        ("digits.uniform2.qgm.json", "digits-uniform2"),
        ("digits.alternating2.qgm.json", "digits-alternating2"),
    ];

    [Fact]
    public void The_digits_table_shows_each_variants_generated_parameter_bytes()
    {
        string readme = Readme();
        foreach ((string file, string row) in Variants)
        {
            string bytes = Regex.Match(GeneratedApi(file), @"// Parameters: ([\d,]+) bytes packed").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(bytes), $"{file}: no parameter line in the generated header");
            Match line = Regex.Match(readme, $@"^\| {Regex.Escape(row)} \|.*$", RegexOptions.Multiline);
            Assert.True(line.Success, $"README: no table row for {row}");
            Assert.Contains($"| {bytes} |", line.Value);
        }
    }

    [Fact]
    public void The_header_excerpt_is_the_generated_digits_uniform4_header()
    {
        string readme = Readme();
        int start = readme.IndexOf("// Model \"digits-uniform4\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "README: no header excerpt");
        string[] excerpt = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)].TrimEnd().Split('\n');
        string[] generated = GeneratedApi("digits.uniform4.qgm.json").Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        int at = Array.IndexOf(generated, excerpt[0]);
        Assert.True(at >= 0, "the generated header has no model line");
        Assert.Equal(excerpt, generated.Skip(at).Take(excerpt.Length).ToArray());
    }

    private static string GeneratedApi(string file)
    {
        string json = File.ReadAllText(Path.Combine(DotnetCli.RepoRoot, "samples", "Digits", "data", file));
        var files = new[] { new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/models/{file}", json) };
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("Model", $"models/{file}")])], files);
        Assert.Empty(run.Result.Diagnostics);
        return run.Sources.Single(s => s.Key.EndsWith("Model.g.cs", StringComparison.Ordinal)).Value;
    }

    private static string Readme() => File.ReadAllText(Path.Combine(DotnetCli.RepoRoot, "README.md"));
}
