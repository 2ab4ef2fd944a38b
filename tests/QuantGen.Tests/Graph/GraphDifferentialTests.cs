using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Graph;

/// <summary>The models of <see cref="GraphTestModels"/>, generated and compiled once.</summary>
public sealed class CompiledGraphModels
{
    private static readonly Lazy<IReadOnlyDictionary<string, ModelCase>> Shared = new(() => CompiledModels.Compile(GraphTestModels.All().ToList()));

    public IReadOnlyDictionary<string, ModelCase> Cases => Shared.Value;
}

/// <summary>
/// Generated code against the reference interpreter for the new layer kinds and for graphs that branch,
/// with every codec x activation quantizer inside a residual block. Tolerance as in <see cref="DifferentialTests"/>.
/// </summary>
public sealed class GraphDifferentialTests(CompiledGraphModels models) : IClassFixture<CompiledGraphModels>
{
    public static IEnumerable<object[]> Names() => GraphTestModels.All().Select(m => new object[] { m.Name });

    [Theory]
    [MemberData(nameof(Names))]
    public void Generated_graph_matches_the_reference(string name) => DifferentialTests.AssertMatches(models.Cases[name], seed: 17);

    [Fact]
    public void Every_graph_description_passes_validation()
    {
        foreach ((string name, Model model) in GraphTestModels.All())
        {
            string json = TestModels.Json(model);
            (Model? loaded, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(json);
            Assert.True(loaded is not null && errors.Count == 0, name + ": " + string.Join("; ", errors.Select(e => e.Message)));
        }
    }

    [Fact]
    public void Special_values_follow_the_schema()
    {
        // Clip and LeakyRelu keep NaN; infinities clip to the bounds; a one-sided clip keeps -Infinity.
        ModelCase model = models.Cases["pool-chain"];
        var input = new float[model.Generated.InputLength];
        input[0] = float.NaN;
        input[50] = float.PositiveInfinity;
        var output = new float[model.Generated.OutputLength];
        model.Generated.Predict(input, output);
        float[] expected = model.Reference.Predict(input);
        for (int i = 0; i < output.Length; i++)
        {
            Assert.Equal(float.IsNaN(expected[i]), float.IsNaN(output[i]));
        }

        Assert.Contains(expected, float.IsNaN);
    }
}

/// <summary>The generated code of a graph that branches, as a golden file: buffers kept while a value is still read, the join.</summary>
public sealed class GraphSnapshotTests
{
    [Fact]
    public void Graph_with_a_three_way_add_a_second_read_of_the_input_and_concat() =>
        SnapshotTests.VerifyAll(nameof(Graph_with_a_three_way_add_a_second_read_of_the_input_and_concat), TestModels.Json(GraphTestModels.FlatGraph(12)), "FlatGraph", "App.Models");
}
