using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// ONNX LSTM and GRU as PyTorch exports nn.LSTM / nn.GRU (one layer, forward or bidirectional, time first or after the Transpose of a batch_first input; a GRU with linear_before_reset
/// 1, as PyTorch writes, or 0, the ONNX default, which becomes the description's resetBeforeProduct): X [time, batch, input] (after
/// PyTorch's Transpose of a batch_first input), W [1, gates * hidden, input], R [1, gates * hidden, hidden],
/// B [1, 2 * gates * hidden] = W's bias then R's, no sequence_lens, a zero initial state (checked and dropped
/// by <see cref="RecurrentGraph"/>), no peepholes. ONNX orders the gate blocks LSTM i, o, f, c and GRU z, r, h;
/// the description wants PyTorch's i, f, g, o and r, z, n, so the blocks are reordered. The output Y is
/// [time, 1, batch, hidden]; PyTorch's Squeeze of the directions axis follows (<see cref="SqueezeConverter"/>).
/// </summary>
internal sealed class RecurrentConverter : IOpConverter
{
    /// <summary>PyTorch's gate block k is ONNX's block Order[k].</summary>
    internal sealed record Cell(string Op, int[] Order, string[] Activations, string[] Attributes);

    public static readonly Cell Lstm = new Cell("LSTM", [0, 2, 3, 1], ["Sigmoid", "Tanh", "Tanh"], ["input_forget"]);
    public static readonly Cell Gru = new Cell("GRU", [1, 0, 2], ["Sigmoid", "Tanh"], ["linear_before_reset"]);

    private readonly Cell _cell;

    public RecurrentConverter(Cell cell) => _cell = cell;

    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes([.. _cell.Attributes, "hidden_size", "direction", "activations", "layout", "clip", "activation_alpha", "activation_beta"]);
        ImportContext.RequireInputCount(node, 3, _cell.Op == "LSTM" ? 8 : 6);
        context.RequireData(node, 0, "X");
        CheckAttributes(node);
        for (int index = 4; index < node.Inputs.Count; index++)
        {
            if (node.Inputs[index].Length > 0)
            {
                string role = index == 4 ? "sequence_lens" : index == 7 ? "P, the peepholes" : "the initial state";
                throw node.Error($"input {index} ({role}) is given; only full sequences from a zero state without peepholes are supported");
            }
        }

        // In a step graph batch and time are both 1: a time-first layer (nn.GRU(64, 256)) reads the
        // embedding's [1, 1, features] as it is.
        // Outside a step graph, a recurrent node that reads the graph's [?, ?, features] with no Transpose
        // before it is time first (batch_first=False): by ONNX's definition X's first axis is the time.
        if (!context.IsStepGraph && context.Sequence == SequenceAxes.BatchTime && context.Layers.All(l => l.Lstm is null && l.Gru is null))
        {
            context.TimeFirst = true;
            context.Sequence = SequenceAxes.TimeBatch;
        }

        bool timeFirst = context.Sequence == SequenceAxes.TimeBatch || (context.IsStepGraph && context.Sequence == SequenceAxes.BatchTime);
        if (!timeFirst || context.SampleShape.Length != 1)
        {
            throw node.Error($"X must be [time, batch, features] (PyTorch's Transpose of a batch_first input comes first); here it is {context.Sequence} with {OnnxText.Shape(context.SampleShape)} per step");
        }

        long hidden = node.GetInt("hidden_size", 0);
        long input = context.SampleShape[0];
        int gates = _cell.Order.Length;
        if (hidden <= 0 || hidden > DescriptionValidator.MaxActivationLength)
        {
            throw node.Error($"hidden_size = {hidden} must be given and positive");
        }

        // Bidirectional: W, R and B hold the forward direction then the backward one; the backward becomes a
        // reverse layer right after the forward one (the description's bidirectional pair).
        int directions = node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
        if (directions == 2 && context.IsStepGraph)
        {
            throw node.Error($"a bidirectional layer cannot run one step at a time (its backward direction starts from the sequence's end); export the whole sequence, with no state inputs");
        }

        float[] w = Read(node, context, 1, "W", [directions, gates * hidden, input]);
        float[] r = Read(node, context, 2, "R", [directions, gates * hidden, hidden]);
        float[]? b = node.Inputs.Count > 3 && node.Inputs[3].Length > 0 ? Read(node, context, 3, "B", [directions, 2 * gates * hidden]) : null;
        for (int d = 0; d < directions; d++)
        {
            context.AddLayer(node, Direction(node, w, r, b, hidden, input, d));
        }

