using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Converters;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// Turns an ONNX graph into a description's layers. Once PyTorch's zero-initial-state nodes around LSTM and
/// GRU are dropped (<see cref="RecurrentGraph"/>), the graph must be a chain: from the one graph input,
/// each value feeds exactly one node, every other input of that node is a constant, and the last node's
/// output is the one graph output. The walk follows that chain in order (which is the topological order)
/// and hands each node to its converter.
/// </summary>
internal static class ChainWalker
{
    public static Model Convert(ModelProto file, string modelName)
    {
        int opset = Opset(file);
        GraphProto graph = file.Graph ?? throw new OnnxImportException("the file holds no graph; is it an ONNX model?");
        if (graph.SparseInitializer.Count > 0)
        {
            throw new OnnxImportException("the graph has sparse initializers, which are not supported");
        }

        OnnxNode[] nodes = graph.Node.Select((n, i) => new OnnxNode(n, i)).ToArray();
        Dictionary<string, ConstantTensor> constants = Constants(graph, nodes);
        var quantized = new Dictionary<string, QuantizedTensor>(StringComparer.Ordinal);
        nodes = QuantizedGraph.FoldConstantDequantize(nodes, constants, quantized, opset);
        nodes = DynamicQuantizedMatMul.Rewrite(nodes, constants, quantized, opset);
        nodes = FlattenShapeChain.Fold(nodes, constants);
        nodes = PadIntoPool.Fold(nodes, constants);
        string? stepState = StepGraph.Bind(ref nodes, graph, constants);
        nodes = RecurrentGraph.DropZeroInitialStates(nodes, graph, constants);
        RefuseUnsupported(nodes);
        ValueInfoProto input = GraphInterface.SingleInput(graph, constants.ContainsKey);
        ValueInfoProto output = GraphInterface.Single(RecurrentGraph.ModelOutputs(graph, nodes), "outputs");
        GraphInput graphInput = GraphInterface.Input(input, sequence: nodes.Any(RecurrentGraph.IsRecurrent));

        var context = new ImportContext(opset, constants, graphInput) { IsStepGraph = stepState is not null };
        if (context.IsStepGraph && graphInput.Batch != 1 || context.IsStepGraph && !GraphInterface.HasOneStep(input))
        {
            throw new OnnxImportException($"the graph input {OnnxText.Quote(input.Name)} of a step graph must hold one step of one sequence: [1, 1] token ids or [1, 1, features...]");
        }

        if (context.Sequence is null && GraphWalker.Branches(nodes, context))
        {
            GraphWalker.Walk(nodes, graphInput, input.Name, output.Name, context);
        }
        else
        {
            Walk(nodes, input.Name, output.Name, context);
        }

        context.FlushQuantizer();
        QuantizedWeights.Encode(context, quantized);
        // A time-first graph gives [time, batch, ...] as it took it: for the checks, the same layout as its input.
        SequenceAxes? outputAxes = context.TimeFirst && context.Sequence == SequenceAxes.TimeBatch ? SequenceAxes.BatchTime : context.Sequence;
        long[] outputShape = GraphInterface.CheckOutput(output, context.SampleShape, outputAxes);

        var model = new Model
        {
            Schema = DescriptionValidator.SchemaVersion,
            Name = modelName,
            Doc = Describe(file, opset) + (stepState is null ? "" : " " + stepState) + SequenceNote(context),
        };
        model.Inputs.Add(GraphInterface.Tensor(input.Name, graphInput.DescriptionShape));
        model.Outputs.Add(GraphInterface.Tensor(output.Name, outputShape));
        model.Layers.Add(context.Layers);
        return model;
    }

    private static void Walk(OnnxNode[] nodes, string inputName, string outputName, ImportContext context)
    {
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (OnnxNode node in nodes.Where(n => !ConstantNodes.IsConstant(n.Proto)))
        {
            foreach (string name in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!consumers.TryGetValue(name, out List<OnnxNode>? list))
                {
                    consumers[name] = list = new List<OnnxNode>();
                }

                list.Add(node);
            }
        }

