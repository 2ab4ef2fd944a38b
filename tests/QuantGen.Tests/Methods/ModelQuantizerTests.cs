using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Methods;

/// <summary>Whole-model quantization of the digits sample: options, errors, and every method end to end.</summary>
public sealed class ModelQuantizerTests
{
    private static readonly float[][] Calibration = DigitsData.Calibration.Take(300).ToArray();

    /// <summary>Writes the description as JSON, reads it back through the validator, and runs the reference interpreter on held-out digits.</summary>
    private static Model RoundTrip(Model model)
    {
        Model loaded = DescriptionLoader.LoadOrThrow(DescriptionWriter.ToJson(model), model.Name + ".qgm.json");
        var interpreter = new ReferenceInterpreter(loaded);
        foreach (float[] x in DigitsData.HeldOut.Inputs.Take(20))
        {
            float[] y = interpreter.Predict(x);
            Assert.Equal(10, y.Length);
            Assert.All(y, v => Assert.True(float.IsFinite(v)));
            Assert.Equal(1.0, y.Sum(v => (double)v), 4);
        }

        return loaded;
    }

    public static IEnumerable<object[]> WeightMethods() => QuantizationMethods.WeightMethods.Select(m => new object[] { m });

    public static IEnumerable<object[]> ActivationMethods() => QuantizationMethods.ActivationMethods.Select(m => new object[] { m });