        context.Directions = directions;
        context.Sequence = SequenceAxes.TimeDirectionsBatch;
        context.SetSampleShape(node, [hidden]);
    }

    /// <summary>The layer of direction <paramref name="d"/> (0 forward, 1 backward: a reverse layer).</summary>
    private Layer Direction(OnnxNode node, float[] w, float[] r, float[]? b, long hidden, long input, int d)
    {
        int gates = _cell.Order.Length;
        int wAt = d * gates * (int)(hidden * input), rAt = d * gates * (int)(hidden * hidden), bAt = d * 2 * gates * (int)hidden;
        var inputWeights = Reorder(w, hidden, input, wAt);
        var recurrentWeights = Reorder(r, hidden, hidden, rAt);
        float[] inputBias = b is null ? [] : Reorder(b, hidden, 1, bAt);
        float[] recurrentBias = b is null ? [] : Reorder(b, hidden, 1, bAt + gates * (int)hidden);
        bool reverse = d == 1;
        Layer layer = _cell.Op == "LSTM"
            ? new Layer { Lstm = new Schema.Lstm { InputSize = (int)input, HiddenSize = (int)hidden, InputWeights = Floats(inputWeights), RecurrentWeights = Floats(recurrentWeights), Reverse = reverse } }
            : new Layer { Gru = new Schema.Gru { InputSize = (int)input, HiddenSize = (int)hidden, InputWeights = Floats(inputWeights), RecurrentWeights = Floats(recurrentWeights), ResetBeforeProduct = node.GetInt("linear_before_reset", 0) == 0, Reverse = reverse } };
        (layer.Lstm?.InputBias ?? layer.Gru.InputBias).Add(inputBias);
        (layer.Lstm?.RecurrentBias ?? layer.Gru.RecurrentBias).Add(recurrentBias);
        return layer;
    }

    private void CheckAttributes(OnnxNode node)
    {
        string direction = node.GetString("direction", "forward");
        if (direction is not ("forward" or "bidirectional"))
        {
            throw node.Error($"direction = {OnnxText.Quote(direction)} is not supported; only forward and bidirectional (as nn.{_cell.Op} exports) are");
        }

        IReadOnlyList<string>? activations = node.GetStrings("activations");
        if (activations is not null && !activations.SequenceEqual(_cell.Activations, StringComparer.OrdinalIgnoreCase))
        {
            throw node.Error($"activations = [{string.Join(", ", activations)}] are not supported; only the defaults [{string.Join(", ", _cell.Activations)}] are");
        }

        foreach (string name in new[] { "clip", "activation_alpha", "activation_beta" })
        {
            if (node.Proto.Attribute.Any(a => a.Name == name))
            {
                throw node.Error($"attribute {OnnxText.Quote(name)} is not supported (PyTorch's {_cell.Op} has no such parameter)");
            }
        }

        if (_cell.Op == "LSTM" && node.GetInt("input_forget", 0) != 0)
        {
            throw node.Error($"input_forget = {node.GetInt("input_forget", 0)} is not supported; it must be 0, as PyTorch exports");
        }

        long linearBeforeReset = node.GetInt("linear_before_reset", 0);
        if (_cell.Op == "GRU" && linearBeforeReset is not (0 or 1))
        {
            throw node.Error($"linear_before_reset = {linearBeforeReset} is not supported; it must be 1 (PyTorch) or 0 (the ONNX default)");
        }

        long layout = node.GetInt("layout", 0);
        if (layout != 0)
        {
            throw node.Error($"layout = {layout} is not supported; only 0 (time first, as PyTorch exports) is");
        }
    }

    private static float[] Read(OnnxNode node, ImportContext context, int index, string role, long[] dims)
    {
        ConstantTensor tensor = context.RequireConstant(node, index, role);
        if (!tensor.Dims.SequenceEqual(dims))
        {
            throw node.Error($"{role} has the shape {OnnxText.Shape(tensor.Dims)}; it must be {OnnxText.Shape(dims)}");
        }

        return tensor.ReadFloats();
    }

    /// <summary>
    /// The gate blocks of <paramref name="onnx"/> (each <paramref name="hidden"/> rows of
    /// <paramref name="columns"/> values, from <paramref name="offset"/>) in PyTorch's order.
    /// </summary>
    private float[] Reorder(float[] onnx, long hidden, long columns, int offset)
    {
        int block = (int)(hidden * columns);
        var result = new float[_cell.Order.Length * block];
        for (int gate = 0; gate < _cell.Order.Length; gate++)
        {
            Array.Copy(onnx, offset + _cell.Order[gate] * block, result, gate * block, block);
        }

        return result;
    }

    private static Weights Floats(float[] values)
    {
        var weights = new Weights { Float32 = new FloatCodec() };
        weights.Float32.Values.Add(values);
        return weights;
    }
}
