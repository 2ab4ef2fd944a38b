using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// What the converters share while the walk goes down the chain: the opset, the constants, the value the
/// chain has reached and its shape per sample, and the layers emitted so far.
/// </summary>
internal sealed class ImportContext
{
    private readonly IReadOnlyDictionary<string, ConstantTensor> _constants;
    private readonly List<Layer> _layers = new List<Layer>();
    private readonly LayerNames _names = new LayerNames();
    private long[] _sampleShape;

    public ImportContext(int opset, IReadOnlyDictionary<string, ConstantTensor> constants, GraphInput input)
    {
        Opset = opset;
        _constants = constants;
        _sampleShape = input.Sample;
        BatchSize = input.Batch;
        Sequence = input.Sequence ? SequenceAxes.BatchTime : null;
        HoldsTokens = input.Tokens;
    }

    /// <summary>
    /// Null for a graph without LSTM or GRU (the batch is the only leading dimension); otherwise where the
    /// batch and time dimensions stand in front of <see cref="SampleShape"/>, which is then one time step.
    /// </summary>
    public SequenceAxes? Sequence { get; set; }

    /// <summary>
    /// A step graph (<see cref="StepGraph"/>): the state came in as graph inputs and the data holds one step
    /// of one sequence, so batch and time are both 1 and their order does not matter.
    /// </summary>
    public bool IsStepGraph { get; init; }

    /// <summary>
    /// 2 from a bidirectional LSTM or GRU until PyTorch's Transpose and Reshape have joined its directions
    /// (<see cref="Converters.BidirectionalOutput"/>); 1 otherwise.
    /// </summary>
    public int Directions { get; set; } = 1;

    /// <summary>
    /// The graph input turned out to be time first ([time, batch, ...], nn.LSTM's default batch_first=False):
    /// a recurrent node read it with no Transpose before. Its output is then time first too.
    /// </summary>
    public bool TimeFirst { get; set; }

    /// <summary>True while the current value is still the graph's token-id input (only a Gather can read it).</summary>
    public bool HoldsTokens { get; set; }

    /// <summary>The version of the default ONNX operator set the file imports (11 to 17).</summary>
    public int Opset { get; }

    /// <summary>The batch dimension of the graph input when it is a number; null when it is symbolic.</summary>
    public long? BatchSize { get; }

    /// <summary>The name of the value the chain has reached: the data input of the node being converted.</summary>
    public string CurrentValue { get; set; } = "";

    /// <summary>
    /// The shape of the current value without its first (batch) dimension: every dimension positive, the
    /// product at most <see cref="DescriptionValidator.MaxActivationLength"/>.
    /// </summary>
    public long[] SampleShape => _sampleShape;

    /// <summary>The number of values per sample.</summary>
    public long SampleLength => TryLength(_sampleShape, out long length) ? length : 0;

    /// <summary>Sets the shape of the node's output per sample.</summary>
    public void SetSampleShape(OnnxNode node, long[] shape)
    {
        if (!TryLength(shape, out _))
        {
            throw node.Error($"its output would have the shape {OnnxText.Shape(shape)} per sample; every dimension must be positive and a sample at most {DescriptionValidator.MaxActivationLength} values");
        }

        _sampleShape = shape;
    }

    /// <summary>The product of a per-sample shape, false when a dimension is not positive or the product too large.</summary>
    public static bool TryLength(IReadOnlyList<long> shape, out long length)
    {
        length = 1;
        foreach (long dim in shape)
        {
            if (dim <= 0 || dim > DescriptionValidator.MaxActivationLength || length * dim > DescriptionValidator.MaxActivationLength)
            {
                length = 0;
                return false;
            }

            length *= dim;
        }

        return true;
    }

    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>
    /// The last layer when it is a Dense or Conv2d whose output the chain's value still is (only Identity,
    /// Dropout and folds came since): a BatchNormalization or an Add/Sub/Mul/Div of a constant folds into it
    /// (<see cref="Converters.LayerFold"/>). Null otherwise.
    /// </summary>
    public Layer? FoldTarget { get; private set; }

    /// <summary>The value the fold target's output reached, as the walk sets it after each node.</summary>
    public string FoldTargetValue { get; private set; } = "";

    /// <summary>After a node: its output is the fold target's when it emitted a Dense or Conv2d, or kept the target's value.</summary>
    public void AfterNode(string output, bool emitted, bool keepsValue)
    {
        if (emitted)
        {
            Layer last = _layers[^1];
            FoldTarget = last.OpCase is Layer.OpOneofCase.Dense or Layer.OpOneofCase.Conv2D ? last : null;
            FoldTargetValue = output;
        }
        else if (keepsValue && FoldTarget is not null && CurrentValue == FoldTargetValue)
        {
            FoldTargetValue = output;
        }
        else
        {
            FoldTarget = null;
        }
    }

    /// <summary>
    /// For a graph walk (<see cref="GraphWalker"/>), which visits branches in turn: the fold target that holds
    /// for the value the next node reads (null where nothing may fold into the layer before).
    /// </summary>
    public void SetFoldState(Layer? target, string value)
    {
        FoldTarget = target;
        FoldTargetValue = value;
    }

