namespace QuantGen.Schema;

/// <summary>Validation of the Embedding, LSTM, GRU, Conv2d and MaxPool2d layers.</summary>
public static partial class DescriptionValidator
{
    /// <returns>The layer's output length, or 0 when it cannot be known.</returns>
    private static long ValidateSequenceOrSpatialLayer(Layer layer, int index, string layerPath, long inputLength, Context c)
    {
        string kind = LayerShapes.OpField(layer);
        string path = layerPath + "." + kind;
        bool ok = layer.OpCase switch
        {
            Layer.OpOneofCase.Embedding => CheckEmbedding(layer, index, layerPath, inputLength, c),
            Layer.OpOneofCase.Lstm => CheckRecurrent(layer.Lstm.InputSize, layer.Lstm.HiddenSize, index, kind, path, inputLength, c),
            Layer.OpOneofCase.Gru => CheckRecurrent(layer.Gru.InputSize, layer.Gru.HiddenSize, index, kind, path, inputLength, c),
            Layer.OpOneofCase.Conv2D => CheckConv(layer.Conv2D, index, path, inputLength, c),
            _ => CheckPool(layer.MaxPool2D, index, path, inputLength, c),
        };
        if (!ok)
        {
            return 0;
        }

        foreach (LayerMatrix m in LayerShapes.Matrices(layer))
        {
            if ((long)m.Rows * m.Cols > MaxTensorLength)
            {
                c.Add(DescriptionErrorCode.InvalidValue, path, $"layer {index} ({kind}) has a {m.Rows} x {m.Cols} weight tensor: more than the {MaxTensorLength} weights a tensor may have");
                return 0;
            }

            if (m.Weights is null)
            {
                c.Add(DescriptionErrorCode.MissingField, path, $"layer {index} ({kind}) has no {m.Field}");
            }
            else
            {
                ValidateWeights(m.Weights, m.Rows, m.Cols, path + "." + m.Field, c);
            }

            if (m.Bias is not null)
            {
                if (m.Bias.Count != 0 && m.Bias.Count != m.Rows)
                {
                    c.Add(DescriptionErrorCode.CountMismatch, path + "." + m.BiasField, $"layer {index} ({kind}) has {m.Bias.Count} {m.BiasField} values; it needs {m.Rows} or none");
                }

                RequireFinite(m.Bias, path + "." + m.BiasField, c);
            }
        }

        RecurrentOptions? options = LayerShapes.Options(layer);
        if (options is not null)
        {
            if (options.HiddenQuantizer is not null)
            {
                ValidateActivationQuantizer(options.HiddenQuantizer, path + ".options.hiddenQuantizer", c);
            }

            if (options.RecurrentQuantizer is not null)
            {
                ValidateActivationQuantizer(options.RecurrentQuantizer, path + ".options.recurrentQuantizer", c);
            }

            if (layer.Gru?.ResetBeforeProduct == true && options.HiddenQuantizer is not null)
            {
                c.Add(DescriptionErrorCode.InvalidValue, path + ".resetBeforeProduct", $"layer {index} (gru) has resetBeforeProduct with options.hiddenQuantizer; bit-RNN's quantized reset product is defined for the reset after the product (PyTorch's GRU) only");
            }
        }

        long length = LayerShapes.OutputLength(layer);
        if (length > MaxActivationLength)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path, $"layer {index} ({kind}) gives {length} values, more than the {MaxActivationLength} a model may have");
            return 0;
        }

        return length;
    }

    private static bool CheckEmbedding(Layer layer, int index, string layerPath, long inputLength, Context c)
    {
        Embedding e = layer.Embedding;
        string path = layerPath + ".embedding";
        if (index != 0)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path, $"layer {index} (embedding) must be the first layer: it reads a token id from the model's input");
            return false;
        }

        if (inputLength > 0 && inputLength != 1)
        {
            c.Add(DescriptionErrorCode.ShapeMismatch, "inputs[0].shape", $"layer 0 (embedding) reads one token id, but the model's input has {inputLength} values; declare the shape [1]");
        }

        if (layer.InputQuantizer is not null)
        {
            c.Add(DescriptionErrorCode.InvalidValue, layerPath + ".inputQuantizer", "layer 0 (embedding) reads a token id, which cannot be quantized; quantize the next layer's input instead");
        }

        return Positive(e.NumEmbeddings, path + ".numEmbeddings", index, "embedding", c) & Positive(e.EmbeddingDim, path + ".embeddingDim", index, "embedding", c);
    }

    private static bool CheckRecurrent(int inputSize, int hiddenSize, int index, string kind, string path, long inputLength, Context c)
    {
        if (!(Positive(inputSize, path + ".inputSize", index, kind, c) & Positive(hiddenSize, path + ".hiddenSize", index, kind, c)))
        {
            return false;
        }

        if (hiddenSize > MaxActivationLength / 4)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + ".hiddenSize", $"layer {index} ({kind}) has hiddenSize {hiddenSize}; at most {MaxActivationLength / 4}");
            return false;
        }

        RequireInput(inputSize, "its inputSize", index, kind, path + ".inputSize", inputLength, c);
        return true;
    }

    private static bool CheckConv(Conv2d conv, int index, string path, long inputLength, Context c)
    {
        bool ok = Positive(conv.InChannels, path + ".inChannels", index, "conv2d", c) & Positive(conv.OutChannels, path + ".outChannels", index, "conv2d", c)
            & CheckWindow(conv.Height, conv.Width, conv.KernelH, conv.KernelW, conv.StrideH, conv.StrideW, conv.PaddingH, conv.PaddingW, index, "conv2d", path, c);
        if (ok)
        {
            RequireInput((long)conv.InChannels * conv.Height * conv.Width, $"inChannels x height x width = {conv.InChannels} x {conv.Height} x {conv.Width}", index, "conv2d", path + ".inChannels", inputLength, c);
        }

        return ok;
    }

    private static bool CheckPool(MaxPool2d pool, int index, string path, long inputLength, Context c)
    {
        bool ok = Positive(pool.Channels, path + ".channels", index, "maxPool2d", c)
            & CheckWindow(pool.Height, pool.Width, pool.KernelH, pool.KernelW, pool.StrideH, pool.StrideW, pool.PaddingH, pool.PaddingW, index, "maxPool2d", path, c);
        if (ok)
        {
            RequireInput((long)pool.Channels * pool.Height * pool.Width, $"channels x height x width = {pool.Channels} x {pool.Height} x {pool.Width}", index, "maxPool2d", path + ".channels", inputLength, c);
        }

        return ok;
    }

    /// <summary>Sizes positive, padding at most half the kernel (as PyTorch requires), at least one output position.</summary>
    private static bool CheckWindow(int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, int index, string kind, string path, Context c)
    {
        bool ok = Positive(height, path + ".height", index, kind, c) & Positive(width, path + ".width", index, kind, c)
            & Positive(kh, path + ".kernelH", index, kind, c) & Positive(kw, path + ".kernelW", index, kind, c)
            & Positive(sh, path + ".strideH", index, kind, c) & Positive(sw, path + ".strideW", index, kind, c);
        if (!ok)
        {
            return false;
        }

        if (ph < 0 || ph > kh / 2 || pw < 0 || pw > kw / 2)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + (ph < 0 || ph > kh / 2 ? ".paddingH" : ".paddingW"), $"layer {index} ({kind}) has padding {ph} x {pw} for a {kh} x {kw} kernel; padding must be 0 to half the kernel");
            return false;
        }

        if (LayerShapes.Out(height, kh, sh, ph) < 1 || LayerShapes.Out(width, kw, sw, pw) < 1 || (long)height * width > MaxActivationLength)
        {
            c.Add(DescriptionErrorCode.ShapeMismatch, path + ".kernelH", $"layer {index} ({kind}): a {kh} x {kw} kernel does not fit a {height} x {width} input");
            return false;
        }

        return true;
    }

    /// <summary>
    /// A layer must read as many values as it is handed. The first layer is handed the model's input, which is
    /// what the user declares for the model's callers: a mismatch there is reported at the input's shape.
    /// </summary>
    /// <param name="reads">Which of the layer's fields say how much it reads, for the message.</param>
    /// <param name="path">The field of the layer that says it, where a mismatch with the layer before is reported.</param>
    private static void RequireInput(long expected, string reads, int index, string kind, string path, long inputLength, Context c)
    {
        if (inputLength <= 0 || expected == inputLength)
        {
            return;
        }

        if (index == 0)
        {
            c.Add(DescriptionErrorCode.ShapeMismatch, "inputs[0].shape", $"the model's input gives {inputLength} values, but layer 0 ({kind}) expects {expected} inputs ({reads}); declare an input shape of {expected} values, or correct the layer");
        }
        else
        {
            c.Add(DescriptionErrorCode.ShapeMismatch, path, $"layer {index} ({kind}) expects {expected} inputs ({reads}) but the layer before gives {inputLength}");
        }
    }

    private static bool Positive(int value, string path, int index, string kind, Context c)
    {
        if (value > 0)
        {
            return true;
        }

        string field = path.Substring(path.LastIndexOf('.') + 1);
        c.Add(DescriptionErrorCode.InvalidValue, path, $"layer {index} ({kind}) has {field} {value}; it must be above zero");
        return false;
    }
}
