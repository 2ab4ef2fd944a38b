using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.Generator;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>The incremental cache: unrelated edits leave every step cached, and models hold no compilation objects.</summary>
public sealed class IncrementalTests
{
    private static readonly string Json = TestModels.Json(TestModels.AllOps(1));

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation([GeneratorHarness.Bindings([("M", "m.qgm.json")])]);
        GeneratorDriver driver = GeneratorHarness.Driver([new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/m.qgm.json", Json)]);
        driver = driver.RunGenerators(compilation);
        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public class Unrelated { int X => 1; }", GeneratorHarness.ParseOptions, "/src/Other.cs"));
        driver = driver.RunGenerators(edited);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in new[] { TrackingNames.ModelFiles, TrackingNames.Bindings, TrackingNames.Plans, TrackingNames.UnboundFiles })
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                Assert.All(run.Outputs, output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"step {step} output was {output.Reason}"));
            }
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), output =>
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Pipeline_models_hold_no_symbols_syntax_or_compilations()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation([GeneratorHarness.Bindings([("M", "m.qgm.json")])]);
        GeneratorDriver driver = GeneratorHarness.Driver([new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/m.qgm.json", Json)]).RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var seen = new HashSet<Type>();
        foreach (object value in new[] { TrackingNames.ModelFiles, TrackingNames.Bindings, TrackingNames.Plans, TrackingNames.UnboundFiles }.SelectMany(name => result.TrackedSteps[name]).SelectMany(s => s.Outputs).Select(o => o.Value))
        {
            AssertNoCompilationTypes(value.GetType(), seen, value.GetType().Name);
        }
    }

    private static void AssertNoCompilationTypes(Type type, HashSet<Type> seen, string path)
    {
        if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string) || type.Namespace?.StartsWith("Google.Protobuf", StringComparison.Ordinal) == true)
        {
            return;
        }

        Assert.False(
            typeof(ISymbol).IsAssignableFrom(type) || typeof(Compilation).IsAssignableFrom(type) || typeof(SyntaxNode).IsAssignableFrom(type)
            || typeof(SemanticModel).IsAssignableFrom(type) || type == typeof(Location) || type == typeof(SyntaxTree),
            $"{path} holds a {type.Name}");
        foreach (Type argument in type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes)
        {
            AssertNoCompilationTypes(argument, seen, path + "<" + argument.Name + ">");
        }

        if (type.IsArray)
        {
            AssertNoCompilationTypes(type.GetElementType()!, seen, path + "[]");
            return;
        }

        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
        {
            return;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            AssertNoCompilationTypes(property.PropertyType, seen, path + "." + property.Name);
        }
    }
}
