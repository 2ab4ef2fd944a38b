using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Methods;

/// <summary>
/// Where the methods' official code rounds a tie one way and QuantGen used to round it the other, the
/// runtime, the reference interpreter and the generated code now follow the official rule (each case
/// here failed before): LogQuant's index rounds half away from zero (CUDA's round), and an alternating
/// code at equal distance from two sums takes the larger one (an exact 0 gets the positive code).
/// </summary>
public sealed class OfficialRoundingTests
{
    // 3 bits, fsr -15, step 6: x = 1 gives (16 log2 1 + 15) / 6 = 2.5 exactly; the official rule takes
    // index 3, 2^((-15 + 18) / 16) = 1.138789 (half to even took 2: 2^(-3/16) = 0.878126).
    private static readonly LogQuantActivation Log = new() { Bits = 3, Fsr = -15, Step = 6 };

    [Fact]
    public void LogQuant_rounds_a_tie_half_away_from_zero_in_the_runtime_and_the_reference()
    {
        Assert.Equal(1.138789f, ReferenceQuantizers.LogQuant(1f, Log), 6);
        // fsr -3: x = 1 gives t = 0.5 -> index 1, 2^(3/16) (half to even: index 0, 2^(-3/16)).
        Assert.Equal(1.138789f, ReferenceQuantizers.LogQuant(1f, new LogQuantActivation { Bits = 3, Fsr = -3, Step = 6 }), 6);

        float[] levels = Enumerable.Range(0, 7).Select(i => ActivationQuantizers.LogQuantLevel(-15, 6, i)).ToArray();
        float[] x = [1f, 0.5f];
        var y = new float[2];
        ActivationQuantizers.LogQuant(x, y, levels, -15, 6);
        Assert.Equal(1.138789f, y[0], 6);
        // 0.5: (-16 + 15) / 6 rounds to 0: 2^(-15/16).
        Assert.Equal(MathF.Pow(2f, -15f / 16f), y[1], 6);
    }

    [Fact]
    public void An_exact_zero_takes_the_positive_alternating_code()
    {
        float[] x = [0f, 1f, -1f];
        var alphas = new float[1];
        var y = new float[3];
        AlternatingQuantizer.Quantize(x, 1, 2, alphas, y, default);
        Assert.Equal([2f / 3, 2f / 3, -2f / 3], y, new Tolerance(1e-6f));
    }

    [Fact]
    public void An_exact_zero_takes_the_positive_code_on_the_vector_path_too()
    {
        // 48 values: whole 16-wide vectors go through the AVX-512 assignment where the machine has it.
        float[] x = Enumerable.Range(0, 48).Select(i => (float)(i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : -1)).ToArray();
        var alphas = new float[1];
        var y = new float[48];
        AlternatingQuantizer.Quantize(x, 1, 2, alphas, y, default);
        for (int i = 0; i < 48; i += 3)
        {
            Assert.Equal(2f / 3, y[i], 6);
        }
    }

    [Fact]
    public void The_generated_code_follows_both_rules()
    {
        string Identity(string quantizer) =>
            "{\"schema\":\"quantgen.v1\",\"inputs\":[{\"shape\":[3]}],\"outputs\":[{\"shape\":[3]}],\"layers\":[{\"inputQuantizer\":" + quantizer +
            ",\"dense\":{\"inFeatures\":3,\"outFeatures\":3,\"weights\":{\"float32\":{\"values\":[1,0,0,0,1,0,0,0,1]}}}}]}";
        var descriptions = new List<(string, Model)>
        {
            ("logquant", DescriptionLoader.LoadOrThrow(Identity("{\"logQuant\":{\"bits\":3,\"fsr\":-15,\"step\":6}}"), "logquant.qgm.json")),
            ("online", DescriptionLoader.LoadOrThrow(Identity("{\"onlineMultiBinary\":{\"bits\":1,\"cycles\":2}}"), "online.qgm.json")),
        };
        IReadOnlyDictionary<string, ModelCase> models = CompiledModels.Compile(descriptions);

        var y = new float[3];
        models["logquant"].Generated.Predict([1f, 0.5f, -1f], y);
        Assert.Equal([1.138789f, MathF.Pow(2f, -15f / 16f), 0f], y, new Tolerance(1e-6f));
        models["online"].Generated.Predict([0f, 1f, -1f], y);
        Assert.Equal([2f / 3, 2f / 3, -2f / 3], y, new Tolerance(1e-6f));
    }

    private sealed class Tolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= epsilon;

        public int GetHashCode(float v) => 0;
    }
}