    [Theory]
    [MemberData(nameof(WeightMethods))]
    public void Every_weight_method_makes_a_valid_description_the_reference_runs(string method)
    {
        int bits = method == "hwgq" ? 1 : 2;
        Model model = ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(new MethodSpec(method, bits), MethodSpec.None), []);
        Model loaded = RoundTrip(model);
        Assert.All(loaded.Layers.Where(l => l.Dense is not null), l => Assert.NotEqual(Weights.CodecOneofCase.Float32, l.Dense.Weights.CodecCase));
    }

    [Theory]
    [MemberData(nameof(ActivationMethods))]
    public void Every_activation_method_makes_a_valid_description_the_reference_runs(string method)
    {
        // 3 bits, or the nearest width the method takes (hwgq-2n: 2 only).
        MethodDescription description = QuantizationMethods.All.Single(m => m.Activations && m.Name == method);
        Model model = ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(MethodSpec.None, new MethodSpec(method, Math.Clamp(3, description.MinBits, description.MaxBits))), Calibration);
        Model loaded = RoundTrip(model);
        Layer[] dense = loaded.Layers.Where(l => l.Dense is not null).ToArray();
        Assert.Null(dense[0].InputQuantizer);
        Assert.All(dense.Skip(1), l => Assert.NotNull(l.InputQuantizer));
    }

    [Fact]
    public void Overrides_and_keep_float_apply_per_layer()
    {
        var options = new QuantizeOptions(MethodSpec.Parse("uniform:4"), MethodSpec.Parse("uniform:4"))
        {
            LayerOverrides = new Dictionary<string, MethodSpec> { ["fc2"] = MethodSpec.Parse("wq:3"), ["fc1"] = MethodSpec.Parse("float") },
            KeepLastFloat = true,
            Name = "digits-mixed",
        };
        Model model = RoundTrip(ModelQuantizer.Quantize(DigitsData.FloatModel, options, Calibration));
        Assert.Equal("digits-mixed", model.Name);
        Dense[] dense = model.Layers.Where(l => l.Dense is not null).Select(l => l.Dense).ToArray();
        Assert.Equal(Weights.CodecOneofCase.Float32, dense[0].Weights.CodecCase);
        Assert.Equal(Weights.CodecOneofCase.Levels, dense[1].Weights.CodecCase);
        Assert.Equal(3, dense[1].Weights.Levels.Bits);
        Assert.Equal(Weights.CodecOneofCase.Float32, dense[2].Weights.CodecCase);
        Layer fc2 = model.Layers.Single(l => l.Name == "fc2");
        Assert.Equal(4, fc2.InputQuantizer.Uniform.Bits); // wq has no activation side: the global uniform:4 stays
        Assert.Null(model.Layers.Single(l => l.Name == "fc3").InputQuantizer);
    }

    [Fact]
    public void An_activation_override_changes_only_the_input()
    {
        var options = new QuantizeOptions(MethodSpec.Parse("alternating:2"), MethodSpec.Parse("uniform:4"))
        {
            LayerOverrides = new Dictionary<string, MethodSpec> { ["fc3"] = MethodSpec.Parse("logquant:3") },
        };
        Model model = RoundTrip(ModelQuantizer.Quantize(DigitsData.FloatModel, options, Calibration));
        Layer fc3 = model.Layers.Single(l => l.Name == "fc3");
        Assert.Equal(Weights.CodecOneofCase.MultiBinary, fc3.Dense.Weights.CodecCase);
        Assert.Equal(ActivationQuantizer.KindOneofCase.LogQuant, fc3.InputQuantizer.KindCase);
    }

    [Fact]
    public void Bad_options_name_what_and_where()
    {
        Model m = DigitsData.FloatModel;
        string Error(QuantizeOptions o, IReadOnlyList<float[]>? calibration = null) =>
            Assert.ThrowsAny<ArgumentException>(() => ModelQuantizer.Quantize(m, o, calibration ?? Calibration)).Message;

        var none = MethodSpec.None;
        Assert.Contains("no layer is named 'fc9'", Error(new QuantizeOptions(none, none) { LayerOverrides = new Dictionary<string, MethodSpec> { ["fc9"] = MethodSpec.Parse("uniform:4") } }));
        Assert.Contains("'relu1' has no weights", Error(new QuantizeOptions(none, none) { LayerOverrides = new Dictionary<string, MethodSpec> { ["relu1"] = MethodSpec.Parse("uniform:4") } }));
        Assert.Contains("'fc1' takes the raw model input", Error(new QuantizeOptions(none, none) { LayerOverrides = new Dictionary<string, MethodSpec> { ["fc1"] = MethodSpec.Parse("logquant:3") } }));
        Assert.Contains("activations 'logquant:3' on layer 'fc2' need calibration data", Error(new QuantizeOptions(none, MethodSpec.Parse("logquant:3")), []));
        Assert.Contains("layer 'fc1': weights method 'uniform' takes 2 to 8 bits, not 1", Error(new QuantizeOptions(MethodSpec.Parse("uniform:1"), none)));
        Assert.Contains("layer 'fc2': activations method 'hwgq' takes 1 to 4 bits, not 6", Error(new QuantizeOptions(none, MethodSpec.Parse("hwgq:6"))));
        Assert.Contains("'logquant' is not a method for weights", Error(new QuantizeOptions(MethodSpec.Parse("logquant:3"), none)));
        Assert.Contains("LSQ step 'fc9.weights' names no tensor", Error(new QuantizeOptions(MethodSpec.Parse("lsq:4"), none) { LsqSteps = new Dictionary<string, float> { ["fc9.weights"] = 0.1f } }));
        Assert.Contains("calibration row 1 has 3 values; the model takes 64", Error(new QuantizeOptions(none, MethodSpec.Parse("uniform:4")), [[1f, 2f, 3f]]));

        // No calibration needed where the quantizer is fixed or computed at run time.
        RoundTrip(ModelQuantizer.Quantize(m, new QuantizeOptions(MethodSpec.Parse("dorefa:2"), MethodSpec.Parse("dorefa:2")), []));
        RoundTrip(ModelQuantizer.Quantize(m, new QuantizeOptions(MethodSpec.Parse("hwgq"), MethodSpec.Parse("alternating")), []));
    }

    [Fact]
    public void The_simple_overload_is_the_options_form_and_calibrates_on_the_quantized_prefix()
    {
        Model simple = ModelQuantizer.Quantize(DigitsData.FloatModel, MethodSpec.Parse("uniform:4"), MethodSpec.Parse("uniform:4"), Calibration, "digits-uniform4");
        Model options = ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(MethodSpec.Parse("uniform:4"), MethodSpec.Parse("uniform:4")) { Name = "digits-uniform4" }, Calibration);
        Assert.Equal(DescriptionWriter.ToJson(options), DescriptionWriter.ToJson(simple));

        // fc3's input range comes from the model whose fc1 and fc2 are already quantized: the top of the
        // range is the 99.9% quantile of what fc3 receives from that model, not from the float one.
        Model partial = ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(MethodSpec.Parse("uniform:4"), MethodSpec.Parse("uniform:4")) { KeepLastFloat = true }, Calibration);
        var interpreter = new ReferenceInterpreter(partial);
        int fc3 = partial.Layers.IndexOf(partial.Layers.Single(l => l.Name == "fc3"));
        float[] seen = Calibration.SelectMany(x => interpreter.Trace(x)[fc3]).Select(Math.Abs).OrderBy(v => v).ToArray();
        float expectedHi = seen[(int)Math.Round(0.999 * (seen.Length - 1))];
        Assert.Equal(expectedHi, simple.Layers[fc3].InputQuantizer.Uniform.Hi);
        var floatInterpreter = new ReferenceInterpreter(DigitsData.FloatModel);
        float[] floatSeen = Calibration.SelectMany(x => floatInterpreter.Trace(x)[fc3]).Select(Math.Abs).OrderBy(v => v).ToArray();
        Assert.NotEqual(floatSeen[(int)Math.Round(0.999 * (floatSeen.Length - 1))], expectedHi);
    }

    [Fact]
    public void Progress_reports_every_layer_and_cancellation_stops()
    {
        var seen = new List<QuantizeProgress>();
        ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(MethodSpec.Parse("wq:2"), MethodSpec.Parse("uniform:2")), Calibration, new SynchronousProgress(seen.Add));
        Assert.Equal(["fc1", "fc2", "fc3"], seen.Where(p => p.Stage == "done").Select(p => p.Layer).ToArray());
        Assert.Equal(3, seen.Last().Done);
        using var cancelled = new System.Threading.CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => ModelQuantizer.Quantize(DigitsData.FloatModel, new QuantizeOptions(MethodSpec.Parse("wq:2"), MethodSpec.None), [], null, cancelled.Token));
    }

    private sealed class SynchronousProgress(Action<QuantizeProgress> report) : IProgress<QuantizeProgress>
    {
        public void Report(QuantizeProgress value) => report(value);
    }
}
