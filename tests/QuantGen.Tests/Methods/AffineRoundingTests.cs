using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Methods;

/// <summary>
/// Affine activations follow ONNX's QuantizeLinear: x / scale is rounded (half to even) and then the zero point is
/// added. uint8, scale 0.5, zero point 11: x = 0.25 gives round(0.5) + 11 = 11, dequantized 0; rounding
/// x / scale + zero point instead (the old rule) gave round(11.5) = 12, dequantized 0.5.
/// </summary>
public sealed class AffineRoundingTests
{
    private static readonly UniformActivation Onnx = new() { Bits = 8, Lo = -11 * 0.5f, Hi = (255 - 11) * 0.5f, Scale = 0.5f, ZeroPoint = 11 };

    // x, ONNX's dequantized result: the tie cases, a value between levels, saturation both ways, NaN at code 0.
    private static readonly float[] X = [0.25f, 0.75f, -0.25f, 1.3f, 1000f, -1000f, float.NaN];
    private static readonly float[] Expected = [0f, 1f, 0f, 1.5f, 122f, -5.5f, -5.5f];

    [Fact]
    public void The_runtime_and_the_reference_round_x_over_scale_before_adding_the_zero_point()
    {
        var y = new float[X.Length];
        ActivationQuantizers.Affine(X, y, 8, 0.5f, 11);
        Assert.Equal(Expected, y);
        Assert.Equal(Expected, X.Select(v => ReferenceQuantizers.Uniform(v, Onnx)).ToArray());
    }

    [Fact]
    public void The_generated_code_follows_onnx_too()
    {
        var model = new Model { Schema = "quantgen.v1", Name = "affine" };
        model.Inputs.Add(new TensorInfo { Shape = { X.Length } });
        model.Outputs.Add(new TensorInfo { Shape = { X.Length } });
        var identity = new Dense { InFeatures = X.Length, OutFeatures = X.Length, Weights = new Weights { Float32 = new FloatCodec() } };
        for (int r = 0; r < X.Length; r++)
        {
            identity.Weights.Float32.Values.Add(Enumerable.Range(0, X.Length).Select(c => c == r ? 1f : 0f));
        }

        // NaN times a zero weight would spread to every output; the identity's NaN row is checked in the runtime test.
        float[] input = X.Select(v => float.IsNaN(v) ? 3.26f : v).ToArray();
        float[] expected = [.. Expected[..^1], 3.5f];
        model.Layers.Add(new Layer { Name = "identity", InputQuantizer = new ActivationQuantizer { Uniform = Onnx }, Dense = identity });
        IReadOnlyDictionary<string, ModelCase> models = CompiledModels.Compile([("affine", DescriptionLoader.LoadOrThrow(TestModels.Json(model), "affine.qgm.json"))]);
        var y = new float[X.Length];
        models["affine"].Generated.Predict(input, y);
        Assert.Equal(expected, y);
        Assert.Equal(expected, new ReferenceInterpreter(model).Predict(input));
    }

    [Fact]
    public void The_affine_method_writes_onnx_scale_and_zero_point()
    {
        var random = new Random(2);
        float[] samples = Enumerable.Range(0, 5000).Select(_ => (float)(random.NextDouble() * 5 - 1)).ToArray();
        UniformActivation u = QuantizationMethods.CreateActivationQuantizer(MethodSpec.Parse("affine:4")).Calibrate("fc2", samples).Uniform;
        Assert.True(u.Scale > 0f);
        Assert.InRange(u.ZeroPoint, 1, 14);
        Assert.Equal(-u.ZeroPoint * u.Scale, u.Lo);
        Assert.Equal((15 - u.ZeroPoint) * u.Scale, u.Hi);
        Assert.Empty(Errors(u));
    }

    [Fact]
    public void A_range_that_is_not_the_affine_grid_is_refused()
    {
        var wrong = new UniformActivation(Onnx) { Hi = 120f };
        DescriptionError error = Assert.Single(Errors(wrong));
        Assert.Contains("affine grid", error.Message);
        var outOfRange = new UniformActivation(Onnx) { ZeroPoint = 300 };
        Assert.Contains("not a 8-bit code", Assert.Single(Errors(outOfRange)).Message);
    }

    private static IReadOnlyList<DescriptionError> Errors(UniformActivation u) => DescriptionLoader.Load(TestModels.Json(Wrap(u))).Errors;

    private static Model Wrap(UniformActivation u)
    {
        var model = new Model { Schema = "quantgen.v1", Name = "wrap" };
        model.Inputs.Add(new TensorInfo { Shape = { 2 } });
        model.Outputs.Add(new TensorInfo { Shape = { 1 } });
        model.Layers.Add(new Layer { Name = "fc", InputQuantizer = new ActivationQuantizer { Uniform = u }, Dense = new Dense { InFeatures = 2, OutFeatures = 1, Weights = new Weights { Float32 = new FloatCodec { Values = { 1f, 1f } } } } });
        return model;
    }
}
