using System;
using System.Collections.Generic;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using static QuantGen.Tests.Infrastructure.TestModels;

namespace QuantGen.Tests.Graph;

/// <summary>
/// Seeded descriptions with the layers of issue 17 (Clip, LeakyRelu, AvgPool2d, GlobalAvgPool2d) and graphs
/// that branch (residual Add, Concat, a three-way Add, a layer that reads the model's input by name).
/// Odd sizes, so vector tails run.
/// </summary>
internal static class GraphTestModels
{
    public delegate Weights Codec(Random random, int rows, int cols);

    public static IEnumerable<(string Name, Model Model)> All()
    {
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
            {
                string name = $"{codecName}.{quantizerName}";
                yield return ("residual." + name, Residual("residual." + name, (r, rows, cols) => codec(r, rows, cols), quantizer(new Random(3)), name.Length));
            }
        }

        yield return ("concat", Concatenation(11));
        yield return ("flat-graph", FlatGraph(12));
        yield return ("pool-chain", PoolChain(13));
    }

    /// <summary>
    /// [2, 6, 5] -> stem conv (pad 1) -> clip(0, 6) "r0" -> conv (codec, input quantizer) -> leakyRelu(0.1) ->
    /// conv (codec) -> add [c2, r0] -> relu -> avgPool2d(3, stride 2, pad 1, padding not counted) -> flatten -> dense.
    /// </summary>
    public static Model Residual(string name, Codec codec, ActivationQuantizer? quantizer, int seed)
    {
        var random = new Random(seed);
        Model model = Image(name, 2, 6, 5);
        model.Layers.Add(Conv("stem", random, Float, 2, 3, 6, 5, 3, 1));
        model.Layers.Add(new Layer { Name = "r0", Clip = new Clip { Min = 0f, Max = 0.6f } });
        Layer c1 = Conv("c1", random, codec, 3, 3, 6, 5, 3, 1);
        c1.InputQuantizer = quantizer;
        model.Layers.Add(c1);
        model.Layers.Add(new Layer { Name = "lr", LeakyRelu = new LeakyRelu { Alpha = 0.1f } });
        model.Layers.Add(Conv("c2", random, codec, 3, 3, 6, 5, 3, 1));
        model.Layers.Add(new Layer { Name = "skip", Inputs = { "c2", "r0" }, Add = new Add() });
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        model.Layers.Add(new Layer { Name = "pool", AvgPool2D = new AvgPool2d { Channels = 3, Height = 6, Width = 5, KernelH = 3, KernelW = 3, StrideH = 2, StrideW = 2, PaddingH = 1, PaddingW = 1 } });
        model.Layers.Add(new Layer { Name = "flatten", Flatten = new Flatten() });
        model.Layers.Add(Head(random, 3 * 3 * 3, 7));
        return model;
    }

    /// <summary>
    /// [2, 6, 5]: a 3x3 conv and a 1x1 conv both read the model's input; concat [a, b] -> clip(-1, 1.5) ->
    /// globalAvgPool2d -> flatten -> dense. The flatten's value is read by the dense and by a second concat.
    /// </summary>
    public static Model Concatenation(int seed)
    {
        var random = new Random(seed);
        Model model = Image("concat", 2, 6, 5);
        model.Layers.Add(Conv("a", random, (r, rows, cols) => Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), 2, 3, 6, 5, 3, 1));
        Layer b = Conv("b", random, Float, 2, 2, 6, 5, 1, 0);
        b.Inputs.Add("image");
        model.Layers.Add(b);
        model.Layers.Add(new Layer { Name = "cat", Inputs = { "a", "b" }, Concat = new Concat() });
        model.Layers.Add(new Layer { Name = "clip", Clip = new Clip { Min = -1f, Max = 1.5f } });
        model.Layers.Add(new Layer { Name = "gap", GlobalAvgPool2D = new GlobalAvgPool2d { Channels = 5, Height = 6, Width = 5 } });
        model.Layers.Add(new Layer { Name = "flat", Flatten = new Flatten() });
        model.Layers.Add(Head(random, 5, 3, "fc"));
        model.Layers.Add(new Layer { Name = "out", Inputs = { "fc", "flat" }, Concat = new Concat() });
        model.Outputs[0].Shape[0] = 8;
        return model;
    }

    /// <summary>[7] -> d1 = dense; d2 = dense of the model's input; add [d1, d2, d1]; leakyRelu(-0.5) (alpha may be negative); concat [lr, d2] -> clip(-inf, 0.75) -> dense.</summary>
    public static Model FlatGraph(int seed)
    {
        var random = new Random(seed);
        var model = new Model { Schema = "quantgen.v1", Name = "flat-graph" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 7 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 5 } });
        model.Layers.Add(Head(random, 7, 19, "d1"));
        Layer d2 = Head(random, 7, 19, "d2");
        d2.Inputs.Add("x");
        d2.Dense.Weights = MultiBinary(random, 19, 7, 2);
        model.Layers.Add(d2);
        model.Layers.Add(new Layer { Name = "sum", Inputs = { "d1", "d2", "d1" }, Add = new Add() });
        model.Layers.Add(new Layer { Name = "lr", LeakyRelu = new LeakyRelu { Alpha = -0.5f } });
        model.Layers.Add(new Layer { Name = "cat", Inputs = { "lr", "d2" }, Concat = new Concat() });
        model.Layers.Add(new Layer { Name = "clip", Clip = new Clip { Min = float.NegativeInfinity, Max = 0.75f } });
        Layer head = Head(random, 38, 5, "fc");
        head.InputQuantizer = UniformActivation(3, -1f, 1f);
        model.Layers.Add(head);
        return model;
    }

    /// <summary>A chain: [3, 7, 6] -> avgPool2d(3, stride 2, pad 1, padding counted) -> leakyRelu -> clip(0, 6) -> globalAvgPool2d -> dense.</summary>
    public static Model PoolChain(int seed)
    {
        var random = new Random(seed);
        Model model = Image("pool-chain", 3, 7, 6);
        model.Layers.Add(new Layer { Name = "pool", AvgPool2D = new AvgPool2d { Channels = 3, Height = 7, Width = 6, KernelH = 3, KernelW = 3, StrideH = 2, StrideW = 2, PaddingH = 1, PaddingW = 1, CountIncludePad = true } });
        model.Layers.Add(new Layer { Name = "lr", LeakyRelu = new LeakyRelu { Alpha = 0.01f } });
        model.Layers.Add(new Layer { Name = "clip", Clip = new Clip { Min = 0f, Max = 6f } });
        model.Layers.Add(new Layer { Name = "gap", GlobalAvgPool2D = new GlobalAvgPool2d { Channels = 3, Height = 4, Width = 3 } });
        model.Layers.Add(Head(random, 3, 7));
        return model;
    }

    private static Model Image(string name, int channels, int height, int width)
    {
        var model = new Model { Schema = "quantgen.v1", Name = name };
        model.Inputs.Add(new TensorInfo { Name = "image", Shape = { channels, height, width } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 7 } });
        return model;
    }

    private static Layer Conv(string name, Random random, Codec codec, int inChannels, int outChannels, int height, int width, int kernel, int padding)
    {
        var conv = new Conv2d
        {
            InChannels = inChannels, OutChannels = outChannels, Height = height, Width = width, KernelH = kernel, KernelW = kernel,
            StrideH = 1, StrideW = 1, PaddingH = padding, PaddingW = padding,
            Weights = codec(random, outChannels, inChannels * kernel * kernel),
        };
        conv.Bias.Add(RandomFloats(random, outChannels, -0.3f, 0.3f));
        return new Layer { Name = name, Conv2D = conv };
    }

    private static Layer Head(Random random, int inputs, int outputs, string name = "head")
    {
        var dense = new Dense { InFeatures = inputs, OutFeatures = outputs, Weights = Float(random, outputs, inputs) };
        dense.Bias.Add(RandomFloats(random, outputs, -0.2f, 0.2f));
        return new Layer { Name = name, Dense = dense };
    }
}