        var produced = new HashSet<string>(nodes.SelectMany(n => n.Proto.Output), StringComparer.Ordinal);
        var visited = new HashSet<int>();
        string current = inputName;
        while (true)
        {
            List<OnnxNode> next = consumers.TryGetValue(current, out List<OnnxNode>? list) ? list : new List<OnnxNode>();
            if (next.Count > 1)
            {
                throw new OnnxImportException($"the graph is not a chain: the value {OnnxText.Quote(current)} feeds {next.Count} nodes ({string.Join(", ", next.Select(n => n.Label))}); only chains of single-input layers are supported");
            }

            if (current == outputName)
            {
                if (next.Count > 0)
                {
                    throw new OnnxImportException($"the graph is not a chain: the graph output {OnnxText.Quote(current)} also feeds {next[0].Label}");
                }

                break;
            }

            if (next.Count == 0)
            {
                throw new OnnxImportException($"the graph does not lead from its input to its output: the value {OnnxText.Quote(current)} feeds no node and is not the graph output {OnnxText.Quote(outputName)}");
            }

            OnnxNode node = next[0];
            if (!visited.Add(node.Index))
            {
                throw node.Error($"the graph has a cycle through this node");
            }

            CheckInputs(node, current, context, produced);
            context.CurrentValue = current;
            if (!ConverterRegistry.TryGet(node.OpType, out IOpConverter converter))
            {
                throw Unsupported(node);
            }

            if (context.HoldsTokens && node.OpType is not ("Gather" or "Identity" or "Dropout"))
            {
                throw node.Error($"it reads the token ids of the graph input; only a Gather of an embedding table can");
            }

            if (context.Sequence is not null && !ConverterRegistry.WorksPerStep(node.OpType))
            {
                throw node.Error($"{node.OpType} is not supported in a model with LSTM or GRU layers, where the values carry a time dimension (supported there: {string.Join(", ", ConverterRegistry.PerStepOps)})");
            }

            int layersBefore = context.Layers.Count;
            converter.Convert(node, context);
            current = SingleOutput(node, consumers, outputName);
            context.AfterNode(current, context.Layers.Count > layersBefore, converter is PassThroughConverter or LayerFoldConverter or BatchNormConverter);
        }

        OnnxNode? stray = nodes.FirstOrDefault(n => !visited.Contains(n.Index) && !ConstantNodes.IsConstant(n.Proto));
        if (stray is not null)
        {
            throw stray.Error($"the node is not on the chain from the graph input to the graph output; only chains are supported");
        }

