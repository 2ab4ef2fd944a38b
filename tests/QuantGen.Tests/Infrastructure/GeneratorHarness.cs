// The in-memory additional file lives in tools/QuantGen.InMemory (the CLI's eval uses it too); tests keep its old name.
global using InMemoryAdditionalText = QuantGen.InMemory.InMemoryAdditionalText;
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.InMemory;

namespace QuantGen.Tests.Infrastructure;

/// <summary>Runs the generator the way the compiler does and compiles what it wrote (the shared part: <see cref="InMemoryGenerator"/>).</summary>
internal static class GeneratorHarness
{
    public const string SourceDirectory = InMemoryGenerator.SourceDirectory;

    public static readonly CSharpParseOptions ParseOptions = InMemoryGenerator.ParseOptions;

    public static ImmutableArray<MetadataReference> References => InMemoryGenerator.References;

    public static CSharpCompilation Compilation(IEnumerable<(string Path, string Text)> sources, bool allowUnsafe = false) => InMemoryGenerator.Compilation(sources, allowUnsafe);

    public static GeneratorDriver Driver(IEnumerable<AdditionalText> files) => InMemoryGenerator.Driver(files, trackSteps: true);

    /// <summary>Runs the generator over <paramref name="sources"/> with <paramref name="files"/> as additional files.</summary>
    /// <param name="target">The build's QuantGenTarget property; null plans for the default (Portable).</param>
    /// <param name="allowUnsafe">As a project's AllowUnsafeBlocks: the model classes then skip zeroing their stack memory.</param>
    public static GeneratorRun Run(IEnumerable<(string Path, string Text)> sources, IEnumerable<AdditionalText> files, string? target = null, bool allowUnsafe = false)
    {
        CSharpCompilation compilation = Compilation(sources, allowUnsafe);
        GeneratorDriver driver = target is null ? Driver(files)
            : Driver(files).WithUpdatedAnalyzerConfigOptions(ItemHarness.Global(new Dictionary<string, string> { ["QuantGenTarget"] = target }));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorRun(driver, driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>A source file declaring <c>[QuantModel(path)] partial class name</c> for each pair.</summary>
    public static (string Path, string Text) Bindings(IEnumerable<(string ClassName, string ModelPath)> models, string ns = "Tests.Models") =>
        InMemoryGenerator.Bindings(models, ns);
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
    public Assembly Load() => Assembly.Load(InMemoryGenerator.Emit(Output));
}
