using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Where a graph joins: an Add of two computed values (a residual connection) or a Concat of computed values
/// along the channels, each an <c>add</c> or <c>concat</c> layer that names its inputs. The graph walk
/// (<see cref="GraphWalker"/>) calls <see cref="Join"/>; an Add of a constant folds into the layer before
/// (<see cref="LayerFoldConverter"/>), and a Concat with a constant is refused here.
/// </summary>
internal sealed class JoinConverter : IOpConverter
{
    /// <summary>A Concat that reads one computed value and constants: nothing a layer holds.</summary>
    public void Convert(OnnxNode node, ImportContext context) =>
        throw node.Error($"a Concat of a computed value with a constant is not supported; a Concat must join computed values (branches of the graph), or be PyTorch's x.view(x.size(0), -1) shape");

    /// <summary>The layer for an Add or Concat of <paramref name="shapes"/> (per sample); <paramref name="shape"/> is its output's.</summary>
    public static Layer Join(OnnxNode node, ImportContext context, IReadOnlyList<long[]> shapes, out long[] shape)
    {
        if (node.OpType == "Add")
        {
            node.AllowOnlyAttributes();
            ImportContext.RequireInputCount(node, 2, 2);
            if (!shapes[1].SequenceEqual(shapes[0]))
            {
                throw node.Error($"it adds values of the shapes {OnnxText.BatchShape(shapes[0])} and {OnnxText.BatchShape(shapes[1])}; only values of one shape can be added (no broadcasting)");
            }

            shape = shapes[0];
            context.SetSampleShape(node, shape);
            return new Layer { Add = new Add() };
        }

        if (node.OpType != "Concat")
        {
            throw node.Error($"it reads {shapes.Count} computed values; only Add and Concat may join branches of the graph (every other input must be a constant)");
        }

        node.AllowOnlyAttributes("axis");
        long axis = node.GetInt("axis", long.MinValue);
        if (axis == long.MinValue)
        {
            throw node.Error($"attribute \"axis\" is missing");
        }

        int rank = shapes[0].Length;
        // Axis 1 is the first dimension of a sample (the channels of [batch, channels, height, width]): the
        // samples' values one after another, which is what a concat layer does.
        if (node.NormalizeAxis(axis, rank + 1, rankAllowed: false) != 1)
        {
            throw node.Error($"axis = {axis} is not supported; only the concatenation along axis 1 (the channels, or the features of [batch, features]) is");
        }

        for (int k = 1; k < shapes.Count; k++)
        {
            if (shapes[k].Length != rank || !shapes[k].Skip(1).SequenceEqual(shapes[0].Skip(1)))
            {
                throw node.Error($"it joins values of the shapes {OnnxText.BatchShape(shapes[0])} and {OnnxText.BatchShape(shapes[k])}; all dimensions but axis 1 must agree");
            }
        }

        shape = new[] { shapes.Sum(s => s[0]) }.Concat(shapes[0].Skip(1)).ToArray();
        context.SetSampleShape(node, shape);
        return new Layer { Concat = new Concat() };
    }
}
