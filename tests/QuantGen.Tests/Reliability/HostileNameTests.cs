using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Generator;
using QuantGen.Generator.Emit;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Every string of a description that reaches generated code (model, layer, input and output names, doc)
/// set to something hostile: the code compiles without a warning (XML doc comments checked too), and it
/// is the same code as with plain names: the same tokens once comments and string contents are set
/// aside, the same preprocessor directives, nothing disabled, no comment carrying a line break or a
/// bidirectional control, and the model's Name reads back exactly.
/// </summary>
public sealed class HostileNameTests
{
    /// <summary>Layer names that are distinct but the same after any identifier sanitising (and keywords).</summary>
    private static readonly string[] CollidingNames = ["fc-1", "fc_1", "fc 1", "fc.1", "fc\u00b71", "fc1", "@class_", "Class", "_", "1fc"];

    [Fact]
    public void Hostile_strings_compile_and_add_nothing_to_the_generated_code()
    {
        Model plain = Build(_ => "plain", "plain doc", "x", "y", i => "layer" + i);
        string[] layerNames = HostileStrings.All.Where(s => s.Length > 0).Concat(CollidingNames).ToArray();
        Model hostile = Build(_ => "", string.Concat(HostileStrings.All), "in\"\n#if X", "*/out\u202E", i => layerNames[i % layerNames.Length] + (i < layerNames.Length ? "" : i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.True(hostile.Layers.Count >= layerNames.Length, "every hostile layer name is used");
        Assert.Empty(DescriptionLoader.Load(JsonOf(hostile)).Errors);
        (IReadOnlyDictionary<string, SyntaxTree> plainTrees, _) = Generate(plain);
        foreach (string name in new[] { string.Concat(HostileStrings.All), string.Concat(HostileStrings.All.Reverse()) })
        {
            // The model name becomes a string literal (Name) as well as comment text: every hostile string at once.
            hostile.Name = name;
            (IReadOnlyDictionary<string, SyntaxTree> hostileTrees, IQuantModel model) = Generate(hostile);
            Assert.Equal(hostile.Name, model.Name);
            Assert.Equal(plainTrees.Keys.OrderBy(k => k), hostileTrees.Keys.OrderBy(k => k));
            foreach ((string hint, SyntaxTree tree) in hostileTrees)
            {
                SyntaxNode root = tree.GetRoot();
                Assert.Equal(Skeleton(plainTrees[hint].GetRoot()), Skeleton(root));
                Assert.Equal(Directives(plainTrees[hint].GetRoot()), Directives(root));
                Assert.DoesNotContain(root.DescendantTrivia(descendIntoTrivia: true), t => t.IsKind(SyntaxKind.DisabledTextTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia));
                foreach (SyntaxTrivia comment in root.DescendantTrivia(descendIntoTrivia: true).Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia)))
                {
                    AssertSafeCommentText(hint, comment.ToFullString());
                }

                foreach (SyntaxToken token in root.DescendantTokens(descendIntoTrivia: true).Where(t => t.IsKind(SyntaxKind.XmlTextLiteralToken)))
                {
                    AssertSafeCommentText(hint, token.Text);
                }

                // Description text becomes string literals only where plain names do (Name, the metadata's names):
                // the literals are the plain model's with each of its names replaced by the hostile one.
                Assert.Equal(Literals(plainTrees[hint].GetRoot(), plain), Literals(root, hostile));
            }
        }
    }

