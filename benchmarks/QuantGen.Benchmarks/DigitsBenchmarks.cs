using System;
using BenchmarkDotNet.Attributes;
using QuantGen.Runtime;

namespace QuantGen.Benchmarks;

// The digits sample's models (64-128-64-10 MLP), generated into this project by the QuantGen generator.

[QuantModel("../../samples/Digits/data/digits.float.qgm.json")]
public partial class DigitsFloat;

[QuantModel("../../samples/Digits/data/digits.uniform8.qgm.json")]
public partial class DigitsUniform8;

[QuantModel("../../samples/Digits/data/digits.uniform4.qgm.json")]
public partial class DigitsUniform4;

[QuantModel("../../samples/Digits/data/digits.uniform2.qgm.json")]
public partial class DigitsUniform2;

[QuantModel("../../samples/Digits/data/digits.alternating2.qgm.json")]
public partial class DigitsAlternating2;

/// <summary>One prediction of the whole generated digits model; each quantized variant against the float one.</summary>
public class DigitsBenchmarks
{
    private readonly DigitsFloat _float = new();
    private readonly DigitsUniform8 _uniform8 = new();
    private readonly DigitsUniform4 _uniform4 = new();
    private readonly DigitsUniform2 _uniform2 = new();
    private readonly DigitsAlternating2 _alternating2 = new();
    private readonly float[] _input = new float[64];
    private readonly float[] _output = new float[10];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (int i = 0; i < _input.Length; i++)
        {
            // The model sees pixel intensities 0..16 divided by 16, as the sample feeds it.
            _input[i] = random.Next(0, 17) / 16f;
        }
    }

    [Benchmark(Baseline = true)]
    public void Float() => _float.Predict(_input, _output);

    [Benchmark]
    public void Uniform8() => _uniform8.Predict(_input, _output);

    [Benchmark]
    public void Uniform4() => _uniform4.Predict(_input, _output);

    [Benchmark]
    public void Uniform2() => _uniform2.Predict(_input, _output);

    [Benchmark]
    public void Alternating2() => _alternating2.Predict(_input, _output);
}
