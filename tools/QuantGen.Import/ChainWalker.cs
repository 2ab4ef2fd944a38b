using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Converters;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// Turns an ONNX graph into a description's layers. The graph must be a chain: from the one graph input,
/// each value feeds exactly one node, every other input of that node is a constant, and the last node's
/// output is the one graph output. The walk follows that chain in order (which is the topological order)
/// and hands each node to its converter.
/// </summary>
internal static class ChainWalker
{
    private const int FloatType = 1;

    public static Model Convert(ModelProto file, string modelName)
    {
        int opset = Opset(file);
        GraphProto graph = file.Graph ?? throw new OnnxImportException("the file holds no graph; is it an ONNX model?");
        if (graph.SparseInitializer.Count > 0)
        {
            throw new OnnxImportException("the graph has sparse initializers, which are not supported");
        }

        OnnxNode[] nodes = graph.Node.Select((n, i) => new OnnxNode(n, i)).ToArray();
        RefuseUnsupported(nodes);
        Dictionary<string, ConstantTensor> constants = Constants(graph, nodes);
        ValueInfoProto input = SingleInput(graph, constants);
        ValueInfoProto output = Single(graph.Output, "outputs");
        (long[] inputShape, long? batch) = InputShape(input);

        var context = new ImportContext(opset, constants, inputShape, batch);
        Walk(nodes, input.Name, output.Name, context);
        long[] outputShape = CheckOutput(output, context.SampleShape);

        var model = new Model
        {
            Schema = DescriptionValidator.SchemaVersion,
            Name = modelName,
            Doc = Describe(file, opset),
        };
        model.Inputs.Add(Tensor(input.Name, inputShape));
        model.Outputs.Add(Tensor(output.Name, outputShape));
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

            converter.Convert(node, context);
            current = SingleOutput(node, consumers, outputName);
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
        return node.Error($"the operator {OnnxText.Quote(op)} is not supported (supported: {string.Join(", ", ConverterRegistry.SupportedOps)})");
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

    /// <summary>The one graph input that is not an initializer (files before IR version 4 list initializers as inputs too).</summary>
    private static ValueInfoProto SingleInput(GraphProto graph, Dictionary<string, ConstantTensor> constants) =>
        Single(graph.Input.Where(i => !constants.ContainsKey(i.Name)).ToList(), "inputs");

    private static ValueInfoProto Single(IList<ValueInfoProto> values, string what)
    {
        if (values.Count != 1)
        {
            string names = values.Count == 0 ? "" : " (" + string.Join(", ", values.Select(v => OnnxText.Quote(v.Name))) + ")";
            throw new OnnxImportException(FormattableString.Invariant($"the graph has {values.Count} {what}{names}; QuantGen models have exactly one"));
        }

        return values[0];
    }

    /// <summary>The input's shape per sample; its first dimension is the batch (a number or a symbol).</summary>
    private static (long[] Sample, long? Batch) InputShape(ValueInfoProto input)
    {
        string label = "the graph input " + OnnxText.Quote(input.Name);
        TypeProto.Types.Tensor tensor = FloatTensor(input, label);
        if (tensor.Shape is null || tensor.Shape.Dim.Count < 2)
        {
            string shape = tensor.Shape is null ? "no shape" : FormattableString.Invariant($"{tensor.Shape.Dim.Count} dimension(s)");
            throw new OnnxImportException($"{label} has {shape}; it must be [batch, features...] with the batch first");
        }

        var sample = new long[tensor.Shape.Dim.Count - 1];
        for (int i = 0; i < sample.Length; i++)
        {
            TensorShapeProto.Types.Dimension dim = tensor.Shape.Dim[i + 1];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                throw new OnnxImportException(FormattableString.Invariant($"{label}: dimension {i + 1} is not a number; only the batch (the first) may be symbolic"));
            }

            sample[i] = dim.DimValue;
        }

        if (!ImportContext.TryLength(sample, out _))
        {
            throw new OnnxImportException(FormattableString.Invariant($"{label} has the shape {OnnxText.BatchShape(sample)}; every dimension must be positive and a sample at most {DescriptionValidator.MaxActivationLength} values"));
        }

        TensorShapeProto.Types.Dimension first = tensor.Shape.Dim[0];
        long? batch = first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? first.DimValue : null;
        return (sample, batch);
    }

    /// <summary>The output's declared shape (if any) must be what the layers give.</summary>
    private static long[] CheckOutput(ValueInfoProto output, long[] computed)
    {
        string label = "the graph output " + OnnxText.Quote(output.Name);
        TypeProto.Types.Tensor tensor = FloatTensor(output, label);
        if (tensor.Shape is not null)
        {
            var dims = tensor.Shape.Dim;
            bool fits = dims.Count == computed.Length + 1;
            for (int i = 0; fits && i < computed.Length; i++)
            {
                TensorShapeProto.Types.Dimension dim = dims[i + 1];
                fits = dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dim.DimValue == computed[i];
            }

            if (!fits)
            {
                string declared = "[" + string.Join(", ", dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
                    ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")) + "]";
                throw new OnnxImportException($"{label} is declared as {declared} but the layers give {OnnxText.BatchShape(computed)}");
            }
        }

        return computed;
    }

    private static TypeProto.Types.Tensor FloatTensor(ValueInfoProto value, string label)
    {
        TypeProto.Types.Tensor? tensor = value.Type?.TensorType;
        if (tensor is null)
        {
            throw new OnnxImportException($"{label} is not a tensor");
        }

        if (tensor.ElemType != FloatType)
        {
            throw new OnnxImportException($"{label} has the element type {OnnxText.DataTypeName(tensor.ElemType)}; only float32 is supported");
        }

        return tensor;
    }

    private static TensorInfo Tensor(string name, long[] shape)
    {
        var info = new TensorInfo { Name = name };
        info.Shape.Add(shape.Select(d => (int)d));
        return info;
    }

    private static string Describe(ModelProto file, int opset)
    {
        string producer = (file.ProducerName + " " + file.ProducerVersion).Trim();
        return FormattableString.Invariant($"Imported from ONNX (opset {opset}{(producer.Length > 0 ? ", exported by " + producer : "")}).");
    }
}