    [Fact]
    public void A_string_that_is_not_Unicode_is_rejected_at_its_line()
    {
        foreach (string lone in HostileStrings.LoneSurrogates)
        {
            Model model = Build(_ => "m", "", "x", "y", i => "layer" + i);
            model.Layers[5].Name = lone;
            string json = JsonOf(model);
            int line = json.Split('\n').ToList().FindIndex(l => l.Contains(JsonText.Quote(lone), StringComparison.Ordinal)) + 1;
            GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/m.qgm.json", json)]);
            Diagnostic diagnostic = Assert.Single(run.Result.Diagnostics);
            Assert.Equal("QG0001", diagnostic.Id);
            Assert.Contains("unpaired UTF-16 surrogate", diagnostic.GetMessage());
            Assert.Equal(line, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
            Assert.Equal(["Tests.Models.M" + Emitter.PlaceholderSuffix], run.Sources.Keys);
        }
    }

    /// <summary>The string literals of the code, each of the description's names written as "(name)".</summary>
    private static string[] Literals(SyntaxNode root, Model model)
    {
        var names = new HashSet<string>(model.Layers.Select(l => l.Name).Append(model.Name).Append(model.Inputs[0].Name).Append(model.Outputs[0].Name), StringComparer.Ordinal);
        return root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.StringLiteralToken)).Select(t => names.Contains(t.ValueText) ? "(name)" : t.ValueText).ToArray();
    }

    /// <summary>The code as tokens, with each string literal's content replaced: what the compiler acts on.</summary>
    private static string[] Skeleton(SyntaxNode root) =>
        root.DescendantTokens().Select(t => t.IsKind(SyntaxKind.StringLiteralToken) ? "\"...\"" : t.Text).ToArray();

    private static string[] Directives(SyntaxNode root) =>
        root.DescendantTrivia().Where(t => t.IsDirective).Select(t => t.ToString().Trim()).ToArray();

    private static void AssertSafeCommentText(string hint, string text)
    {
        foreach (char c in text)
        {
            bool unsafeChar = c == '\r' || c == '\n' || c == '\u0085' || c == '\u2028' || c == '\u2029' || char.IsSurrogate(c)
                || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || (c >= '\u200B' && c <= '\u200F') || c == '\uFEFF'
                || (c < 0x20 && c != '\t');
            Assert.False(unsafeChar, $"{hint}: a comment holds U+{(int)c:X4}: {text}");
        }
    }

    private static Model Build(Func<int, string> name, string doc, string input, string output, Func<int, string> layerName)
    {
        var random = new Random(3);
        var model = new Model { Schema = "quantgen.v1", Name = name(0), Doc = doc };
        model.Inputs.Add(new TensorInfo { Name = input, Shape = { 4 } });
        model.Outputs.Add(new TensorInfo { Name = output, Shape = { 3 } });
        int count = HostileStrings.All.Length + CollidingNames.Length;
        for (int i = 0; i < count; i++)
        {
            Layer layer = (i % 4) switch
            {
                0 => new Layer { Dense = new Dense { InFeatures = 4, OutFeatures = 4, Weights = TestModels.Uniform(random, 4, 4, 3, signed: true, perRow: true, zeroPoints: false) }, InputQuantizer = TestModels.UniformActivation(2, -1f, 1f) },
                1 => new Layer { Relu = new Relu() },
                2 => new Layer { Dense = new Dense { InFeatures = 4, OutFeatures = 4, Weights = TestModels.Levels(random, 4, 4, 2) } },
                _ => new Layer { Tanh = new Tanh() },
            };
            layer.Name = layerName(i);
            model.Layers.Add(layer);
        }

        model.Layers.Add(new Layer { Name = layerName(count), Dense = new Dense { InFeatures = 4, OutFeatures = 3, Weights = TestModels.Float(random, 3, 4) } });
        return model;
    }

    /// <summary>Generates with XML documentation diagnosed, so a broken doc comment is a warning here.</summary>
    private static (IReadOnlyDictionary<string, SyntaxTree> Trees, IQuantModel Model) Generate(Model model)
    {
        CSharpParseOptions options = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        (string path, string text) = GeneratorHarness.Bindings([("M", "m.qgm.json")]);
        CSharpCompilation compilation = GeneratorHarness.Compilation([]).AddSyntaxTrees(CSharpSyntaxTree.ParseText(text, options, path));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new QuantModelGenerator().AsSourceGenerator()],
            [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/m.qgm.json", JsonOf(model))],
            options);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Empty(result.Diagnostics);
        Assert.Empty(generatorDiagnostics);

        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        // Every public member the generator writes is documented: not even CS1591.
        Assert.Empty(emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assembly assembly = Assembly.Load(stream.ToArray());
        var instance = (IQuantModel)Activator.CreateInstance(assembly.GetType("Tests.Models.M")!)!;
        instance.Predict(new float[4], new float[3]);
        return (result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SyntaxTree), instance);
    }

    /// <summary>JSON with the hostile strings written by hand: Google.Protobuf's writer refuses lone surrogates.</summary>
    private static string JsonOf(Model model)
    {
        var replacements = new List<(string, string)>();
        Model copy = model.Clone();
        string Mark(string value)
        {
            string mark = $"@@s{replacements.Count}@@";
            replacements.Add((mark, value));
            return mark;
        }

        copy.Name = Mark(copy.Name);
        copy.Doc = Mark(copy.Doc);
        copy.Inputs[0].Name = Mark(copy.Inputs[0].Name);
        copy.Outputs[0].Name = Mark(copy.Outputs[0].Name);
        foreach (Layer layer in copy.Layers)
        {
            layer.Name = Mark(layer.Name);
        }

        return JsonText.Substitute(TestModels.Json(copy), replacements);
    }
}
