using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using QuantGen.Generator;

namespace QuantGen.Tests.Infrastructure;

/// <summary>An additional file held in memory, as the compiler would pass a *.qgm.json.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Runs the generator the way the compiler does and compiles what it wrote.</summary>
internal static class GeneratorHarness
{
    public const string SourceDirectory = "/src";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return platform
            .Append(typeof(QuantModelAttribute).Assembly.Location)
            .Distinct()
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    });

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public static CSharpCompilation Compilation(IEnumerable<(string Path, string Text)> sources) =>
        CSharpCompilation.Create(
            "Generated" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(IEnumerable<AdditionalText> files) =>
        CSharpGeneratorDriver.Create(
            [new QuantModelGenerator().AsSourceGenerator()],
            files,
            ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator over <paramref name="sources"/> with <paramref name="files"/> as additional files.</summary>
    public static GeneratorRun Run(IEnumerable<(string Path, string Text)> sources, IEnumerable<AdditionalText> files)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver(files).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorRun(driver, driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>A source file declaring <c>[QuantModel(path)] partial class name</c> for each pair.</summary>
    public static (string Path, string Text) Bindings(IEnumerable<(string ClassName, string ModelPath)> models, string ns = "Tests.Models") =>
        (SourceDirectory + "/Models.cs",
         $"namespace {ns};\n" + string.Concat(models.Select(m => $"[global::QuantGen.QuantModel(\"{m.ModelPath}\")] public partial class {m.ClassName};\n")));
}

internal sealed record GeneratorRun(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Every generated file: hint name -> text.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>All diagnostics: the generator's and the compiler's on the generated code.</summary>
    public IReadOnlyList<Diagnostic> AllDiagnostics =>
        Result.Diagnostics.Concat(Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning)).ToList();

    /// <summary>Compiles the output and loads it; fails with the compiler's errors if it does not compile.</summary>
    public Assembly Load()
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = Output.Emit(stream);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("The generated code does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        }

        return Assembly.Load(stream.ToArray());
    }
}
