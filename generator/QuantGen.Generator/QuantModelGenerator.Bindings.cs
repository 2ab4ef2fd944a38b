using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using QuantGen.Generator.Model;

namespace QuantGen.Generator;

public sealed partial class QuantModelGenerator
{
    /// <summary>The most threads [QuantModel(Threads = N)] may ask for.</summary>
    private const int MaxThreads = 64;

    /// <summary>A class with [QuantModel] -> a <see cref="ModelBinding"/> of plain strings, or the reason it cannot hold a model.</summary>
    private static ModelBinding Bind(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (ClassDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        LocationInfo? location = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? syntax.Identifier.GetLocation());
        string path = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string p ? p : "";
        string directory = System.IO.Path.GetDirectoryName(syntax.SyntaxTree.FilePath) ?? "";
        string? ns = symbol.ContainingNamespace.IsGlobalNamespace ? null : symbol.ContainingNamespace.ToDisplayString();

        var containing = new List<ContainingType>();
        string? problem = path.Length == 0 ? "[QuantModel] needs the path of a .qgm.json file" : null;
        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            bool partial = outer.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial || outer.IsGenericType)
            {
                problem ??= $"{symbol.Name} is nested in {outer.Name}, which must be a non-generic partial type";
            }

            containing.Insert(0, new ContainingType(Keyword(outer), outer.Name));
        }

        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            problem = $"{symbol.Name} must be declared partial: the generator writes the rest of it";
        }
        else if (symbol.IsStatic)
        {
            problem = $"{symbol.Name} must not be static: it implements IQuantModel";
        }
        else if (symbol.IsGenericType)
        {
            problem = $"{symbol.Name} must not be generic";
        }

        int threads = 1;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            if (named.Key == "Threads" && named.Value.Value is int t)
            {
                threads = t;
            }
        }

        if (threads < 1 || threads > MaxThreads)
        {
            problem ??= $"[QuantModel] Threads = {threads}: give 1 (the default, every call on the calling thread) to {MaxThreads}";
        }

        DiagnosticInfo? error = problem is null ? null : new DiagnosticInfo(DiagnosticDescriptors.InvalidTarget, problem, location);
        bool ownSkipLocalsInit = symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.SkipLocalsInitAttribute");
        return new ModelBinding(ns, symbol.Name, containing.ToEquatableArray(), path, directory, location, error, Threads: threads, OwnSkipLocalsInit: ownSkipLocalsInit);
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
