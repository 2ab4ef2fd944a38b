using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using QuantGen.Generator.Emit;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>
/// Build errors as a user meets them: the QuantGen diagnostic alone (no knock-on CS0246 or CS1061 from the
/// code that uses the model), an item that binds nothing, QG0012's hint, and a wrong input shape at the input.
/// </summary>
public sealed class BuildErrorTests
{
    private static readonly string Tiny = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json"));
    private static readonly string Broken = Tiny.Replace("\"bits\": 4", "\"bits\": 9", StringComparison.Ordinal);

    /// <summary>What a user's program does with a model class: every member of the stateless and the recurrent API.</summary>
    private const string Program = """
        using System;
        using QuantGen;
        namespace App;
        public static class Program
        {
            public static float Classify()
            {
                var model = new CnnU4();
                IQuantModel stateless = model;
                var output = new float[model.OutputLength];
                model.Predict(new float[model.InputLength], output);
                Console.WriteLine($"{stateless.Name}: {model.Metadata.Input} {model.WeightBytes} {model.Float32WeightBytes}");
                return output[Scores.ArgMax(output)];
            }

            public static void Generate()
            {
                var model = new CnnU4();
                IRecurrentQuantModel recurrent = model;
                CnnU4.State state = model.CreateState();
                var logits = new float[model.OutputLength];
                model.Step(model.VocabularySize - 1, state, logits);
                model.Step(new float[model.InputLength], state, logits);
                recurrent.Step(0, recurrent.CreateState(), logits);
            }
        }
        """;

