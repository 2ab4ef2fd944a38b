using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Converters;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// The walk for a graph that branches (a value read by several nodes, a node reading several computed
/// values): a residual Add, a Concat of branches. The nodes are visited in a topological order that keeps
/// the file's order where it can; each single-input node goes to its converter as in a chain
/// (<see cref="ChainWalker"/>), with the current value, its shape and what may fold into the layer before
/// set for the value it reads; an Add or Concat of computed values becomes a joining layer
/// (<see cref="JoinConverter"/>). A layer that does not read the layer emitted just before it names its
/// input (<see cref="Layer.Inputs"/>). Models with LSTM or GRU stay chains.
/// </summary>
internal static class GraphWalker
{
    /// <summary>What the walk knows of a computed value: the layer that wrote it (null: the graph input), its shape, the layer a constant op may fold into.</summary>
    private sealed record Value(Layer? Producer, long[] Shape, Layer? FoldTarget);

    /// <summary>True when some computed value feeds more than one node or some node reads more than one computed value.</summary>
    public static bool Branches(OnnxNode[] nodes, ImportContext context)
    {
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (OnnxNode node in nodes.Where(n => !ConstantNodes.IsConstant(n.Proto)))
        {
            string[] data = DataInputs(node, context).ToArray();
            if (data.Length > 1)
            {
                return true;
            }

            foreach (string name in data)
            {
                readers[name] = readers.TryGetValue(name, out int n) ? n + 1 : 1;
            }
        }

        return readers.Values.Any(n => n > 1);
    }

    public static void Walk(OnnxNode[] nodes, GraphInput graphInput, string inputName, string outputName, ImportContext context)
    {
        OnnxNode[] computed = nodes.Where(n => !ConstantNodes.IsConstant(n.Proto)).ToArray();
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string name in computed.SelectMany(n => DataInputs(n, context)))
        {
            readers[name] = readers.TryGetValue(name, out int n) ? n + 1 : 1;
        }

        var values = new Dictionary<string, Value>(StringComparer.Ordinal) { [inputName] = new Value(null, graphInput.Sample, null) };
        foreach (OnnxNode node in TopologicalOrder(computed, inputName, context))
        {
            string[] data = DataInputs(node, context).ToArray();
            if (data.Length == 0)
            {
                throw node.Error($"it reads no computed value, only constants; every node must lead from the graph input");
            }

            string output = Output(node, outputName, readers);
            if (data.Length > 1)
            {
                Value[] joined = data.Select(d => values[d]).ToArray();
                Layer join = JoinConverter.Join(node, context, joined.Select(v => v.Shape).ToArray(), out long[] shape);
                context.AddLayer(node, join);
                join.Inputs.Add(joined.Select(v => SourceName(v.Producer, inputName, context)));
                values[output] = new Value(join, shape, null);
                continue;
            }

            Value read = values[data[0]];
            if (context.Sequence is not null)
            {
                throw node.Error($"the graph branches, which is supported only in models without LSTM or GRU layers");
            }

            context.CurrentValue = data[0];
            context.HoldsTokens = graphInput.Tokens && data[0] == inputName;
            context.SetSampleShape(node, read.Shape);
            // Folding a constant op into the layer before changes that layer's output for every reader: only
            // when this node is its one reader.
            context.SetFoldState(readers[data[0]] == 1 ? read.FoldTarget : null, data[0]);
            if (!ConverterRegistry.TryGet(node.OpType, out IOpConverter converter))
            {
                throw new InvalidOperationException("unsupported ops are refused before the walk");
            }

            int before = context.Layers.Count;
            converter.Convert(node, context);
            if (context.Layers.Count > before)
            {
                Layer first = context.Layers[before];
                bool readsLayerBefore = read.Producer is null ? before == 0 : before > 0 && ReferenceEquals(context.Layers[before - 1], read.Producer);
                if (!readsLayerBefore)
                {
                    first.Inputs.Add(SourceName(read.Producer, inputName, context));
                }
            }

            context.AfterNode(output, context.Layers.Count > before, converter is PassThroughConverter or LayerFoldConverter or BatchNormConverter);
            Layer? producer = context.Layers.Count > before ? context.Layers[^1] : read.Producer;
            values[output] = new Value(producer, context.SampleShape, context.FoldTargetValue == output ? context.FoldTarget : null);
        }

