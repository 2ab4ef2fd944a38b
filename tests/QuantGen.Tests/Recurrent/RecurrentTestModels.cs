using System;
using System.Linq;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;

namespace QuantGen.Tests.Recurrent;

/// <summary>Seeded random Embedding/LSTM/GRU/Conv2d/MaxPool2d descriptions. Sizes are odd so vector tails are exercised.</summary>
internal static class RecurrentTestModels
{
    public const int Vocabulary = 11;
    public const int Embed = 13;
    public const int Hidden = 17;
    public const int Outputs = 7;

    public delegate Weights Codec(Random random, int rows, int cols);

    /// <summary>Embedding(codec) -> LSTM or GRU (codec; input quantizer q; LSTM: q on h before U h; GRU: q as the hidden quantizer) -> Dense(head codec, default the same).</summary>
    public static Model TokenRecurrent(string name, bool lstm, Codec codec, Func<Random, ActivationQuantizer?> quantizer, int seed, Codec? head = null)
    {
        var random = new Random(seed);
        Model model = TokenModel(name);
        model.Layers.Add(Embedding(random, codec));
        Layer cell = lstm ? Lstm(random, codec, Embed, Hidden) : Gru(random, codec, Embed, Hidden);
        cell.InputQuantizer = quantizer(random);
        ActivationQuantizer? inner = quantizer(random);
        RecurrentOptions options = lstm ? cell.Lstm.Options : cell.Gru.Options;
        if (lstm)
        {
            options.RecurrentQuantizer = inner;
        }
        else
        {
            options.HiddenQuantizer = inner;
        }

        model.Layers.Add(cell);
        model.Layers.Add(Head(random, head ?? codec, Hidden));
        return model;
    }

    /// <summary>
    /// The model with its GRU's reset before the recurrent product (ONNX's linear_before_reset = 0). A hidden
    /// quantizer (bit-RNN's, which that form does not have) becomes the quantizer of the recurrent product's
    /// input, so r * h is quantized on its way into U.
    /// </summary>
    public static Model ResetBeforeProduct(Model model)
    {
        Gru gru = model.Layers.Single(l => l.Gru is not null).Gru;
        gru.ResetBeforeProduct = true;
        gru.Options.RecurrentQuantizer ??= gru.Options.HiddenQuantizer;
        gru.Options.HiddenQuantizer = null;
        return model;
    }

    /// <summary>
    /// bit-RNN: Q_k(relu(e)) into the cell (ReLU then a uniform [0, 1] input quantizer), sigmoid in place of
    /// tanh, Q_k on h (and on the GRU's reset product), DoReFa-like uniform weights.
    /// </summary>
    public static Model BitRnn(string name, bool lstm, int bits, int seed)
    {
        var random = new Random(seed);
        Codec codec = (r, rows, cols) => TestModels.Uniform(r, rows, cols, bits + 1, signed: true, perRow: false, zeroPoints: false);
        Model model = TokenModel(name);
        model.Layers.Add(Embedding(random, codec));
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        Layer cell = lstm ? Lstm(random, codec, Embed, Hidden) : Gru(random, codec, Embed, Hidden);
        cell.InputQuantizer = TestModels.UniformActivation(bits, 0f, 1f);
        RecurrentOptions options = lstm ? cell.Lstm.Options : cell.Gru.Options;
        options.SigmoidCandidate = true;
        options.HiddenQuantizer = TestModels.UniformActivation(bits, 0f, 1f);
        model.Layers.Add(cell);
        model.Layers.Add(Head(random, TestFloat, Hidden));
        return model;
    }

