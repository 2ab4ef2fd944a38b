using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>
/// A step graph, as people export a recurrent model for streaming: one step per call, the recurrent state
/// as graph inputs and outputs (<c>torch.onnx.export(step, (token, h, c), ..., input_names=["token", "h",
/// "c"], output_names=["logits", "h_out", "c_out"])</c>). The state inputs are [layers, 1, hidden]; layer k
/// reaches the k-th recurrent node (in the graph's order) as its initial state, directly (one layer) or
/// through PyTorch's <c>Slice</c> of [k, k+1) on axis 0; the state outputs are the nodes' final states, by a
/// <c>Concat</c> on axis 0 (or directly). A description keeps that state in the generated state object, so
/// the state inputs and outputs, the Slices and the Concats go, once every one of those facts is checked:
/// what remains is the one-step model from the data input to the model's output.
/// </summary>
internal static class StepGraph
{
    private const int HiddenSlot = 5;
    private const int CellSlot = 6;

    /// <summary>
    /// When the graph has state inputs: removes them, their Slices, the state outputs and their Concats, and
    /// returns a sentence for the description's doc saying how the ONNX state maps onto the generated one.
    /// Null (nothing changed) for a graph without state inputs.
    /// </summary>
    public static string? Bind(ref OnnxNode[] nodes, GraphProto graph, IReadOnlyDictionary<string, ConstantTensor> constants)
    {
        if (graph.Input.Count(i => !constants.ContainsKey(i.Name)) < 2 || !nodes.Any(RecurrentGraph.IsRecurrent))
        {
            return null;
        }

        OnnxNode[] recurrent = TopologicalOrder(nodes).Where(RecurrentGraph.IsRecurrent).ToArray();
        var graphInputs = new HashSet<string>(graph.Input.Where(i => !constants.ContainsKey(i.Name)).Select(i => i.Name), StringComparer.Ordinal);
        Dictionary<string, OnnxNode> producers = OnnxNode.Producers(nodes);

        // (state input, layer k) -> (recurrent node's rank, slot), and the Slices that carry them.
        var parts = new Dictionary<string, List<(long Layer, int Rank, int Slot)>>(StringComparer.Ordinal);
        var slices = new HashSet<int>();
        for (int rank = 0; rank < recurrent.Length; rank++)
        {
            OnnxNode node = recurrent[rank];
            for (int slot = HiddenSlot; slot <= CellSlot && slot < node.Inputs.Count; slot++)
            {
                string value = node.Inputs[slot];
                (string Input, long Layer)? part = graphInputs.Contains(value) ? (value, 0L)
                    : producers.TryGetValue(value, out OnnxNode? slice) && slice.OpType == "Slice" && slice.Inputs.Count > 0 && graphInputs.Contains(slice.Inputs[0])
                        ? (slice.Inputs[0], SliceLayer(slice, constants))
                        : null;
                if (part is null)
                {
                    continue;
                }

                if (part.Value.Input != value)
                {
                    slices.Add(producers[value].Index);
                }

                if (!parts.TryGetValue(part.Value.Input, out var list))
                {
                    parts[part.Value.Input] = list = new List<(long, int, int)>();
                }

                list.Add((part.Value.Layer, rank, slot));
            }
        }

        if (parts.Count == 0)
        {
            return null;
        }

        string[] stateInputs = graph.Input.Select(i => i.Name).Where(parts.ContainsKey).ToArray();
        CheckStateInputs(stateInputs, parts, recurrent, graph);
        string[] stateOutputs = StateOutputs(stateInputs, parts, recurrent, graph, producers, out HashSet<int> concats);

        // Uses of the state inputs besides the Slices and recurrent slots above would lose their meaning.
        foreach (OnnxNode node in nodes.Where(n => !slices.Contains(n.Index)))
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                bool slot = RecurrentGraph.IsRecurrent(node) && i is HiddenSlot or CellSlot;
                if (!slot && stateInputs.Contains(node.Inputs[i]))
                {
                    throw node.Error($"it reads the state input {OnnxText.Quote(node.Inputs[i])}; in a step graph the state may only be the recurrent layers' initial state (directly or by a Slice of one layer)");
                }
            }
        }

        var finalStates = new HashSet<string>(stateOutputs.Concat(nodes.Where(n => concats.Contains(n.Index)).SelectMany(n => n.Inputs)), StringComparer.Ordinal);
        foreach (OnnxNode node in recurrent)
        {
            for (int slot = HiddenSlot; slot <= CellSlot && slot < node.Inputs.Count; slot++)
            {
                node.Proto.Input[slot] = "";
            }

            for (int output = 1; output < node.Proto.Output.Count; output++)
            {
                // The final states now leave through the generated state only.
                if (finalStates.Contains(node.Proto.Output[output]))
                {
                    node.Proto.Output[output] = "";
                }
            }
        }

        nodes = nodes.Where(n => !slices.Contains(n.Index) && !concats.Contains(n.Index)).ToArray();
        string mapping = string.Join(" and ", stateInputs.Select(s => Describe(graph.Input.First(i => i.Name == s))));
        foreach (string name in stateInputs)
        {
            graph.Input.Remove(graph.Input.First(i => i.Name == name));
        }

        foreach (string name in stateOutputs)
        {
            graph.Output.Remove(graph.Output.First(o => o.Name == name));
        }

        return $"Step graph: the graph inputs {mapping} are the generated state (RecurrentState.Load and Values: layer after layer, its h then, for an LSTM, its c), and the outputs {string.Join(", ", stateOutputs.Select(OnnxText.Quote))} its new value after Step.";
    }

    /// <summary>The state inputs are [h] or [h, c], each [layers, 1, hidden] over every recurrent layer in order.</summary>
    private static void CheckStateInputs(string[] stateInputs, Dictionary<string, List<(long Layer, int Rank, int Slot)>> parts, OnnxNode[] recurrent, GraphProto graph)
    {
        for (int s = 0; s < stateInputs.Length; s++)
        {
            string name = stateInputs[s];
            string label = "the state input " + OnnxText.Quote(name);
            List<(long Layer, int Rank, int Slot)> uses = parts[name];
            int slot = uses[0].Slot;
            if (uses.Any(u => u.Slot != slot) || slot != HiddenSlot + s)
            {
                throw new OnnxImportException($"{label} must be {(s == 0 ? "the hidden state h" : "the cell state c")} of every recurrent layer: the state inputs come in PyTorch's order, h then (for an LSTM) c, after the data input");
            }

            if (uses.Count != recurrent.Length || uses.Select(u => u.Layer).Order().Where((layer, i) => layer != i).Any() || uses.Any(u => u.Layer != u.Rank))
            {
                throw new OnnxImportException(FormattableString.Invariant($"{label} must hold the state of all {recurrent.Length} recurrent layer(s), layer k the k-th recurrent node's (a Slice [k, k+1) on axis 0 for each); here it reaches {uses.Count} of them as layers [{string.Join(", ", uses.Select(u => u.Layer))}]"));
            }

            TypeProto.Types.Tensor? tensor = graph.Input.First(i => i.Name == name).Type?.TensorType;
            var dims = tensor?.Shape?.Dim;
            bool shapeFits = tensor is not null && tensor.ElemType == 1 && dims is not null && dims.Count == 3
                && dims[0].DimValue == recurrent.Length && dims[2].DimValue > 0
                && (dims[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[1].DimValue == 1);
            if (!shapeFits)
            {
                throw new OnnxImportException(FormattableString.Invariant($"{label} must be float32 [{recurrent.Length}, 1, hidden] (layers, batch, hidden)"));
            }
        }
    }

    /// <summary>For each state input, the graph output that is its new value: the recurrent nodes' final states (output 1 for h, 2 for c), concatenated on axis 0.</summary>
    private static string[] StateOutputs(string[] stateInputs, Dictionary<string, List<(long Layer, int Rank, int Slot)>> parts, OnnxNode[] recurrent, GraphProto graph, Dictionary<string, OnnxNode> producers, out HashSet<int> concats)
    {
        concats = new HashSet<int>();
        var outputs = new string[stateInputs.Length];
        List<ValueInfoProto> candidates = graph.Output.ToList();
        if (candidates.Count != stateInputs.Length + 1)
        {
            throw new OnnxImportException(FormattableString.Invariant($"the step graph has {stateInputs.Length} state input(s) ({string.Join(", ", stateInputs.Select(OnnxText.Quote))}) and {candidates.Count} output(s); it must have the model's output, then one new state per state input, in the inputs' order"));
        }

        for (int s = 0; s < stateInputs.Length; s++)
        {
            int finalState = parts[stateInputs[s]][0].Slot - HiddenSlot + 1;
            string[] expected = recurrent.Select(n => n.Proto.Output.Count > finalState ? n.Proto.Output[finalState] : "").ToArray();
            string name = candidates[s + 1].Name;
            bool fits = expected.Length == 1 ? expected[0] == name
                : producers.TryGetValue(name, out OnnxNode? concat) && concat.OpType == "Concat" && concat.GetInt("axis", -1) == 0 && concat.Inputs.SequenceEqual(expected);
            if (!fits || expected.Any(e => e.Length == 0))
            {
                throw new OnnxImportException($"the graph output {OnnxText.Quote(name)} must be the new value of the state input {OnnxText.Quote(stateInputs[s])}: the recurrent layers' final {(finalState == 1 ? "h" : "c")} ({(expected.Length == 1 ? "output " + finalState.ToString(CultureInfo.InvariantCulture) + " of the node" : "a Concat on axis 0 of output " + finalState.ToString(CultureInfo.InvariantCulture) + " of each node, in order")}); the state outputs come after the model's output, in the state inputs' order");
            }

            if (expected.Length > 1)
            {
                concats.Add(producers[name].Index);
            }

            outputs[s] = name;
        }

        return outputs;
    }

    /// <summary>The layer a Slice picks: starts [k], ends [k + 1], axes [0] (or absent), steps [1] (or absent), all constants.</summary>
    private static long SliceLayer(OnnxNode slice, IReadOnlyDictionary<string, ConstantTensor> constants)
    {
        long[]? Read(int index) => slice.Inputs.Count > index && slice.Inputs[index].Length > 0
            ? constants.TryGetValue(slice.Inputs[index], out ConstantTensor? t) ? t.ReadInt64s() : throw slice.Error($"input {index} of the Slice of a state input must be a constant")
            : null;
        long[]? starts = Read(1), ends = Read(2), axes = Read(3), steps = Read(4);
        bool fits = starts is { Length: 1 } && ends is { Length: 1 } && ends[0] == starts[0] + 1 && starts[0] >= 0
            && (axes is null || axes.SequenceEqual([0L])) && (steps is null || steps.SequenceEqual([1L]));
        if (!fits)
        {
            throw slice.Error($"a Slice of the state input {OnnxText.Quote(slice.Inputs[0])} must pick one layer (starts [k], ends [k + 1] on axis 0), as PyTorch's multi-layer LSTM and GRU do");
        }

        return starts![0];
    }

    private static string Describe(ValueInfoProto input)
    {
        var dims = input.Type.TensorType.Shape.Dim;
        return OnnxText.Quote(input.Name) + " [" + string.Join(", ", dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue.ToString(CultureInfo.InvariantCulture) : d.DimParam)) + "]";
    }

    /// <summary>The nodes in an order where each comes after the nodes whose outputs it reads (ONNX files need not list them so).</summary>
    private static IEnumerable<OnnxNode> TopologicalOrder(OnnxNode[] nodes)
    {
        Dictionary<string, OnnxNode> producer = OnnxNode.Producers(nodes);

        var done = new HashSet<int>();
        var entered = new HashSet<int>();
        var order = new List<OnnxNode>();
        var stack = new Stack<(OnnxNode Node, bool Expanded)>();
        foreach (OnnxNode root in nodes)
        {
            stack.Push((root, false));
            while (stack.Count > 0)
            {
                (OnnxNode node, bool expanded) = stack.Pop();
                if (done.Contains(node.Index))
                {
                    continue;
                }

                if (expanded)
                {
                    done.Add(node.Index);
                    order.Add(node);
                    continue;
                }

                stack.Push((node, true));
                entered.Add(node.Index);
                foreach (string input in node.Inputs)
                {
                    // A cycle is reported by the walk; here a node on one is simply not expanded twice.
                    if (producer.TryGetValue(input, out OnnxNode? p) && !entered.Contains(p.Index))
                    {
                        stack.Push((p, false));
                    }
                }
            }
        }

        return order;
    }
}
