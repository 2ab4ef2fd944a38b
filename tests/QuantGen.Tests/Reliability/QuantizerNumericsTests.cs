using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// NaN, infinities, -0, huge and subnormal inputs through every activation quantizer, with the
/// parameters at the edges of what the validator accepts: no exception, no table index out of range,
/// and exactly what docs/schema.md says (NaN -> lo / levels[0] / 0 / coded as 0; +-Infinity clamp or
/// take the top level). Checked three ways: the runtime quantizers, the reference, and generated models.
/// </summary>
public sealed class QuantizerNumericsTests
{
    /// <summary>Every special float, then ordinary values, so each quantizer sees them in one vector.</summary>
    public static readonly float[] Specials =
    [
        float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7F800001), float.PositiveInfinity, float.NegativeInfinity,
        -0f, 0f, float.MaxValue, -float.MaxValue, 1e38f, -1e38f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f,
        1.17549435e-38f, 1f, -1f, 0.5f, 0.25f, 2f, -3f, 7.5f,
    ];

    /// <summary>Quantizers at the edges of their valid parameters, by name.</summary>
    public static IEnumerable<(string Name, ActivationQuantizer Quantizer)> EdgeQuantizers()
    {
        foreach (int bits in new[] { 1, 2, 8 })
        {
            yield return ($"uniform{bits}[0,1]", TestModels.UniformActivation(bits, 0f, 1f));
            yield return ($"uniform{bits}[-1e30,1e30]", TestModels.UniformActivation(bits, -1e30f, 1e30f));
            yield return ($"uniform{bits}[1e-30,2e-30]", TestModels.UniformActivation(bits, 1e-30f, 2e-30f));
            yield return ($"uniform{bits}[-5,-4]", TestModels.UniformActivation(bits, -5f, -4f));
            yield return ($"logquant{bits}[-2016,1]", TestModels.LogQuant(bits, -2016, 1));
            yield return ($"logquant{bits}[0,8]", TestModels.LogQuant(bits, 0, 8));
            // The top level at 2^127, the largest the validator accepts.
            int step = bits == 1 ? 1000 : 1, fsr = 2032 - step * ((1 << bits) - 2);
            yield return ($"logquant{bits}[{fsr},{step}]", TestModels.LogQuant(bits, fsr, step));
            yield return ($"online{bits}x0", TestModels.Online(bits, 0));
            yield return ($"online{bits}x3", TestModels.Online(bits, 3));
        }

        var random = new Random(5);
        yield return ("thresholds1", new ActivationQuantizer { Thresholds = new ThresholdActivation { Bits = 1, Thresholds = { 0f }, Levels = { 0f, 1f } } });
        yield return ("thresholds3-hwgq", new ActivationQuantizer { Thresholds = new ThresholdActivation { Bits = 3, Thresholds = { 0f, 0.16f, 0.48f, 0.8f }, Levels = { 0f, 0.32f, 0.64f, 0.96f, 1.28f } } });
        yield return ("thresholds8-huge", new ActivationQuantizer { Thresholds = new ThresholdActivation { Bits = 8, Thresholds = { -3e38f, -1e-45f, 0f, 1e-45f, 3e38f }, Levels = { -float.MaxValue, -1f, -0f, 0f, 1f, float.MaxValue } } });
        yield return ("thresholds8-random", TestModels.Thresholds(random, 8));
    }

    public static TheoryData<string> QuantizerNames() => new(EdgeQuantizers().Select(q => q.Name));

    [Fact]
    public void The_edge_quantizers_are_valid_descriptions()
    {
        foreach ((string name, ActivationQuantizer quantizer) in EdgeQuantizers())
        {
            (Model? model, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(TestModels.Json(IdentityModel(name, quantizer)));
            Assert.True(model is not null, name + ": " + string.Join("; ", errors));
        }
    }

    [Theory]
    [InlineData(1, -3e38f, 3e38f)]
    [InlineData(8, -1e38f, 1e38f)]
    [InlineData(2, -1e38f, 1e38f)]
    [InlineData(8, 0f, 1e-38f)]
    [InlineData(1, 1e-45f, 3e-45f)]
    public void Uniform_ranges_that_float32_cannot_divide_into_levels_are_rejected(int bits, float lo, float hi)
    {
        // Accepted, these made NaN (hi - lo overflows, or n / (hi - lo) does and 0 * Infinity follows)
        // or Infinity (q * (hi - lo) overflows) out of every input.
        (Model? model, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(TestModels.Json(IdentityModel("wide", TestModels.UniformActivation(bits, lo, hi))));
        Assert.Null(model);
        DescriptionError error = Assert.Single(errors);
        Assert.Equal("QG0010", error.Id);
        Assert.Equal("layers[0].inputQuantizer.uniform.hi", error.Path);
        Assert.Contains("cannot be divided into", error.Message);
    }

    [Theory]
    [MemberData(nameof(QuantizerNames))]
    public void Special_inputs_give_the_documented_values_in_the_runtime_and_the_reference(string name)
    {
        ActivationQuantizer q = EdgeQuantizers().Single(e => e.Name == name).Quantizer;
        float[] runtime = RunRuntime(q, Specials);
        float[] reference = Specials.ToArray();
        ReferenceQuantizers.Apply(q, reference);
        for (int i = 0; i < Specials.Length; i++)
        {
            float x = Specials[i];
            Assert.True(SameValue(reference[i], runtime[i]), $"{name}({x:R}): runtime {runtime[i]:R}, reference {reference[i]:R}");
            Assert.True(float.IsFinite(runtime[i]), $"{name}({x:R}) gave {runtime[i]:R}");
            if (q.KindCase != ActivationQuantizer.KindOneofCase.OnlineMultiBinary)
            {
                float documented = Documented(q, x);
                Assert.True(SameValue(documented, runtime[i]), $"{name}({x:R}) gave {runtime[i]:R}; docs/schema.md says {documented:R}");
            }
        }

        if (q.KindCase == ActivationQuantizer.KindOneofCase.OnlineMultiBinary)
        {
            // NaN and infinite elements are coded as 0: the same as the vector with zeros in their place.
            float[] zeroed = Specials.Select(v => float.IsFinite(v) ? v : 0f).ToArray();
            Assert.Equal(RunRuntime(q, zeroed), runtime);
        }
    }

    [Fact]
    public void Generated_models_quantize_special_inputs_exactly_as_the_reference()
    {
        var descriptions = EdgeQuantizers().Select(e => (e.Name, IdentityModel(e.Name, e.Quantizer))).ToList();
        IReadOnlyDictionary<string, ModelCase> cases = CompiledModels.Compile(descriptions);
        var random = new Random(11);
        float[][] inputs =
        [
            Specials,
            Specials.Reverse().ToArray(),
            Enumerable.Range(0, Specials.Length).Select(_ => Specials[random.Next(Specials.Length)]).ToArray(),
            Enumerable.Repeat(float.NaN, Specials.Length).ToArray(),
            Enumerable.Repeat(float.PositiveInfinity, Specials.Length).ToArray(),
            Enumerable.Repeat(-0f, Specials.Length).ToArray(),
        ];
        foreach (ModelCase model in cases.Values)
        {
            foreach (float[] input in inputs)
            {
                var output = new float[input.Length];
                model.Generated.Predict(input, output);
                float[] expected = model.Reference.Predict(input);
                for (int i = 0; i < input.Length; i++)
                {
                    // The identity layer's sum may turn -0 into 0, on either side.
                    Assert.True(expected[i].Equals(output[i]), $"{model.Name}: input {input[i]:R} at {i} gave {output[i]:R}, the reference {expected[i]:R}");
                    Assert.True(float.IsFinite(output[i]), $"{model.Name}: input {input[i]:R} at {i} gave {output[i]:R}");
                }
            }
        }
    }

    /// <summary>The value docs/schema.md gives for one element (not for the online quantizer, which codes whole vectors).</summary>
    private static float Documented(ActivationQuantizer q, float x)
    {
        switch (q.KindCase)
        {
            case ActivationQuantizer.KindOneofCase.Uniform:
            {
                UniformActivation u = q.Uniform;
                if (float.IsNaN(x))
                {
                    return u.Lo;
                }

                float n = (1 << u.Bits) - 1;
                float clamped = x < u.Lo ? u.Lo : x > u.Hi ? u.Hi : x;
                float code = MathF.Round((clamped - u.Lo) * (n / (u.Hi - u.Lo)), MidpointRounding.ToEven);
                Assert.InRange(code, 0f, n);
                return u.Lo + code * (u.Hi - u.Lo) / n;
            }

            case ActivationQuantizer.KindOneofCase.Thresholds:
            {
                ThresholdActivation t = q.Thresholds;
                return float.IsNaN(x) ? t.Levels[0] : t.Levels[t.Thresholds.Count(threshold => x > threshold)];
            }

            default:
            {
                LogQuantActivation l = q.LogQuant;
                if (float.IsNaN(x) || x <= 0f)
                {
                    return 0f;
                }

                int top = (1 << l.Bits) - 2;
                double t = float.IsPositiveInfinity(x) ? double.PositiveInfinity : Math.Round((16 * Math.Log2(x) - l.Fsr) / l.Step, MidpointRounding.ToEven);
                return t < 0 ? 0f : (float)Math.Pow(2, (l.Fsr + l.Step * Math.Min(top, t)) / 16.0);
            }
        }
    }

    private static float[] RunRuntime(ActivationQuantizer q, float[] x)
    {
        var y = new float[x.Length];
        switch (q.KindCase)
        {
            case ActivationQuantizer.KindOneofCase.Uniform:
                ActivationQuantizers.Uniform(x, y, q.Uniform.Bits, q.Uniform.Lo, q.Uniform.Hi);
                break;
            case ActivationQuantizer.KindOneofCase.Thresholds:
                ActivationQuantizers.Thresholds(x, y, q.Thresholds.Thresholds.ToArray(), q.Thresholds.Levels.ToArray());
                break;
            case ActivationQuantizer.KindOneofCase.LogQuant:
                LogQuantActivation l = q.LogQuant;
                float[] levels = Enumerable.Range(0, (1 << l.Bits) - 1).Select(i => ActivationQuantizers.LogQuantLevel(l.Fsr, l.Step, i)).ToArray();
                ActivationQuantizers.LogQuant(x, y, levels, l.Fsr, l.Step);
                break;
            default:
                ActivationQuantizers.OnlineMultiBinary(x, y, q.OnlineMultiBinary.Bits, q.OnlineMultiBinary.Cycles, new float[x.Length]);
                break;
        }

        return y;
    }

    /// <summary>n inputs -> this quantizer -> identity float32 dense -> n outputs: the output is the quantized input, exactly.</summary>
    private static Model IdentityModel(string name, ActivationQuantizer quantizer)
    {
        int n = Specials.Length;
        var model = new Model { Schema = "quantgen.v1", Name = name };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { n } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { n } });
        var weights = new FloatCodec();
        weights.Values.Add(Enumerable.Range(0, n * n).Select(i => i / n == i % n ? 1f : 0f));
        model.Layers.Add(new Layer { Name = "identity", InputQuantizer = quantizer, Dense = new Dense { InFeatures = n, OutFeatures = n, Weights = new Weights { Float32 = weights } } });
        return model;
    }

    /// <summary>Equal values, with -0 and 0 told apart, and NaN equal to NaN.</summary>
    private static bool SameValue(float a, float b) => a.Equals(b) && float.IsNegative(a) == float.IsNegative(b);
}
