using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Graph;

/// <summary>What the validator says about layers that name their inputs, and about the new layer kinds: each error at its line.</summary>
public sealed class GraphValidationTests
{
    // Line numbers below refer to this text, counted from 1 (line 1 is "{"). Layers: a (dense 4 -> 3), b (dense of the input 4 -> 3), sum = add [a, b].
    private const string Valid = """
        {
          "schema": "quantgen.v1",
          "inputs": [{"name": "x", "shape": [4]}],
          "outputs": [{"name": "y", "shape": [3]}],
          "layers": [
            {"name": "a", "dense": {"inFeatures": 4, "outFeatures": 3, "weights": {"float32": {"values": [1,0,0,0, 0,1,0,0, 0,0,1,0]}}}},
            {"name": "b", "inputs": ["x"], "dense": {"inFeatures": 4, "outFeatures": 3, "weights": {"float32": {"values": [0,0,0,1, 0,0,1,0, 0,1,0,0]}}}},
            {"name": "sum", "inputs": ["a", "b"], "add": {}}
          ]
        }
        """;

    [Fact]
    public void The_valid_graph_validates_and_runs()
    {
        Assert.Empty(Errors(Valid));
        float[] y = QuantGen.Reference.ReferenceInterpreter.FromJson(Valid).Predict([1f, 2f, 3f, 4f]);
        Assert.Equal(new[] { 1f + 4f, 2f + 3f, 3f + 2f }, y);
    }

    [Theory]
    [InlineData("\"inputs\": [\"a\", \"b\"]", "\"inputs\": [\"a\", \"c\"]", DescriptionErrorCode.UnresolvedInput, 8, "layer 2 reads \"c\", which is neither a layer's name nor the model's input \"x\"")]
    [InlineData("\"inputs\": [\"x\"]", "\"inputs\": [\"sum\"]", DescriptionErrorCode.UnresolvedInput, 7, "layer 1 reads \"sum\" and the layers form a cycle (1 -> 2 -> 1); a layer may read only layers listed before it")]
    [InlineData("\"inputs\": [\"x\"]", "\"inputs\": [\"b\"]", DescriptionErrorCode.UnresolvedInput, 7, "layer 1 reads \"b\" and the layers form a cycle (1 -> 1)")]
    [InlineData("\"inputs\": [\"a\", \"b\"]", "\"inputs\": [\"a\", \"x\"]", DescriptionErrorCode.ShapeMismatch, 8, "layer 2 (add) adds 4 values from \"x\" to 3 values from \"a\"; the inputs of an add must have one length")]
    [InlineData("\"inputs\": [\"a\", \"b\"]", "\"inputs\": [\"a\"]", DescriptionErrorCode.InvalidValue, 8, "layer 2 (add) reads one value; add reads two or more, named in \"inputs\"")]
    [InlineData("\"inputs\": [\"x\"], ", "\"inputs\": [\"x\", \"a\"], ", DescriptionErrorCode.InvalidValue, 7, "layer 1 (dense) names 2 inputs; only add and concat read more than one")]
    [InlineData("\"add\": {}", "\"concat\": {}", DescriptionErrorCode.ShapeMismatch, 4, "the output is declared with 3 values but the last layer gives 6")]
    [InlineData("\"inputs\": [\"a\", \"b\"], \"add\": {}", "\"clip\": {\"min\": 1, \"max\": 0}", DescriptionErrorCode.InvalidValue, 8, "layer 2 (clip) has min 1 above max 0")]
    [InlineData("\"inputs\": [\"a\", \"b\"], \"add\": {}", "\"leakyRelu\": {\"alpha\": \"NaN\"}", DescriptionErrorCode.NonFiniteParameter, 8, "layers[2].leakyRelu.alpha is NaN")]
    public void A_broken_graph_is_reported_at_its_line(string find, string replace, DescriptionErrorCode code, int line, string message)
    {
        Assert.Contains(find, Valid);
        DescriptionError error = Assert.Single(Errors(Valid.Replace(find, replace)));
        Assert.Equal(code, error.Code);
        Assert.Equal(line, error.Position.Line + 1);
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Pooling_layers_must_fit_what_they_read()
    {
        string pool = Valid.Replace("\"inputs\": [\"a\", \"b\"], \"add\": {}", "\"globalAvgPool2d\": {\"channels\": 2, \"height\": 2, \"width\": 2}");
        DescriptionError error = Assert.Single(Errors(pool), e => e.Code == DescriptionErrorCode.ShapeMismatch && e.Path.StartsWith("layers[2]"));
        Assert.Equal("layer 2 (globalAvgPool2d) expects 8 inputs (channels x height x width = 2 x 2 x 2) but the layer before gives 3", error.Message);
    }

    private static IReadOnlyList<DescriptionError> Errors(string json) => DescriptionLoader.Load(json).Errors;
}
