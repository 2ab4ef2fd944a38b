namespace QuantGen.Schema;

/// <summary>
/// Validation of what layers read (<see cref="Layer.Inputs"/>: one value, or two and more for Add and
/// Concat) and of the element-wise and average-pooling layers.
/// </summary>
public static partial class DescriptionValidator
{
    /// <returns>The layer's output length, or 0 when it cannot be known.</returns>
    private static long ValidateSingleInput(Layer layer, int index, string path, long inputLength, Context c)
    {
        if (layer.Inputs.Count > 1)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + ".inputs", $"layer {index} ({LayerShapes.OpField(layer)}) names {layer.Inputs.Count} inputs; only add and concat read more than one");
            return 0;
        }

        return ValidateLayer(layer, index, path, inputLength, c);
    }

    /// <summary>Add and Concat: two or more inputs, no input quantizer; Add's inputs all of one length.</summary>
    /// <param name="handed">The lengths of the inputs (0 for one that is unknown); empty when a name did not resolve.</param>
    private static long ValidateJoin(Layer layer, int index, string path, long[] handed, Context c)
    {
        string kind = LayerShapes.OpField(layer);
        if (layer.Inputs.Count < 2)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + (layer.Inputs.Count == 0 ? "" : ".inputs"), $"layer {index} ({kind}) reads {(layer.Inputs.Count == 0 ? "only the layer before" : "one value")}; {kind} reads two or more, named in \"inputs\"");
            return 0;
        }

        if (layer.InputQuantizer is not null)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + ".inputQuantizer", $"layer {index} ({kind}) reads several values and takes no inputQuantizer; quantize the input of the layer that reads its result");
        }

        if (handed.Length == 0 || System.Array.IndexOf(handed, 0L) >= 0)
        {
            return 0;
        }

        if (layer.OpCase == Layer.OpOneofCase.Concat)
        {
            long sum = 0;
            foreach (long length in handed)
            {
                sum += length;
            }

            if (sum > MaxActivationLength)
            {
                c.Add(DescriptionErrorCode.InvalidValue, path + ".concat", $"layer {index} (concat) gives {sum} values, more than the {MaxActivationLength} a model may have");
                return 0;
            }

            return sum;
        }

        for (int k = 1; k < handed.Length; k++)
        {
            if (handed[k] != handed[0])
            {
                c.Add(DescriptionErrorCode.ShapeMismatch, $"{path}.inputs[{k}]", $"layer {index} (add) adds {handed[k]} values from \"{Shorten(layer.Inputs[k])}\" to {handed[0]} values from \"{Shorten(layer.Inputs[0])}\"; the inputs of an add must have one length");
                return 0;
            }
        }

        return handed[0];
    }

    /// <returns>The layer's output length, or 0 when it cannot be known.</returns>
    private static long ValidateElementOrPoolLayer(Layer layer, int index, string layerPath, long inputLength, Context c)
    {
        string kind = LayerShapes.OpField(layer);
        string path = layerPath + "." + kind;
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Clip:
            {
                Clip clip = layer.Clip;
                // Infinite bounds are a one-sided clip (ONNX's Clip without min or max); NaN would make every output NaN.
                if (float.IsNaN(clip.Min) || float.IsNaN(clip.Max))
                {
                    c.Add(DescriptionErrorCode.NonFiniteParameter, path + (float.IsNaN(clip.Min) ? ".min" : ".max"), $"layer {index} (clip) has a NaN bound; min and max must be numbers (infinite for no bound)");
                }
                else if (clip.Min > clip.Max)
                {
                    c.Add(DescriptionErrorCode.InvalidValue, path + ".max", $"layer {index} (clip) has min {Format(clip.Min)} above max {Format(clip.Max)}");
                }

                return inputLength;
            }

            case Layer.OpOneofCase.LeakyRelu:
                RequireFinite(layer.LeakyRelu.Alpha, path + ".alpha", c);
                return inputLength;

            case Layer.OpOneofCase.AvgPool2D:
            {
                AvgPool2d pool = layer.AvgPool2D;
                bool ok = Positive(pool.Channels, path + ".channels", index, kind, c)
                    & CheckWindow(pool.Height, pool.Width, pool.KernelH, pool.KernelW, pool.StrideH, pool.StrideW, pool.PaddingH, pool.PaddingW, index, kind, path, c);
                if (!ok)
                {
                    return 0;
                }

                RequireInput((long)pool.Channels * pool.Height * pool.Width, $"channels x height x width = {pool.Channels} x {pool.Height} x {pool.Width}", index, kind, path + ".channels", inputLength, c);
                return LayerShapes.OutputLength(layer);
            }

            default:
            {
                GlobalAvgPool2d pool = layer.GlobalAvgPool2D;
                bool ok = Positive(pool.Channels, path + ".channels", index, kind, c) & Positive(pool.Height, path + ".height", index, kind, c) & Positive(pool.Width, path + ".width", index, kind, c);
                if (!ok)
                {
                    return 0;
                }

                long length = (long)pool.Channels * pool.Height * pool.Width;
                if (length > MaxActivationLength)
                {
                    c.Add(DescriptionErrorCode.InvalidValue, path, $"layer {index} ({kind}) reads {length} values, more than the {MaxActivationLength} a model may have");
                    return 0;
                }

                RequireInput(length, $"channels x height x width = {pool.Channels} x {pool.Height} x {pool.Width}", index, kind, path + ".channels", inputLength, c);
                return pool.Channels;
            }
        }
    }
}
