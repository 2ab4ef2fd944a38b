using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using QuantGen.Generator;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>
/// What the package's targets tell the generator through AdditionalFiles metadata (build_metadata.AdditionalFiles.*),
/// checked without MSBuild: the class an item names, bad names, and binding a converted binary file by its own name.
/// </summary>
public sealed class ItemMetadataTests
{
    private static readonly string Tiny = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json"));

    [Fact]
    public void An_item_with_a_class_name_gets_a_public_class_with_no_source_of_its_own()
    {
        (Compilation output, ImmutableArray<Diagnostic> diagnostics) = Run([], ("/obj/quantgen/tiny.qgm.json", Tiny, new() { ["QuantGenClassName"] = "Tiny", ["QuantGenNamespace"] = "App.Models" }));

        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        INamedTypeSymbol type = output.GetTypeByMetadataName("App.Models.Tiny")!;
        Assert.Equal(Accessibility.Public, type.DeclaredAccessibility);
        Assert.Contains(type.AllInterfaces, i => i.ToDisplayString() == "QuantGen.IQuantModel");
    }

    [Theory]
    [InlineData("QuantGenClassName", "not-a-name", "ClassName \"not-a-name\"")]
    [InlineData("QuantGenClassName", "class", "ClassName \"class\"")]
    [InlineData("QuantGenNamespace", "App..Models", "Namespace \"App..Models\"")]
    public void A_name_that_is_not_CSharp_is_QG0013_at_the_model_file(string metadata, string value, string expected)
    {
        var item = new Dictionary<string, string> { ["QuantGenClassName"] = "Tiny", [metadata] = value };
        (_, ImmutableArray<Diagnostic> diagnostics) = Run([], ("/obj/quantgen/tiny.qgm.json", Tiny, item));

        Diagnostic error = Assert.Single(diagnostics);
        Assert.Equal("QG0013", error.Id);
        Assert.Equal("/obj/quantgen/tiny.qgm.json", error.Location.GetLineSpan().Path);
        Assert.Contains(expected, error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void QuantModel_binds_a_converted_binary_file_by_the_name_the_user_wrote()
    {
        string source = GeneratorHarness.SourceDirectory + "/models/tiny.qgm";
        (Compilation output, ImmutableArray<Diagnostic> diagnostics) = Run(
            [GeneratorHarness.Bindings([("Bound", "models/tiny.qgm")])],
            ("/obj/quantgen/tiny.qgm.json", Tiny, new() { ["QuantGenSource"] = source }));

        Assert.Empty(diagnostics);
        Assert.NotNull(output.GetTypeByMetadataName("Tests.Models.Bound")!.GetMembers("Predict").FirstOrDefault());
    }

    [Fact]
    public void An_error_in_a_converted_binary_file_names_the_binary_file()
    {
        string broken = Tiny.Replace("\"bits\": 4", "\"bits\": 9", StringComparison.Ordinal);
        (_, ImmutableArray<Diagnostic> diagnostics) = Run([], ("/obj/quantgen/tiny.qgm.json", broken, new() { ["QuantGenClassName"] = "Tiny", ["QuantGenSource"] = "/src/models/tiny.qgm" }));

        Diagnostic error = Assert.Single(diagnostics);
        Assert.Equal("QG0006", error.Id);
        Assert.Equal("/obj/quantgen/tiny.qgm.json", error.Location.GetLineSpan().Path);
        Assert.EndsWith("(in the JSON form of /src/models/tiny.qgm)", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run((string Path, string Text)[] sources, (string Path, string Text, Dictionary<string, string> Metadata) file)
    {
        var options = new MetadataOptions(file.Metadata.ToDictionary(p => "build_metadata.AdditionalFiles." + p.Key, p => p.Value));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new QuantModelGenerator().AsSourceGenerator()],
            [new InMemoryAdditionalText(file.Path, file.Text)],
            GeneratorHarness.ParseOptions,
            new OptionsProvider(options));
        driver.RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compilation(sources), out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (output, diagnostics);
    }

    private sealed class MetadataOptions(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }

    private sealed class OptionsProvider(AnalyzerConfigOptions fileOptions) : AnalyzerConfigOptionsProvider
    {
        private static readonly AnalyzerConfigOptions None = new MetadataOptions([]);

        public override AnalyzerConfigOptions GlobalOptions => None;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => fileOptions;
    }
}
