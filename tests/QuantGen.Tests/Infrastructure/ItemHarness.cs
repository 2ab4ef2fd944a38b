using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using QuantGen.Generator;

namespace QuantGen.Tests.Infrastructure;

/// <summary>
/// Runs the generator on model files that carry item metadata, as the package's targets pass it
/// (build_metadata.AdditionalFiles.QuantGenClassName and the like), without MSBuild.
/// </summary>
internal static class ItemHarness
{
    /// <param name="files">Each model file with its metadata (names without the build_metadata prefix; empty for a plain AdditionalFiles item).</param>
    public static (GeneratorDriverRunResult Run, Compilation Output) RunWithItems((string Path, string Text)[] sources, params (string Path, string Text, Dictionary<string, string> Metadata)[] files) =>
        RunWithItems(GeneratorHarness.ParseOptions, sources, files);

    public static (GeneratorDriverRunResult Run, Compilation Output) RunWithItems(CSharpParseOptions parseOptions, (string Path, string Text)[] sources, params (string Path, string Text, Dictionary<string, string> Metadata)[] files) =>
        RunWithItems(parseOptions, sources, [], files);

    /// <param name="properties">MSBuild properties the build makes visible to the compiler (names without the build_property prefix).</param>
    public static (GeneratorDriverRunResult Run, Compilation Output) RunWithItems((string Path, string Text)[] sources, Dictionary<string, string> properties, params (string Path, string Text, Dictionary<string, string> Metadata)[] files) =>
        RunWithItems(GeneratorHarness.ParseOptions, sources, properties, files);

    private static (GeneratorDriverRunResult Run, Compilation Output) RunWithItems(CSharpParseOptions parseOptions, (string Path, string Text)[] sources, Dictionary<string, string> properties, (string Path, string Text, Dictionary<string, string> Metadata)[] files)
    {
        var texts = files.Select(f => new InMemoryAdditionalText(f.Path, f.Text)).ToArray();
        var options = new Dictionary<AdditionalText, AnalyzerConfigOptions>();
        for (int i = 0; i < files.Length; i++)
        {
            options[texts[i]] = new MetadataOptions(files[i].Metadata.ToDictionary(p => "build_metadata.AdditionalFiles." + p.Key, p => p.Value));
        }

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new QuantModelGenerator().AsSourceGenerator()],
            texts,
            parseOptions,
            new OptionsProvider(options, new MetadataOptions(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value))));
        CSharpCompilation compilation = GeneratorHarness.Compilation([]).AddSyntaxTrees(sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parseOptions, s.Path)));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>An options provider with only these MSBuild properties (names without the build_property prefix).</summary>
    internal static AnalyzerConfigOptionsProvider Global(Dictionary<string, string> properties) =>
        new OptionsProvider([], new MetadataOptions(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value)));

    internal sealed class MetadataOptions(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }

    private sealed class OptionsProvider(Dictionary<AdditionalText, AnalyzerConfigOptions> files, AnalyzerConfigOptions global) : AnalyzerConfigOptionsProvider
    {
        private static readonly AnalyzerConfigOptions None = new MetadataOptions([]);

        public override AnalyzerConfigOptions GlobalOptions => global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => files.TryGetValue(textFile, out AnalyzerConfigOptions? o) ? o : None;
    }
}
