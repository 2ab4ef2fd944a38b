using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>One test per diagnostic id: a broken input, the id, and the line it points at (1-based).</summary>
public sealed class DiagnosticTests
{
    private const string ModelPath = GeneratorHarness.SourceDirectory + "/model.qgm.json";

    // Line numbers below refer to this text.
    private const string Valid = """
        {
          "schema": "quantgen.v1",
          "name": "t",
          "inputs": [{"name": "x", "shape": [2]}],
          "outputs": [{"name": "y", "shape": [1]}],
          "layers": [
            {
              "name": "fc",
              "inputQuantizer": {"thresholds": {"bits": 2, "thresholds": [0, 1, 2], "levels": [0, 1, 2, 3]}},
              "dense": {
                "inFeatures": 2,
                "outFeatures": 1,
                "weights": {"uniform": {"bits": 4, "signed": true, "scales": [0.5], "codes": "Ew=="}},
                "bias": [0.25]
              }
            }
          ]
        }
        """;

    [Fact]
    public void The_valid_text_gives_no_diagnostic_and_a_working_class()
    {
        GeneratorRun run = Generate(Valid);
        Assert.Empty(run.AllDiagnostics);
        var model = (IQuantModel)Activator.CreateInstance(run.Load().GetType("Tests.Models.M")!)!;
        var y = new float[1];
        model.Predict([1.5f, 0.5f], y);
        // thresholds -> [2, 1]; codes 3, 1 (0x13) -> weights 1.5, 0.5; 1.5*2 + 0.5*1 + 0.25
        Assert.Equal(3.75f, y[0]);
    }

    [Theory]
    [InlineData("QG0001", "\"name\": \"t\",", "\"name\": \"t\"", 4)]
    [InlineData("QG0002", "\"inFeatures\": 2,", "\"inFeaturez\": 2,", 11)]
    [InlineData("QG0003", "\"weights\": {\"uniform\": {\"bits\": 4, \"signed\": true, \"scales\": [0.5], \"codes\": \"Ew==\"}},", "", 10)]
    [InlineData("QG0004", "quantgen.v1", "quantgen.v9", 2)]
    [InlineData("QG0005", "\"outputs\": [{\"name\": \"y\", \"shape\": [1]}]", "\"outputs\": [{\"name\": \"y\", \"shape\": [2]}]", 5)]
    [InlineData("QG0006", "\"bits\": 4", "\"bits\": 9", 13)]
    [InlineData("QG0007", "\"bias\": [0.25]", "\"bias\": [0.25, 1]", 14)]
    [InlineData("QG0008", "\"thresholds\": [0, 1, 2]", "\"thresholds\": [0, 2, 1]", 9)]
    [InlineData("QG0009", "\"bias\": [0.25]", "\"bias\": [\"NaN\"]", 14)]
    [InlineData("QG0010", "\"scales\": [0.5],", "\"scales\": [0.5], \"zeroPoints\": [100],", 13)]
    [InlineData("QG0011", "      }\n    }\n  ]", "      }\n    },\n    {\"name\": \"fc\", \"relu\": {}}\n  ]", 17)]
    [InlineData("QG0019", "      }\n    }\n  ]", "      }\n    },\n    {\"name\": \"out\", \"inputs\": [\"fc\", \"nowhere\"], \"add\": {}}\n  ]", 17)]
    public void A_broken_description_is_reported_at_its_line(string id, string find, string replace, int line)
    {
        string text = Valid.Replace("\r\n", "\n");
        Assert.Contains(find, text);
        GeneratorRun run = Generate(text.Replace(find, replace));
        Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(ModelPath, span.Path);
        Assert.Equal(line, span.StartLinePosition.Line + 1);
        // No model, only the placeholder that keeps code using the class compiling (BuildErrorTests).
        Assert.Equal(["Tests.Models.M" + QuantGen.Generator.Emit.Emitter.PlaceholderSuffix], run.Sources.Keys);
    }

    [Fact]
    public void QG0005_names_both_sizes_at_the_input_when_the_first_layer_does_not_fit_it()
    {
        GeneratorRun run = Generate(Valid.Replace("\"inFeatures\": 2,", "\"inFeatures\": 3,"));
        Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics, d => d.Id == "QG0005");
        Assert.Equal(4, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("the model's input gives 2 values, but layer 0 (dense) expects 3 inputs", diagnostic.GetMessage());
    }

    [Fact]
    public void QG0012_the_named_file_is_not_an_additional_file()
    {
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "missing.qgm.json")])], [new InMemoryAdditionalText(ModelPath, Valid)]);
        Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics, d => d.Id == "QG0012");
        Assert.Equal(GeneratorHarness.SourceDirectory + "/Models.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("add <QuantGenModel Include=\"missing.qgm.json\" />", diagnostic.GetMessage());
        // The file that is there is bound to nothing: likely the one meant, so it is named too.
        Diagnostic unbound = Assert.Single(run.Result.Diagnostics, d => d.Id == "QG0018");
        Assert.Equal(ModelPath, unbound.Location.GetLineSpan().Path);
    }

    [Theory]
    [InlineData("public class M;", "partial")]
    [InlineData("public static partial class M;", "static")]
    [InlineData("public partial class M<T>;", "generic")]
    public void QG0013_the_class_cannot_hold_a_model(string declaration, string reason)
    {
        string source = $"namespace Tests.Models;\n[global::QuantGen.QuantModel(\"model.qgm.json\")] {declaration}\n";
        GeneratorRun run = GeneratorHarness.Run([(GeneratorHarness.SourceDirectory + "/Models.cs", source)], [new InMemoryAdditionalText(ModelPath, Valid)]);
        Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics);
        Assert.Equal("QG0013", diagnostic.Id);
        Assert.Contains(reason, diagnostic.GetMessage());
    }

    [Fact]
    public void QG0014_an_internal_failure_names_the_model_file_instead_of_crashing_the_build()
    {
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "model.qgm.json")])], [new ThrowingText(ModelPath)]);
        Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics);
        Assert.Equal("QG0014", diagnostic.Id);
        Assert.Contains("model.qgm.json", diagnostic.GetMessage());
        Assert.Equal(ModelPath, diagnostic.Location.GetLineSpan().Path);
    }

    [Fact]
    public void Every_diagnostic_id_is_tested_and_listed_in_the_release_notes()
    {
        string[] ids = typeof(QuantGen.Generator.QuantModelGenerator).Assembly.GetType("QuantGen.Generator.DiagnosticDescriptors")!
            .GetFields().Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).OrderBy(i => i).ToArray();
        // QG0015 is the package's build task's (packaging/QuantGen.Build); QG0016 and QG0017 are tested in Reliability/SecondRoundRegressionTests, QG0018 in BuildErrorTests,
        // QG0020 in Planning/TargetChoiceTests.
        Assert.Equal(Enumerable.Range(1, 14).Concat([16, 17, 18, 19, 20]).Select(i => $"QG{i:D4}"), ids);
        foreach (QuantGen.Schema.DescriptionErrorCode code in Enum.GetValues<QuantGen.Schema.DescriptionErrorCode>())
        {
            Assert.Contains(QuantGen.Schema.DescriptionError.FormatId(code), ids);
        }
    }

    private static GeneratorRun Generate(string text) =>
        GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "model.qgm.json")])], [new InMemoryAdditionalText(ModelPath, text)]);

    /// <summary>A file the compiler fails to read in an unexpected way.</summary>
    private sealed class ThrowingText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => throw new InvalidOperationException("disk on fire");
    }
}
