namespace QuantGen.Schema;

/// <summary>Validation of the backward half of a bidirectional LSTM or GRU (a layer with <c>reverse</c>).</summary>
public static partial class DescriptionValidator
{
    /// <summary>
    /// A reverse layer must follow a forward layer of the same kind and sizes, and reads what that layer read
    /// (<paramref name="pairInput"/>), so it names no inputs of its own. The online multi-bit input quantizer is refused here: its working
    /// memory is sized by the planner from the running length, which for a reverse layer is the forward
    /// half's output, not the input it quantizes.
    /// </summary>
    /// <returns>The pair's output length (2 x hidden), or 0 when it cannot be known.</returns>
    private static long ValidateReverseLayer(Model model, int index, string path, long pairInput, Context c)
    {
        Layer layer = model.Layers[index];
        string kind = LayerShapes.OpField(layer);
        Layer? previous = index > 0 ? model.Layers[index - 1] : null;
        if (previous is null || previous.OpCase != layer.OpCase || LayerShapes.IsReverse(previous))
        {
            c.Add(DescriptionErrorCode.InvalidValue, $"{path}.{kind}.reverse", $"layer {index} ({kind}) is reverse, the backward half of a bidirectional layer; it must follow the forward half, a {kind} layer without reverse");
            return 0;
        }

        if (layer.Inputs.Count > 0)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + ".inputs", $"layer {index} ({kind}, reverse) reads what its forward half, layer {index - 1}, reads; give inputs on the forward half, not here");
            return 0;
        }

        (int input, int hidden) = layer.OpCase == Layer.OpOneofCase.Lstm
            ? (previous.Lstm.InputSize - layer.Lstm.InputSize, previous.Lstm.HiddenSize - layer.Lstm.HiddenSize)
            : (previous.Gru.InputSize - layer.Gru.InputSize, previous.Gru.HiddenSize - layer.Gru.HiddenSize);
        if (input != 0 || hidden != 0)
        {
            c.Add(DescriptionErrorCode.ShapeMismatch, $"{path}.{kind}.{(input != 0 ? "inputSize" : "hiddenSize")}", $"layer {index} ({kind}, reverse) must have the inputSize and hiddenSize of its forward half, layer {index - 1}");
            return 0;
        }

        if (layer.InputQuantizer?.KindCase == ActivationQuantizer.KindOneofCase.OnlineMultiBinary)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + ".inputQuantizer.onlineMultiBinary", $"layer {index} ({kind}, reverse) cannot take an onlineMultiBinary input quantizer (not supported on the backward half of a bidirectional layer)");
            return 0;
        }

        long length = ValidateLayer(layer, index, path, pairInput, c);
        return length == 0 ? 0 : 2 * length;
    }
}