    /// <summary>Appends the layer for a node, named after it; a queued QDQ quantizer becomes its input quantizer.</summary>
    public void AddLayer(OnnxNode node, Layer layer)
    {
        if (PendingQuantizer is not null)
        {
            if (PendingFromPreviousNode)
            {
                throw node.Error($"it reads a QuantizeLinear's integer output; only a DequantizeLinear with the same scale and zero point may");
            }

            layer.InputQuantizer = PendingQuantizer;
            PendingQuantizer = null;
            PendingAffine = null;
        }

        // Checked as the walk goes, so a graph of a million nodes stops at the limit, not after the walk.
        if (_layers.Count >= DescriptionValidator.MaxLayers)
        {
            throw node.Error($"the model would have more than {DescriptionValidator.MaxLayers} layers, the most a description may hold");
        }

        layer.Name = _names.For(node);
        _layers.Add(layer);
        LayerNodes.Add(node);
    }

    /// <summary>The node each layer was made from, layer by layer (a bidirectional node makes two).</summary>
    public List<OnnxNode> LayerNodes { get; } = new List<OnnxNode>();

    /// <summary>Every constant of the graph, by value name.</summary>
    public IReadOnlyDictionary<string, ConstantTensor> Constants => _constants;

    /// <summary>A QDQ pair's quantizer waiting for the next layer (<see cref="Converters.QuantizeLinearConverter"/>).</summary>
    public ActivationQuantizer? PendingQuantizer { get; private set; }

    /// <summary>The scale and zero point of the pending quantizer's QuantizeLinear, which its DequantizeLinear must repeat.</summary>
    public (float Scale, int ZeroPoint)? PendingAffine { get; private set; }

    /// <summary>True between a QuantizeLinear and its DequantizeLinear: the value holds integer codes.</summary>
    public bool PendingFromPreviousNode { get; set; }

    /// <summary>Queues a QDQ pair's quantizer; one still waiting (two pairs in a row) goes onto a flatten first.</summary>
    public void QueueQuantizer(OnnxNode node, ActivationQuantizer quantizer, (float, int) affine)
    {
        if (PendingFromPreviousNode)
        {
            throw node.Error($"it quantizes a value that is already quantized (a QuantizeLinear after a QuantizeLinear)");
        }

        FlushQuantizer();
        _pendingNode = node;
        PendingQuantizer = quantizer;
        PendingAffine = affine;
        PendingFromPreviousNode = true;
    }

    /// <summary>A quantizer no layer took (the graph's end, or another QDQ pair next): a flatten layer carries it.</summary>
    public void FlushQuantizer()
    {
        if (PendingQuantizer is not null && _pendingNode is not null)
        {
            AddLayer(_pendingNode, new Layer { Flatten = new Flatten() });
        }
    }

    private OnnxNode? _pendingNode;

    /// <summary>Input <paramref name="index"/> of the node must be the chain's value (the data).</summary>
    public void RequireData(OnnxNode node, int index, string role)
    {
        if (node.Inputs.Count <= index || node.Inputs[index] != CurrentValue)
        {
            throw node.Error($"the data ({OnnxText.Quote(CurrentValue)}) must be input {index} ({role}); only that form is supported");
        }
    }

    /// <summary>The node must have between <paramref name="min"/> and <paramref name="max"/> inputs.</summary>
    public static void RequireInputCount(OnnxNode node, int min, int max)
    {
        int count = node.Inputs.Count;
        if (count < min || count > max)
        {
            string expected = min == max ? min.ToString(System.Globalization.CultureInfo.InvariantCulture) : FormattableString.Invariant($"{min} to {max}");
            throw node.Error($"it has {count} inputs; it must have {expected}");
        }
    }

    /// <summary>Input <paramref name="index"/> of the node, which must be a constant (an initializer or a Constant node's output).</summary>
    public ConstantTensor RequireConstant(OnnxNode node, int index, string role)
    {
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0)
        {
            throw node.Error($"input {index} ({role}) is missing");
        }

        string name = node.Inputs[index];
        if (!_constants.TryGetValue(name, out ConstantTensor? tensor))
        {
            throw node.Error($"input {index} ({role}) must be a constant (an initializer or a Constant node); {OnnxText.Quote(name)} is computed in the graph");
        }

        return tensor;
    }

    public bool IsConstant(string name) => _constants.ContainsKey(name);
}

/// <summary>The leading dimensions of a sequence value, as PyTorch's recurrent exports move them.</summary>
internal enum SequenceAxes
{
    /// <summary>[batch, time, ...]: batch_first, as the graph input and output are.</summary>
    BatchTime,

    /// <summary>[time, batch, ...]: what ONNX's LSTM and GRU read.</summary>
    TimeBatch,

    /// <summary>[time, num_directions, batch, ...]: what ONNX's LSTM and GRU give, before PyTorch's Squeeze.</summary>
    TimeDirectionsBatch,
}
