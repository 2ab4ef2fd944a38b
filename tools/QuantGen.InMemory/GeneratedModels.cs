using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace QuantGen.InMemory;

/// <summary>
/// Descriptions compiled by the project's own generator into one in-memory assembly, loaded into a
/// collectible context: the same classes a user's build would produce, gone again on <see cref="Dispose"/>.
/// One compilation for many models is far cheaper than one per model. Compiled as a project that allows unsafe code, so
/// the classes skip zeroing their stack memory (<c>[SkipLocalsInit]</c>), as the fastest build of them would.
/// </summary>
public sealed class GeneratedModels : IDisposable
{
    private const string Namespace = "QuantGen.InMemory.Models";
    private readonly AssemblyLoadContext _context;

    private GeneratedModels(AssemblyLoadContext context, IReadOnlyList<IQuantModel> models)
    {
        _context = context;
        Models = models;
    }

    /// <summary>One instance per description, in the order given.</summary>
    public IReadOnlyList<IQuantModel> Models { get; }

    /// <summary>
    /// Generates and compiles each description (its JSON text). Throws <see cref="InvalidOperationException"/>
    /// with the generator's diagnostics or the compiler's errors when a description is rejected.
    /// </summary>
    public static GeneratedModels Compile(IReadOnlyList<string> descriptions, CancellationToken cancellationToken = default)
    {
        var files = descriptions.Select((json, i) => (AdditionalText)new InMemoryAdditionalText($"{InMemoryGenerator.SourceDirectory}/models/m{i}.qgm.json", json)).ToList();
        var bindings = InMemoryGenerator.Bindings(descriptions.Select((_, i) => ($"M{i}", $"models/m{i}.qgm.json")), Namespace);
        InMemoryGenerator.Driver(files).RunGeneratorsAndUpdateCompilation(
            InMemoryGenerator.Compilation([bindings], allowUnsafe: true), out Compilation output, out ImmutableArray<Diagnostic> diagnostics, cancellationToken);
        Diagnostic[] errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidOperationException("the generator rejected the description: " + string.Join("; ", errors.Take(5).Select(e => e.GetMessage(System.Globalization.CultureInfo.InvariantCulture))));
        }

        byte[] image = InMemoryGenerator.Emit(output);
        var context = new AssemblyLoadContext("QuantGen.InMemory." + Guid.NewGuid().ToString("N"), isCollectible: true);
        try
        {
            // QuantGen.Runtime is not loaded here: the context falls back to the default one, so the
            // generated classes implement the very IQuantModel the caller knows.
            Assembly assembly = context.LoadFromStream(new MemoryStream(image));
            IQuantModel[] models = descriptions
                .Select((_, i) => (IQuantModel)Activator.CreateInstance(assembly.GetType($"{Namespace}.M{i}", throwOnError: true)!)!)
                .ToArray();
            return new GeneratedModels(context, models);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    public void Dispose() => _context.Unload();
}