        if (!values.TryGetValue(outputName, out Value? result) || result.Producer is null || !ReferenceEquals(result.Producer, context.Layers[^1]))
        {
            throw new OnnxImportException($"the graph output {OnnxText.Quote(outputName)} is not the value of the last layer the graph computes; every branch must lead to the output");
        }

        if (context.Layers.Any(l => l.Name == inputName))
        {
            throw new OnnxImportException($"a layer would have the name of the graph input {OnnxText.Quote(inputName)}, which layers that read the input name; rename the input");
        }
    }

    /// <summary>The node's inputs that are computed in the graph (the graph input or node outputs), each occurrence.</summary>
    private static IEnumerable<string> DataInputs(OnnxNode node, ImportContext context) =>
        node.Inputs.Where(i => i.Length > 0 && !context.IsConstant(i));

    /// <summary>The name a layer uses for a source: the producer's name (an unnamed one is named now), or the graph input's.</summary>
    private static string SourceName(Layer? producer, string inputName, ImportContext context)
    {
        if (producer is null)
        {
            return inputName;
        }

        if (producer.Name.Length == 0)
        {
            // Unnamed nodes give unnamed layers; one that is read by name gets its position, which no PyTorch name looks like.
            producer.Name = "#" + context.Layers.ToList().IndexOf(producer).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return producer.Name;
    }

    /// <summary>The node's first output (the value the walk goes on with); further outputs (Dropout's mask) must be unused.</summary>
    private static string Output(OnnxNode node, string outputName, Dictionary<string, int> readers)
    {
        if (node.Proto.Output.Count == 0 || node.Proto.Output[0].Length == 0)
        {
            throw node.Error($"it has no output");
        }

        foreach (string extra in node.Proto.Output.Skip(1).Where(o => o.Length > 0))
        {
            if (extra == outputName || readers.ContainsKey(extra))
            {
                throw node.Error($"its extra output {OnnxText.Quote(extra)} is used; only the first output of a node may be");
            }
        }

        string output = node.Proto.Output[0];
        if (output != outputName && !readers.ContainsKey(output))
        {
            throw node.Error($"its output {OnnxText.Quote(output)} is read by no node and is not the graph output; every branch must lead to the output");
        }

        return output;
    }

    /// <summary>Kahn's algorithm, always taking the earliest ready node of the file: PyTorch lists nodes in a topological order already.</summary>
    private static List<OnnxNode> TopologicalOrder(OnnxNode[] computed, string inputName, ImportContext context)
    {
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode node in computed)
        {
            foreach (string output in node.Proto.Output.Where(o => o.Length > 0))
            {
                if (output == inputName || !producers.TryAdd(output, node))
                {
                    throw node.Error($"its output {OnnxText.Quote(output)} is also the graph input's or another node's name");
                }
            }
        }

        var waiting = new Dictionary<int, int>();
        var dependents = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        var ready = new SortedSet<int>();
        var byIndex = computed.ToDictionary(n => n.Index);
        foreach (OnnxNode node in computed)
        {
            int count = 0;
            foreach (string name in DataInputs(node, context).Distinct())
            {
                if (name == inputName)
                {
                    continue;
                }

                if (!producers.ContainsKey(name))
                {
                    throw node.Error($"its input {OnnxText.Quote(name)} is not defined: no initializer, Constant or node gives it");
                }

                count++;
                if (!dependents.TryGetValue(name, out List<OnnxNode>? list))
                {
                    dependents[name] = list = new List<OnnxNode>();
                }

                list.Add(node);
            }

            waiting[node.Index] = count;
            if (count == 0)
            {
                ready.Add(node.Index);
            }
        }

        var order = new List<OnnxNode>(computed.Length);
        while (ready.Count > 0)
        {
            OnnxNode node = byIndex[ready.Min];
            ready.Remove(ready.Min);
            order.Add(node);
            foreach (string output in node.Proto.Output.Where(o => o.Length > 0))
            {
                foreach (OnnxNode next in dependents.TryGetValue(output, out List<OnnxNode>? list) ? list : new List<OnnxNode>())
                {
                    if (--waiting[next.Index] == 0)
                    {
                        ready.Add(next.Index);
                    }
                }
            }
        }

        OnnxNode? stuck = computed.FirstOrDefault(n => waiting[n.Index] > 0);
        if (stuck is not null)
        {
            throw stuck.Error($"the graph has a cycle through this node");
        }

        return order;
    }
}