    [Fact]
    public void A_broken_description_of_an_item_still_declares_its_class_so_the_QG_error_is_the_only_one()
    {
        (GeneratorDriverRunResult run, Compilation output) = ItemHarness.RunWithItems(
            [("/src/Program.cs", Program)],
            ("/obj/quantgen/cnn.qgm.json", Broken, new() { ["QuantGenClassName"] = "CnnU4", ["QuantGenNamespace"] = "App" }));

        Diagnostic error = Assert.Single(run.Diagnostics);
        Assert.Equal("QG0006", error.Id);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(["App.CnnU4" + Emitter.PlaceholderSuffix], run.Results.Single().GeneratedSources.Select(s => s.HintName));
        Assert.Equal(Accessibility.Public, output.GetTypeByMetadataName("App.CnnU4")!.DeclaredAccessibility);

        // Were the error silenced (a severity of none in .editorconfig), the placeholder says why it cannot run.
        Type program = Assembly.Load(QuantGen.InMemory.InMemoryGenerator.Emit(output)).GetType("App.Program")!;
        var e = Assert.Throws<TargetInvocationException>(() => program.GetMethod("Classify")!.Invoke(null, null));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Contains("cnn.qgm.json could not be generated", e.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_QuantModel_class_whose_description_is_broken_or_missing_gets_the_placeholder_members()
    {
        string declaration = "namespace App;\n[global::QuantGen.QuantModel(\"cnn.qgm.json\")] internal partial class CnnU4;\n";
        foreach (AdditionalText[] files in new[] { [new InMemoryAdditionalText("/src/cnn.qgm.json", Broken)], Array.Empty<AdditionalText>() })
        {
            GeneratorRun run = GeneratorHarness.Run([("/src/Models.cs", declaration), ("/src/Program.cs", Program)], files);
            string expected = files.Length == 0 ? "QG0012" : "QG0006";
            Assert.Equal([expected], run.Result.Diagnostics.Select(d => d.Id));
            Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
            Assert.Equal(Accessibility.Internal, run.Output.GetTypeByMetadataName("App.CnnU4")!.DeclaredAccessibility);
        }
    }

    [Fact]
    public void The_placeholder_has_every_public_member_of_a_generated_stateless_and_recurrent_model()
    {
        GeneratorRun run = GeneratorHarness.Run(
            [GeneratorHarness.Bindings([("Dense", "dense.qgm.json"), ("Lm", "lm.qgm.json"), ("Broken", "broken.qgm.json")])],
            [
                new InMemoryAdditionalText("/src/dense.qgm.json", Tiny),
                new InMemoryAdditionalText("/src/lm.qgm.json", TestModels.Json(SnapshotTests.RecurrentLm())),
                new InMemoryAdditionalText("/src/broken.qgm.json", Broken),
            ]);
        Assert.Equal(["QG0006"], run.Result.Diagnostics.Select(d => d.Id));
        HashSet<string> placeholder = PublicSurface(run.Output, "Broken");
        foreach (string real in new[] { "Dense", "Lm" })
        {
            HashSet<string> surface = PublicSurface(run.Output, real);
            Assert.True(surface.Count > 10, string.Join("\n", surface));
            Assert.Empty(surface.Except(placeholder));
        }
    }

    [Fact]
    public void A_QuantGenModel_item_without_ClassName_that_no_class_binds_is_QG0018_saying_what_to_write()
    {
        (GeneratorDriverRunResult run, Compilation output) = ItemHarness.RunWithItems(
            [],
            ("/src/models/digits.uniform4.qgm.json", Tiny, new() { ["QuantGenNamespace"] = "App" }));

        Diagnostic warning = Assert.Single(run.Diagnostics);
        Assert.Equal("QG0018", warning.Id);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal("/src/models/digits.uniform4.qgm.json", warning.Location.GetLineSpan().Path);
        Assert.Equal(0, warning.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(
            "digits.uniform4.qgm.json generates no class: its <QuantGenModel> item has no ClassName, and no [QuantModel] class names the file; "
            + "add ClassName=\"DigitsUniform4\" to the item (<QuantGenModel Include=\"digits.uniform4.qgm.json\" ClassName=\"DigitsUniform4\" />), "
            + "or declare [QuantModel(\"digits.uniform4.qgm.json\")] public partial class DigitsUniform4; in your code",
            warning.GetMessage(CultureInfo.InvariantCulture));
        Assert.DoesNotContain(output.SyntaxTrees, t => t.FilePath.Contains("DigitsUniform4", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plain_AdditionalFiles_model_that_no_class_binds_is_QG0018_and_a_bound_one_is_not()
    {
        GeneratorRun run = GeneratorHarness.Run(
            [GeneratorHarness.Bindings([("Bound", "bound.qgm.json")])],
            [new InMemoryAdditionalText("/src/bound.qgm.json", Tiny), new InMemoryAdditionalText("/src/cnn-u4.qgm.json", Tiny)]);

        Diagnostic warning = Assert.Single(run.Result.Diagnostics);
        Assert.Equal("QG0018", warning.Id);
        Assert.Equal("/src/cnn-u4.qgm.json", warning.Location.GetLineSpan().Path);
        Assert.Contains("cnn-u4.qgm.json is in AdditionalFiles, but no [QuantModel] class names it", warning.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("[QuantModel(\"cnn-u4.qgm.json\")] public partial class CnnU4;", warning.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("<QuantGenModel Include=\"cnn-u4.qgm.json\" ClassName=\"CnnU4\" />", warning.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("digits.uniform4.qgm.json", "DigitsUniform4")]
    [InlineData("cnn-u4.qgm.json", "CnnU4")]
    [InlineData("4bit_model.QGM.JSON", "Model4bitModel")]
    [InlineData("tiny.qgm", "Tiny")]
    [InlineData("..qgm.json", "Model")]
    public void The_suggested_class_name_is_the_file_name_in_PascalCase(string file, string expected) =>
        Assert.Equal(expected, QuantGen.Generator.QuantModelGenerator.SuggestedClassName(file));

    [Fact]
    public void QG0012_tells_to_add_a_QuantGenModel_item_at_the_attribute()
    {
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "models/missing.qgm.json")])], []);

        Diagnostic error = Assert.Single(run.Result.Diagnostics);
        Assert.Equal("QG0012", error.Id);
        Assert.Equal(GeneratorHarness.SourceDirectory + "/Models.cs", error.Location.GetLineSpan().Path);
        Assert.Equal(1, error.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(
            "'models/missing.qgm.json' (for Tests.Models.M) is not one of the project's model files; add <QuantGenModel Include=\"models/missing.qgm.json\" /> to the project file "
            + "(the path relative to the project), or <AdditionalFiles Include=\"...\" /> when the project does not use the QuantGen package",
            error.GetMessage(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("conv")]
    [InlineData("dense")]
    public void A_wrong_input_shape_is_reported_at_the_input_shape_not_at_the_first_layer(string first)
    {
        Model model = first == "conv" ? SnapshotTests.Convolution() : DescriptionLoader.LoadOrThrow(Tiny, "tiny.qgm.json");
        model.Inputs[0] = new TensorInfo { Name = model.Inputs[0].Name, Shape = { 1, 28, 28 } };
        string json = TestModels.Json(model);
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [new InMemoryAdditionalText("/src/m.qgm.json", json)]);

        Diagnostic error = Assert.Single(run.Result.Diagnostics);
        Assert.Equal("QG0005", error.Id);
        // At the input's "shape" key: its line and column.
        int at = json.IndexOf("\"shape\"", json.IndexOf("\"inputs\"", StringComparison.Ordinal), StringComparison.Ordinal);
        FileLinePositionSpan span = error.Location.GetLineSpan();
        Assert.Equal("/src/m.qgm.json", span.Path);
        Assert.Equal(json.Take(at).Count(c => c == '\n'), span.StartLinePosition.Line);
        Assert.Equal(at - json.LastIndexOf('\n', at) - 1, span.StartLinePosition.Character);
        string expected = first == "conv"
            ? "the model's input gives 784 values, but layer 0 (conv2d) expects 144 inputs (inChannels x height x width = 2 x 9 x 8); declare an input shape of 144 values, or correct the layer"
            : "the model's input gives 784 values, but layer 0 (dense) expects 4 inputs (its inFeatures); declare an input shape of 4 values, or correct the layer";
        Assert.Equal(expected, error.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_later_layer_that_does_not_fit_the_one_before_is_reported_at_its_own_field()
    {
        string json = Tiny.Replace("\"inFeatures\": 3", "\"inFeatures\": 2", StringComparison.Ordinal);
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [new InMemoryAdditionalText("/src/m.qgm.json", json)]);

        Diagnostic error = Assert.Single(run.Result.Diagnostics, d => d.Id == "QG0005");
        Assert.Equal(json.Split('\n').ToList().FindIndex(l => l.Contains("\"inFeatures\": 2", StringComparison.Ordinal)), error.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal("layer 2 (dense) expects 2 inputs (its inFeatures) but the layer before gives 3", error.GetMessage(CultureInfo.InvariantCulture));
    }

    /// <summary>The public members of a class, with the class's own name written as "C" so that two classes compare.</summary>
    private static HashSet<string> PublicSurface(Compilation compilation, string className)
    {
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Tests.Models." + className)!;
        IEnumerable<ISymbol> members = type.GetMembers().Concat(type.GetTypeMembers().SelectMany(t => t.GetMembers().Prepend(t)));
        return members
            .Where(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsImplicitlyDeclared)
            .Select(m => m.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat).Replace("Tests.Models." + className, "C", StringComparison.Ordinal))
            .Concat(type.AllInterfaces.Select(i => "implements " + i.ToDisplayString()))
            .ToHashSet(StringComparer.Ordinal);
    }
}