        if (context.Layers.Count == 0)
        {
            throw new OnnxImportException("the graph has no layers between its input and its output");
        }
    }

    /// <summary>Besides the chain's value, used once, a node may read only constants.</summary>
    private static void CheckInputs(OnnxNode node, string current, ImportContext context, HashSet<string> produced)
    {
        if (node.Inputs.Count(i => i == current) > 1)
        {
            throw node.Error($"it reads the value {OnnxText.Quote(current)} twice; only chains of single-input layers are supported");
        }

        foreach (string name in node.Inputs)
        {
            if (name.Length > 0 && name != current && !context.IsConstant(name) && !produced.Contains(name))
            {
                throw node.Error($"its input {OnnxText.Quote(name)} is not defined: no initializer, Constant or node gives it");
            }

            if (name.Length > 0 && name != current && !context.IsConstant(name))
            {
                throw node.Error($"its input {OnnxText.Quote(name)} is neither the chain's value nor a constant; only chains of single-input layers are supported");
            }
        }
    }

    /// <summary>The node's first output continues the chain; other outputs (Dropout's mask) must be unused.</summary>
    private static string SingleOutput(OnnxNode node, Dictionary<string, List<OnnxNode>> consumers, string outputName)
    {
        if (node.Proto.Output.Count == 0 || node.Proto.Output[0].Length == 0)
        {
            throw node.Error($"it has no output");
        }

        foreach (string extra in node.Proto.Output.Skip(1).Where(o => o.Length > 0))
        {
            if (extra == outputName || consumers.ContainsKey(extra))
            {
                throw node.Error($"its extra output {OnnxText.Quote(extra)} is used; only the first output of a node may be");
            }
        }

        return node.Proto.Output[0];
    }

    /// <summary>Every node's op must be supported: the first problem reported names the operator.</summary>
    private static void RefuseUnsupported(OnnxNode[] nodes)
    {
        foreach (OnnxNode node in nodes)
        {
            if (!ConstantNodes.IsDefaultDomain(node.Proto.Domain) || !(ConstantNodes.IsConstant(node.Proto) || ConverterRegistry.TryGet(node.OpType, out _)))
            {
                throw Unsupported(node);
            }
        }
    }

    private static OnnxImportException Unsupported(OnnxNode node)
    {
        string op = ConstantNodes.IsDefaultDomain(node.Proto.Domain) ? node.OpType : node.Proto.Domain + "." + node.OpType;
        return node.Error($"the operator {OnnxText.Quote(op)} is not supported (supported: {string.Join(", ", ConverterRegistry.SupportedOps)}); {UnsupportedOpAdvice.For(node.OpType)}");
    }

    private static int Opset(ModelProto file)
    {
        OperatorSetIdProto[] defaults = file.OpsetImport.Where(o => ConstantNodes.IsDefaultDomain(o.Domain)).ToArray();
        if (defaults.Length != 1)
        {
            throw new OnnxImportException($"the file imports the default ONNX operator set {defaults.Length} times; it must import it once");
        }

        long version = defaults[0].Version;
        if (version < 11 || version > 17)
        {
            throw new OnnxImportException(FormattableString.Invariant($"opset {version} is not supported; export with an opset from 11 to 17 (torch.onnx.export(..., opset_version=13))"));
        }

        return (int)version;
    }

    /// <summary>Initializers and Constant node outputs, by value name.</summary>
    private static Dictionary<string, ConstantTensor> Constants(GraphProto graph, OnnxNode[] nodes)
    {
        var constants = new Dictionary<string, ConstantTensor>(StringComparer.Ordinal);
        foreach (TensorProto initializer in graph.Initializer)
        {
            string description = "initializer " + OnnxText.Quote(initializer.Name);
            if (initializer.Name.Length == 0 || !constants.TryAdd(initializer.Name, new ConstantTensor(initializer, description)))
            {
                throw new OnnxImportException(description + ": initializer names must be unique and not empty");
            }
        }

        foreach (OnnxNode node in nodes.Where(n => ConstantNodes.IsConstant(n.Proto)))
        {
            var tensor = new ConstantTensor(ConstantNodes.Value(node), "the value of " + node.Label);
            string name = node.Proto.Output[0];
            if (name.Length == 0 || !constants.TryAdd(name, tensor))
            {
                throw node.Error($"its output {OnnxText.Quote(name)} is empty or has the name of another constant");
            }
        }

        return constants;
    }

    /// <summary>What the generated class's header says about a whole-sequence graph's layout.</summary>
    private static string SequenceNote(ImportContext context) =>
        (context.TimeFirst ? " The graph is time first ([time, batch, ...]); each step is one description input." : "")
        + (context.Layers.Any(LayerShapes.IsReverse) ? " Bidirectional: run whole sequences (PredictSequence)." : "");

    private static string Describe(ModelProto file, int opset)
    {
        string producer = (file.ProducerName + " " + file.ProducerVersion).Trim();
        return FormattableString.Invariant($"Imported from ONNX (opset {opset}{(producer.Length > 0 ? ", exported by " + producer : "")}).");
    }
}
