using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using QuantGen.Generator.Emit;
using QuantGen.Generator.Model;

namespace QuantGen.Generator;

/// <summary>
/// Implements each <c>[QuantModel("file.qgm.json")] partial class</c> from its description.
/// The pipeline, each step named for the incremental-cache tests:
/// <list type="number">
/// <item>ModelFiles: every *.qgm.json additional file with its item metadata, parsed and validated (QuantModelGenerator.Files.cs);</item>
/// <item>Bindings: every class with the attribute, boiled down to strings (QuantModelGenerator.Bindings.cs);</item>
/// <item>ItemBindings: every file whose &lt;QuantGenModel&gt; item names a class (QuantModelGenerator.Items.cs);</item>
/// <item>Plans, ItemPlans: each binding with its file, planned (Planner.cs);</item>
/// <item>UnboundFiles: model files no class is bound to, each a warning (QuantModelGenerator.Unbound.cs);</item>
/// <item>then the emitter writes source, and diagnostics are reported on their own output.</item>
/// </list>
/// No step lets an exception escape: a failure becomes diagnostic QG0014 naming the model file.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class QuantModelGenerator : IIncrementalGenerator
{
    public const string AttributeName = "QuantGen.QuantModelAttribute";
    public const string FileExtension = ".qgm.json";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ModelFile> files = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(FileExtension, StringComparison.OrdinalIgnoreCase))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => ReadModelFile(pair.Left, ModelItem.From(pair.Right.GetOptions(pair.Left)), cancellationToken))
            .WithTrackingName(TrackingNames.ModelFiles);

        IncrementalValuesProvider<ModelBinding> bindings = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeName,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                static (attributeContext, cancellationToken) => Bind(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.Bindings);

        // <QuantGenModel ClassName="..."> items (the package's QuantGen.targets): the class is named by the file's metadata.
        IncrementalValuesProvider<ModelBinding> itemBindings = files
            .Where(static file => file.Item.ClassName is not null)
            .Select(static (file, _) => BindItem(file))
            .WithTrackingName(TrackingNames.ItemBindings);

        IncrementalValueProvider<ImmutableArray<ModelFile>> allFiles = files.Collect();

        // Two models bound to one class would give two files of one hint name, which the compiler refuses by
        // failing the whole generator: those classes are found first, and only their models are refused.
        IncrementalValueProvider<EquatableArray<ClassClaim>> conflicts = bindings.Collect()
            .Combine(itemBindings.Collect())
            .Select(static (pair, _) => Conflicts(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.ClassConflicts);

        // A model file that neither its <QuantGenModel> item nor a [QuantModel] class binds would generate nothing, silently.
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> unbound = allFiles
            .Combine(bindings.Collect())
            .Select(static (pair, _) => UnboundFiles(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.UnboundFiles);

        // The instruction set the kernels are chosen for: $(QuantGenTarget), else $(IlcInstructionSet) (Model/CpuTarget.cs).
        IncrementalValueProvider<PlanTarget> target = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => PlanTarget.From(options.GlobalOptions))
            .WithTrackingName(TrackingNames.Target);

        // [SkipLocalsInit] on the model class where the project allows unsafe code (the compiler requires it): then the
        // working memory the entry points stackalloc is not zeroed on every call (41 KB a digits CNN step).
        IncrementalValueProvider<bool> skipLocalsInit = context.CompilationProvider
            .Select(static (compilation, _) => compilation.Options is Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions { AllowUnsafe: true })
            .WithTrackingName(TrackingNames.SkipLocalsInit);

        // Source and diagnostics travel separately, so that a diagnostic never forces source to be written again.
        context.RegisterSourceOutput(files.Select(static (file, _) => file.Diagnostics), ReportAll);
        context.RegisterSourceOutput(unbound, ReportAll);
        context.RegisterSourceOutput(target, static (spc, t) =>
        {
            if (t.Problem is not null)
            {
                spc.ReportDiagnostic(t.Problem.ToDiagnostic());
            }
        });
        RegisterPlans(context, bindings, allFiles, conflicts, target, skipLocalsInit, TrackingNames.Plans);
        RegisterPlans(context, itemBindings, allFiles, conflicts, target, skipLocalsInit, TrackingNames.ItemPlans);
    }

    private static void RegisterPlans(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ModelBinding> bindings, IncrementalValueProvider<ImmutableArray<ModelFile>> files, IncrementalValueProvider<EquatableArray<ClassClaim>> conflicts, IncrementalValueProvider<PlanTarget> target, IncrementalValueProvider<bool> skipLocalsInit, string trackingName)
    {
        IncrementalValuesProvider<PlanResult> plans = bindings
            .Combine(files)
            .Combine(conflicts)
            .Combine(target)
            .Select(static (pair, cancellationToken) => PlanBinding(pair.Left.Left.Left, pair.Left.Left.Right, pair.Left.Right, pair.Right.Cpu, cancellationToken))
            .WithTrackingName(trackingName);
        context.RegisterSourceOutput(plans.Select(static (result, _) => result.Diagnostics), ReportAll);
        context.RegisterSourceOutput(plans.Where(static result => result.Plan is not null).Select(static (result, _) => result.Plan!).Combine(skipLocalsInit), static (spc, pair) => EmitModel(spc, pair.Left, pair.Right));
        context.RegisterSourceOutput(plans.Where(static result => result.Placeholder is not null).Select(static (result, _) => result.Placeholder!), EmitPlaceholder);
    }

    private static PlanResult PlanBinding(ModelBinding binding, ImmutableArray<ModelFile> files, EquatableArray<ClassClaim> conflicts, CpuTarget cpu, CancellationToken cancellationToken)
    {
        if (binding.Error is not null)
        {
            return new PlanResult(null, new[] { binding.Error }.ToEquatableArray());
        }

        string key = ClassKey(binding);
        foreach (ClassClaim conflict in conflicts)
        {
            if (conflict.Key == key)
            {
                string message = $"{conflict.Models.Count} models are bound to the class {binding.FullName} ({string.Join(", ", conflict.Models)}); each model needs a class of its own, so none of them is generated: give each <QuantGenModel> item its own ClassName or Namespace, or each [QuantModel] class its own name";
                return new PlanResult(null, new[] { new DiagnosticInfo(DiagnosticDescriptors.ClassBoundTwice, message, binding.Location) }.ToEquatableArray());
            }
        }

        ModelFile? file = FindModelFile(binding, files);
        if (file is null)
        {
            string message = $"'{binding.ModelPath}' (for {binding.FullName}) is not one of the project's model files; add <QuantGenModel Include=\"{binding.ModelPath}\" /> to the project file (the path relative to the project), or <AdditionalFiles Include=\"...\" /> when the project does not use the QuantGen package";
            return new PlanResult(null, new[] { new DiagnosticInfo(DiagnosticDescriptors.ModelFileNotFound, message, binding.Location) }.ToEquatableArray(), binding);
        }

        if (file.Description is null)
        {
            // The file's own errors are reported once, by the ModelFiles step.
            return new PlanResult(null, EquatableArray<DiagnosticInfo>.Empty, binding);
        }

        try
        {
            long blob = Planner.BlobBytes(file.Description, Strategies.CostModel.For(cpu));
            if (blob > Planner.MaxBlobBytes)
            {
                string message = $"{System.IO.Path.GetFileName(file.Path)} holds {blob} bytes of parameters; a generated model may embed at most {Planner.MaxBlobBytes}";
                return new PlanResult(null, new[] { new DiagnosticInfo(DiagnosticDescriptors.InvalidValue, message, FileStart(file.Path)) }.ToEquatableArray(), binding);
            }

            return new PlanResult(Planner.Plan(binding, file, cpu, cancellationToken), EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new PlanResult(null, new[] { Internal(file.Path, "planning", e) }.ToEquatableArray(), binding);
        }
    }

    /// <summary>
    /// Classes bound to more than one model, each with the models' file names. Bindings that are refused for
    /// their own reasons emit nothing and do not count. Hint names compare ignoring case, and so do these keys.
    /// </summary>
    private static EquatableArray<ClassClaim> Conflicts(ImmutableArray<ModelBinding> attributes, ImmutableArray<ModelBinding> items) =>
        attributes.Concat(items)
            .Where(static b => b.Error is null)
            .GroupBy(ClassKey, StringComparer.Ordinal)
            .Where(static g => g.Count() > 1)
            .Select(static g => new ClassClaim(g.Key, g.Select(b => System.IO.Path.GetFileName(b.ModelPath.Replace('\\', '/'))).OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray()))
            .OrderBy(static c => c.Key, StringComparer.Ordinal)
            .ToEquatableArray();

    private static string ClassKey(ModelBinding binding) => binding.FullName.ToUpperInvariant();

    /// <summary>The binding's path relative to the attribute's source folder; failing that, the one file of that name.</summary>
    private static ModelFile? FindModelFile(ModelBinding binding, ImmutableArray<ModelFile> files)
    {
        string wanted = Normalize(System.IO.Path.IsPathRooted(binding.ModelPath) || binding.SourceDirectory.Length == 0
            ? binding.ModelPath
            : System.IO.Path.Combine(binding.SourceDirectory, binding.ModelPath));
        // A binary description is read through its JSON form under obj/, but bound by the name the user wrote.
        ModelFile? exact = files.FirstOrDefault(f => string.Equals(Normalize(f.Path), wanted, StringComparison.Ordinal))
            ?? files.FirstOrDefault(f => f.Item.SourcePath is not null && string.Equals(Normalize(f.Item.SourcePath), wanted, StringComparison.Ordinal));
        if (exact is not null)
        {
            return exact;
        }

        string name = System.IO.Path.GetFileName(binding.ModelPath.Replace('\\', '/'));
        ModelFile[] byName = files.Where(f => string.Equals(System.IO.Path.GetFileName(f.UserPath.Replace('\\', '/')), name, StringComparison.OrdinalIgnoreCase)).ToArray();
        return byName.Length == 1 ? byName[0] : null;
    }

    private static string Normalize(string path)
    {
        try
        {
            return System.IO.Path.GetFullPath(path.Replace('\\', '/'));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or System.IO.PathTooLongException or System.Security.SecurityException)
        {
            return path;
        }
    }

    private static void EmitModel(SourceProductionContext context, ModelPlan plan, bool skipLocalsInit)
    {
        try
        {
            foreach ((string hintName, string source) in Emitter.Emit(plan, context.CancellationToken))
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                context.AddSource(hintName, source);
            }

            if (skipLocalsInit && !plan.Target.OwnSkipLocalsInit)
            {
                (string hintName, string source) = Emitter.EmitSkipLocalsInit(plan);
                context.AddSource(hintName, source);
            }

            if (plan.Target.Declare)
            {
                (string hintName, string source) = Emitter.EmitDeclaration(plan);
                context.AddSource(hintName, source);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Internal(plan.Source.Path, "emitting code", e).ToDiagnostic());
        }
    }

    private static void EmitPlaceholder(SourceProductionContext context, ModelBinding binding)
    {
        try
        {
            (string hintName, string source) = Emitter.EmitPlaceholder(binding);
            context.AddSource(hintName, source);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Internal(binding.ModelPath, "writing the placeholder for", e).ToDiagnostic());
        }
    }

    private static void ReportAll(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }

    internal static DiagnosticInfo Internal(string path, string step, Exception e) =>
        new DiagnosticInfo(
            DiagnosticDescriptors.InternalError,
            $"QuantGen failed while {step} {System.IO.Path.GetFileName(path)}: {e.GetType().Name}: {e.Message}. Please report this with the model file.",
            FileStart(path));

    internal static LocationInfo FileStart(string path) =>
        new LocationInfo(path, default, new Microsoft.CodeAnalysis.Text.LinePositionSpan(default, default));

    /// <summary>A class (its hint-name key) that more than one model is bound to, and those models' file names.</summary>
    internal sealed record ClassClaim(string Key, EquatableArray<string> Models);

    /// <summary>
    /// A plan, or the reasons there is none; then, when the class itself is sound, the binding to write a
    /// placeholder for (<see cref="Emitter.EmitPlaceholder"/>), so that the model's errors are the build's only ones.
    /// </summary>
    internal sealed record PlanResult(ModelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics, ModelBinding? Placeholder = null);
}

/// <summary>Names of the pipeline steps, for tests that check what was cached.</summary>
public static class TrackingNames
{
    public const string ModelFiles = nameof(ModelFiles);
    public const string Bindings = nameof(Bindings);
    public const string Plans = nameof(Plans);
    public const string ItemBindings = nameof(ItemBindings);
    public const string ItemPlans = nameof(ItemPlans);
    public const string ClassConflicts = nameof(ClassConflicts);
    public const string UnboundFiles = nameof(UnboundFiles);
    public const string Target = nameof(Target);
    public const string SkipLocalsInit = nameof(SkipLocalsInit);
}
