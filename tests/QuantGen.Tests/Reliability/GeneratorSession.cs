using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Generator;
using QuantGen.Tests.Infrastructure;

namespace QuantGen.Tests.Reliability;

/// <summary>What one generator run gave: its diagnostics and the files it wrote.</summary>
internal sealed record GeneratorOutcome(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<GeneratedSourceResult> Sources, System.Exception? Exception)
{
    /// <summary>Whether a model was generated; a rejected description leaves only its class's placeholder.</summary>
    public bool GeneratedModel => Sources.Any(s => !s.HintName.EndsWith(QuantGen.Generator.Emit.Emitter.PlaceholderSuffix, System.StringComparison.Ordinal));
}

/// <summary>
/// The real generator pipeline (ModelFiles -> Bindings -> Plans -> emit), kept alive across many
/// descriptions: each run swaps the one additional file, as an IDE does on an edit, so the binding is
/// computed once and a run costs what the description costs.
/// </summary>
internal sealed class GeneratorSession
{
    public const string ModelPath = GeneratorHarness.SourceDirectory + "/m.qgm.json";

    private readonly CSharpCompilation _compilation = GeneratorHarness.Compilation([GeneratorHarness.Bindings([("M", "m.qgm.json")])]);
    private GeneratorDriver _driver;
    private AdditionalText _current;

    public GeneratorSession()
    {
        _current = new InMemoryAdditionalText(ModelPath, "{}");
        _driver = CSharpGeneratorDriver.Create(
            [new QuantModelGenerator().AsSourceGenerator()],
            [_current],
            GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
    }

    public GeneratorOutcome Run(string json, CancellationToken cancellationToken = default)
    {
        var next = new InMemoryAdditionalText(ModelPath, json);
        _driver = _driver.ReplaceAdditionalText(_current, next).RunGenerators(_compilation, cancellationToken);
        _current = next;
        GeneratorRunResult result = _driver.GetRunResult().Results.Single();
        return new GeneratorOutcome(result.Diagnostics, result.GeneratedSources, result.Exception);
    }
}
