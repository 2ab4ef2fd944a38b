using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Generator;

namespace QuantGen.InMemory;

/// <summary>Runs the generator the way the compiler does, and compiles what it wrote, all in memory.</summary>
public static class InMemoryGenerator
{
    /// <summary>The folder the in-memory sources and models pretend to live in.</summary>
    public const string SourceDirectory = "/src";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    // Every assembly of the running process's platform, plus the runtime the generated code calls.
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

    /// <summary>
    /// A compilation of <paramref name="sources"/> against <see cref="References"/>; <paramref name="allowUnsafe"/> as a
    /// project's AllowUnsafeBlocks (with it the generator marks the model classes <c>[SkipLocalsInit]</c>, so whatever runs
    /// them runs them on working memory that is not zeroed first).
    /// </summary>
    public static CSharpCompilation Compilation(IEnumerable<(string Path, string Text)> sources, bool allowUnsafe = false) =>
        CSharpCompilation.Create(
            "Generated" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: allowUnsafe));

    /// <summary>A driver holding the project's generator; <paramref name="trackSteps"/> records each pipeline step (for cache tests).</summary>
    public static GeneratorDriver Driver(IEnumerable<AdditionalText> files, bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            [new QuantModelGenerator().AsSourceGenerator()],
            files,
            ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>A source file declaring <c>[QuantModel(path)] partial class name</c> for each pair.</summary>
    public static (string Path, string Text) Bindings(IEnumerable<(string ClassName, string ModelPath)> models, string ns) =>
        (SourceDirectory + "/Models.cs",
         $"namespace {ns};\n" + string.Concat(models.Select(m => $"[global::QuantGen.QuantModel(\"{m.ModelPath}\")] public partial class {m.ClassName};\n")));

    /// <summary>The compiled assembly's bytes; throws with the compiler's first errors if it does not compile.</summary>
    public static byte[] Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation.Emit(stream);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("The generated code does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
        }

        return stream.ToArray();
    }
}
