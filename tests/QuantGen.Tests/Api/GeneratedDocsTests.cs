using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Api;

/// <summary>
/// Every public member the generator writes carries an XML doc comment, so a project that builds with
/// GenerateDocumentationFile (and warnings as errors) gets IDE tooltips and no CS1591 from generated code.
/// </summary>
public sealed class GeneratedDocsTests
{
    [Fact]
    public void The_runtime_ships_its_XML_documentation_beside_the_assembly()
    {
        string xml = Path.ChangeExtension(typeof(IQuantModel).Assembly.Location, ".xml");
        Assert.True(File.Exists(xml), xml);
        var members = System.Xml.Linq.XDocument.Load(xml).Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m.Element("summary")?.Value.Trim() ?? "");
        foreach (string name in new[] { "T:QuantGen.IQuantModel", "P:QuantGen.IQuantModel.Metadata", "M:QuantGen.IRecurrentQuantModel.CreateState", "T:QuantGen.ModelMetadata", "P:QuantGen.LayerMetadata.ParameterBytes", "M:QuantGen.Scores.ArgMax(System.ReadOnlySpan{System.Single})" })
        {
            Assert.True(members.TryGetValue(name, out string? summary) && summary.Length > 0, $"{name} has no summary in {xml}");
        }
    }

    [Fact]
    public void Generated_classes_of_every_kind_compile_without_a_documentation_warning()
    {
        string tiny = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json"));
        CSharpParseOptions options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        // The user's own declarations have no doc comments: the generated part documents the class.
        string declarations = "namespace App;\n[global::QuantGen.QuantModel(\"lm.qgm.json\")] public partial class Lm;\n[global::QuantGen.QuantModel(\"cnn.qgm.json\")] public partial class Cnn;\n[global::QuantGen.QuantModel(\"broken.qgm.json\")] public partial class Broken;\n";
        (GeneratorDriverRunResult run, Compilation output) = ItemHarness.RunWithItems(
            options,
            [("/src/Models.cs", declarations)],
            ("/obj/quantgen/tiny.qgm.json", tiny, new() { ["QuantGenClassName"] = "Tiny", ["QuantGenNamespace"] = "App" }),
            ("/src/lm.qgm.json", TestModels.Json(SnapshotTests.RecurrentLm()), []),
            ("/src/cnn.qgm.json", TestModels.Json(SnapshotTests.Convolution()), []),
            ("/src/broken.qgm.json", tiny.Replace("\"bits\": 4", "\"bits\": 9", StringComparison.Ordinal), []));

        Assert.Equal(["QG0006"], run.Diagnostics.Select(d => d.Id));
        string[] hints = run.Results.Single().GeneratedSources.Select(s => s.HintName).ToArray();
        Assert.Contains("App.Tiny.Declaration.g.cs", hints);
        Assert.Contains("App.Broken.Placeholder.g.cs", hints);
        Assert.Equal(11, hints.Length);
        Assert.DoesNotContain(run.Results.Single().GeneratedSources, s => s.SourceText.ToString().Contains("#pragma warning disable", StringComparison.Ordinal));

        Diagnostic[] warnings = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(warnings.Length == 0, string.Join("\n", warnings.Select(d => d.ToString())));

        // And the documentation is there to be shown: the class and its members have summaries.
        INamedTypeSymbol cnn = output.GetTypeByMetadataName("App.Cnn")!;
        Assert.Contains("<summary>", cnn.GetDocumentationCommentXml(), StringComparison.Ordinal);
        Assert.Contains("layer", cnn.GetMembers("Metadata").Single().GetDocumentationCommentXml(), StringComparison.Ordinal);
        Assert.Contains("<summary>", output.GetTypeByMetadataName("App.Lm")!.GetMembers("CreateState").Single().GetDocumentationCommentXml(), StringComparison.Ordinal);
    }
}