    /// <summary>Vector input -> LSTM -> GRU -> Dense: two stacked recurrent layers with float vectors in.</summary>
    public static Model Stacked(int seed)
    {
        var random = new Random(seed);
        var model = new Model { Schema = "quantgen.v1", Name = "stacked" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 5 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { Outputs } });
        model.Layers.Add(Lstm(random, TestFloat, 5, Hidden));
        model.Layers.Add(Gru(random, (r, rows, cols) => TestModels.Levels(r, rows, cols, 3), Hidden, 9));
        model.Layers.Add(Head(random, TestFloat, 9));
        return model;
    }

    /// <summary>
    /// Embedding -> two LSTMs (or GRUs) -> Dense, all multi-binary weights, every matrix's input coded online with the
    /// same quantizer (the language model's shape): each layer's h is coded by the next layer and by its own recurrent
    /// product, so the two share the codes (generator Plan/SharedCodes.cs). h has 72 values (two 64-bit words, the
    /// second partly padding): at 2 bits wide enough that the planner picks the xor/popcount kernel for every matrix (at 3
    /// bits it takes the plane table over the coded input for the LSTM matrices of this size).
    /// </summary>
    public static Model AlternatingStack(string name, bool lstm, int bits, int seed)
    {
        const int hidden = 72;
        var random = new Random(seed);
        Codec codec = (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, bits);
        Model model = TokenModel(name);
        model.Layers.Add(Embedding(random, codec));
        foreach (int inputs in new[] { Embed, hidden })
        {
            Layer cell = lstm ? Lstm(random, codec, inputs, hidden) : Gru(random, codec, inputs, hidden);
            cell.InputQuantizer = TestModels.Online(bits, 2);
            (lstm ? cell.Lstm.Options : cell.Gru.Options).RecurrentQuantizer = TestModels.Online(bits, 2);
            cell.Name += model.Layers.Count;
            model.Layers.Add(cell);
        }

        Layer head = Head(random, codec, hidden);
        head.InputQuantizer = TestModels.Online(bits, 2);
        model.Layers.Add(head);
        return model;
    }

    /// <summary>[channels, 9, 8] image -> Conv2d(codec, 3 x 3, padding, stride) -> ReLU -> MaxPool2d -> Flatten -> Dense.</summary>
    public static Model Convolution(string name, Codec codec, ActivationQuantizer? quantizer, int stride, int padding, int poolPadding, int seed, int channels = 2, int outChannels = 3)
    {
        var random = new Random(seed);
        const int height = 9, width = 8;
        var conv = new Conv2d
        {
            InChannels = channels, OutChannels = outChannels, Height = height, Width = width, KernelH = 3, KernelW = 3,
            StrideH = stride, StrideW = stride, PaddingH = padding, PaddingW = padding,
            Weights = codec(random, outChannels, channels * 9),
        };
        conv.Bias.Add(TestModels.RandomFloats(random, outChannels, -0.3f, 0.3f));
        int oh = (height + 2 * padding - 3) / stride + 1, ow = (width + 2 * padding - 3) / stride + 1;
        var pool = new MaxPool2d { Channels = outChannels, Height = oh, Width = ow, KernelH = 2, KernelW = 2, StrideH = 2, StrideW = 2, PaddingH = poolPadding, PaddingW = poolPadding };
        int ph = (oh + 2 * poolPadding - 2) / 2 + 1, pw = (ow + 2 * poolPadding - 2) / 2 + 1;
        var model = new Model { Schema = "quantgen.v1", Name = name };
        model.Inputs.Add(new TensorInfo { Name = "image", Shape = { channels, height, width } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { Outputs } });
        model.Layers.Add(new Layer { Name = "conv", Conv2D = conv, InputQuantizer = quantizer });
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        model.Layers.Add(new Layer { Name = "pool", MaxPool2D = pool });
        model.Layers.Add(new Layer { Name = "flatten", Flatten = new Flatten() });
        model.Layers.Add(Head(random, TestFloat, outChannels * ph * pw));
        return model;
    }

    public static Weights TestFloat(Random random, int rows, int cols) => TestModels.Float(random, rows, cols);

    private static Model TokenModel(string name)
    {
        var model = new Model { Schema = "quantgen.v1", Name = name };
        model.Inputs.Add(new TensorInfo { Name = "token", Shape = { 1 } });
        model.Outputs.Add(new TensorInfo { Name = "logits", Shape = { Outputs } });
        return model;
    }

    private static Layer Embedding(Random random, Codec codec) =>
        new() { Name = "embed", Embedding = new Embedding { NumEmbeddings = Vocabulary, EmbeddingDim = Embed, Weights = codec(random, Vocabulary, Embed) } };

    public static Layer Lstm(Random random, Codec codec, int inputs, int hidden)
    {
        var lstm = new Lstm { InputSize = inputs, HiddenSize = hidden, InputWeights = codec(random, 4 * hidden, inputs), RecurrentWeights = codec(random, 4 * hidden, hidden), Options = new RecurrentOptions() };
        lstm.InputBias.Add(TestModels.RandomFloats(random, 4 * hidden, -0.5f, 0.5f));
        lstm.RecurrentBias.Add(TestModels.RandomFloats(random, 4 * hidden, -0.5f, 0.5f));
        return new Layer { Name = "lstm", Lstm = lstm };
    }

    public static Layer Gru(Random random, Codec codec, int inputs, int hidden)
    {
        var gru = new Gru { InputSize = inputs, HiddenSize = hidden, InputWeights = codec(random, 3 * hidden, inputs), RecurrentWeights = codec(random, 3 * hidden, hidden), Options = new RecurrentOptions() };
        gru.InputBias.Add(TestModels.RandomFloats(random, 3 * hidden, -0.5f, 0.5f));
        gru.RecurrentBias.Add(TestModels.RandomFloats(random, 3 * hidden, -0.5f, 0.5f));
        return new Layer { Name = "gru", Gru = gru };
    }

    private static Layer Head(Random random, Codec codec, int inputs)
    {
        var dense = new Dense { InFeatures = inputs, OutFeatures = Outputs, Weights = codec(random, Outputs, inputs) };
        dense.Bias.Add(TestModels.RandomFloats(random, Outputs, -0.5f, 0.5f));
        return new Layer { Name = "head", Dense = dense };
    }
}
