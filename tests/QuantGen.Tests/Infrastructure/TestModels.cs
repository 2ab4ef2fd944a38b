using System;
using System.Linq;
using Google.Protobuf;
using QuantGen.Schema;

namespace QuantGen.Tests.Infrastructure;

/// <summary>Seeded random descriptions covering every codec and activation quantizer.</summary>
internal static class TestModels
{
    public const int Inputs = 37;   // odd on purpose: vector kernels must handle tails
    public const int Hidden = 19;
    public const int Outputs = 5;

    /// <summary>Input -> Dense(codec, input quantizer) -> Tanh -> Dense(float) -> output.</summary>
    public static Model TwoLayer(string name, Func<Random, int, int, Weights> codec, Func<Random, ActivationQuantizer?> quantizer, int seed)
    {
        var random = new Random(seed);
        var model = new Model { Schema = "quantgen.v1", Name = name };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { Inputs } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { Outputs } });
        var first = new Layer { Name = "quantized", Dense = new Dense { InFeatures = Inputs, OutFeatures = Hidden, Weights = codec(random, Hidden, Inputs) } };
        first.Dense.Bias.Add(RandomFloats(random, Hidden, -0.5f, 0.5f));
        first.InputQuantizer = quantizer(random);
        model.Layers.Add(first);
        model.Layers.Add(new Layer { Name = "tanh", Tanh = new Tanh() });
        var last = new Layer { Name = "head", Dense = new Dense { InFeatures = Hidden, OutFeatures = Outputs, Weights = Float(random, Outputs, Hidden) } };
        last.Dense.Bias.Add(RandomFloats(random, Outputs, -0.5f, 0.5f));
        model.Layers.Add(last);
        return model;
    }

    /// <summary>Every operation once: Flatten, Dense, ReLU, Sigmoid, Softmax, on a 2-D input.</summary>
    public static Model AllOps(int seed)
    {
        var random = new Random(seed);
        var model = new Model { Schema = "quantgen.v1", Name = "all-ops", Doc = "Every layer kind" };
        model.Inputs.Add(new TensorInfo { Name = "image", Shape = { 3, 7 } });
        model.Outputs.Add(new TensorInfo { Name = "p", Shape = { 4 } });
        model.Layers.Add(new Layer { Name = "flatten", Flatten = new Flatten() });
        model.Layers.Add(new Layer { Name = "fc1", Dense = new Dense { InFeatures = 21, OutFeatures = 16, Weights = Uniform(random, 16, 21, 4, signed: true, perRow: true, zeroPoints: false) } });
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        model.Layers.Add(new Layer { Name = "fc2", InputQuantizer = UniformActivation(3, 0f, 2f), Dense = new Dense { InFeatures = 16, OutFeatures = 8, Weights = Float(random, 8, 16) } });
        model.Layers.Add(new Layer { Name = "sigmoid", Sigmoid = new Sigmoid() });
        model.Layers.Add(new Layer { Name = "fc3", Dense = new Dense { InFeatures = 8, OutFeatures = 4, Weights = Levels(random, 4, 8, 2) } });
        model.Layers.Add(new Layer { Name = "softmax", Softmax = new Softmax() });
        return model;
    }

    public static Weights Float(Random random, int rows, int cols) =>
        new() { Float32 = new FloatCodec { Values = { RandomFloats(random, rows * cols, -1f, 1f) } } };

    public static Weights Uniform(Random random, int rows, int cols, int bits, bool signed, bool perRow, bool zeroPoints)
    {
        int min = signed ? -(1 << (bits - 1)) : 0;
        int max = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        int[] codes = Enumerable.Range(0, rows * cols).Select(_ => random.Next(min, max + 1)).ToArray();
        var codec = new UniformCodec { Bits = bits, Signed = signed, Codes = ByteString.CopyFrom(PackedCodes.Pack(codes, bits)) };
        int count = perRow ? rows : 1;
        codec.Scales.Add(RandomFloats(random, count, 0.01f, 0.2f));
        if (zeroPoints)
        {
            codec.ZeroPoints.Add(Enumerable.Range(0, count).Select(_ => random.Next(min, max + 1)));
        }

        return new Weights { Uniform = codec };
    }

    public static Weights Levels(Random random, int rows, int cols, int bits)
    {
        int count = Math.Max(1, (1 << bits) - random.Next(0, 2));
        float[] levels = RandomFloats(random, count, -1f, 1f).OrderBy(v => v).ToArray();
        int[] codes = Enumerable.Range(0, rows * cols).Select(_ => random.Next(0, count)).ToArray();
        return new Weights { Levels = new LevelsCodec { Bits = bits, Levels = { levels }, Codes = ByteString.CopyFrom(PackedCodes.Pack(codes, bits)) } };
    }

    public static Weights MultiBinary(Random random, int rows, int cols, int bits)
    {
        var codec = new MultiBinaryCodec { Bits = bits };
        for (int r = 0; r < rows; r++)
        {
            float alpha = 0.5f * (float)random.NextDouble() + 0.1f;
            for (int j = 0; j < bits; j++, alpha /= 2)
            {
                codec.Coefficients.Add(alpha);
            }
        }

        int[] planes = Enumerable.Range(0, bits * rows * cols).Select(_ => random.Next(0, 2)).ToArray();
        codec.Planes = ByteString.CopyFrom(PackedCodes.Pack(planes, 1));
        return new Weights { MultiBinary = codec };
    }

    public static ActivationQuantizer UniformActivation(int bits, float lo, float hi) =>
        new() { Uniform = new UniformActivation { Bits = bits, Lo = lo, Hi = hi } };

    public static ActivationQuantizer Thresholds(Random random, int bits)
    {
        int levels = 1 << bits;
        float[] thresholds = RandomFloats(random, levels - 1, -2f, 2f).Distinct().OrderBy(v => v).ToArray();
        var t = new ThresholdActivation { Bits = bits, Thresholds = { thresholds } };
        t.Levels.Add(RandomFloats(random, thresholds.Length + 1, -1f, 1f).OrderBy(v => v));
        return new ActivationQuantizer { Thresholds = t };
    }

    public static ActivationQuantizer LogQuant(int bits, int fsr, int step) =>
        new() { LogQuant = new LogQuantActivation { Bits = bits, Fsr = fsr, Step = step } };

    public static ActivationQuantizer Online(int bits, int cycles) =>
        new() { OnlineMultiBinary = new OnlineMultiBinaryActivation { Bits = bits, Cycles = cycles } };

    public static float[] RandomFloats(Random random, int count, float lo, float hi) =>
        Enumerable.Range(0, count).Select(_ => lo + (hi - lo) * (float)random.NextDouble()).ToArray();

    public static string Json(Model model) => QuantGen.Quantizer.DescriptionWriter.ToJson(model);
}
