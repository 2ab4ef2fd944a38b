using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>
/// What PyTorch puts around an exported nn.LSTM / nn.GRU that a step-by-step description has no use for.
/// PyTorch builds the zero initial state from the input's shape (Shape, Gather, Unsqueeze, Concat, Expand of
/// a zero constant) and lists the final states as extra graph outputs. The description starts every
/// sequence from a zero state and keeps the state in the caller's state object, so the initial-state
/// inputs are dropped once they are proven zero, the nodes that only computed them go, and the final-state
/// outputs are not model outputs.
/// </summary>
internal static class RecurrentGraph
{
    private static readonly string[] RecurrentOps = { "LSTM", "GRU" };

    public static bool IsRecurrent(OnnxNode node) =>
        ConstantNodes.IsDefaultDomain(node.Proto.Domain) && RecurrentOps.Contains(node.OpType, StringComparer.Ordinal);

    /// <summary>The nodes without those that only computed a recurrent node's zero initial state.</summary>
    public static OnnxNode[] DropZeroInitialStates(OnnxNode[] nodes, GraphProto graph, IReadOnlyDictionary<string, ConstantTensor> constants)
    {
        Dictionary<string, OnnxNode> producers = OnnxNode.Producers(nodes);

        var dropped = new List<string>();
        foreach (OnnxNode node in nodes.Where(IsRecurrent))
        {
            // initial_h is input 5 of both; initial_c input 6 of LSTM.
            int last = node.OpType == "LSTM" ? 6 : 5;
            for (int index = 5; index <= last && index < node.Inputs.Count; index++)
            {
                string name = node.Inputs[index];
                if (name.Length > 0)
                {
                    RequireZero(node, index, name, producers, constants);
                    dropped.Add(name);
                    node.Proto.Input[index] = "";
                }
            }
        }

        // How many inputs of the remaining nodes read each value, kept up to date as nodes go, so that the
        // pruning is linear (asking every node for each value took seconds on a chain of 10,000 nodes).
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (OnnxNode node in nodes)
        {
            foreach (string input in node.Inputs.Where(i => i.Length > 0))
            {
                uses[input] = uses.TryGetValue(input, out int n) ? n + 1 : 1;
            }
        }

        var graphOutputs = new HashSet<string>(graph.Output.Select(g => g.Name), StringComparer.Ordinal);
        var removed = new HashSet<int>();
        var pending = new Stack<string>(dropped);
        while (pending.Count > 0)
        {
            string value = pending.Pop();
            if (!producers.TryGetValue(value, out OnnxNode? producer) || removed.Contains(producer.Index))
            {
                continue;
            }

            bool used = producer.Proto.Output.Any(o => o.Length > 0 && (graphOutputs.Contains(o) || (uses.TryGetValue(o, out int n) && n > 0)));
            if (!used)
            {
                removed.Add(producer.Index);
                foreach (string input in producer.Inputs.Where(i => i.Length > 0))
                {
                    uses[input]--;
                    pending.Push(input);
                }
            }
        }

        return nodes.Where(n => !removed.Contains(n.Index)).ToArray();
    }

    /// <summary>The graph outputs that are not a recurrent node's extra outputs (its final h and c).</summary>
    public static List<ValueInfoProto> ModelOutputs(GraphProto graph, OnnxNode[] nodes)
    {
        var finalStates = new HashSet<string>(nodes.Where(IsRecurrent).SelectMany(n => n.Proto.Output.Skip(1)), StringComparer.Ordinal);
        return graph.Output.Where(o => !finalStates.Contains(o.Name)).ToList();
    }

    /// <summary>A zero constant, or an Expand of one (PyTorch's zeros of the batch's size).</summary>
    private static void RequireZero(OnnxNode node, int index, string name, Dictionary<string, OnnxNode> producers, IReadOnlyDictionary<string, ConstantTensor> constants)
    {
        string source = name;
        if (!constants.ContainsKey(source) && producers.TryGetValue(source, out OnnxNode? producer) && producer.OpType == "Expand" && producer.Inputs.Count == 2)
        {
            source = producer.Inputs[0];
        }

        if (!constants.TryGetValue(source, out ConstantTensor? tensor) || tensor.ReadFloats().Any(v => v != 0f))
        {
            throw node.Error($"input {index} (the initial state) is {OnnxText.Quote(name)}; only a zero initial state (PyTorch's default, or a zero constant expanded to the batch) or the state as graph inputs (a step graph: export with the state as inputs and outputs, torch.onnx.export(step, (token, h, c), ..., input_names=[\"token\", \"h\", \"c\"], output_names=[\"logits\", \"h_out\", \"c_out\"])) is supported");
        }
    }
}
