using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;
using QuantGen.Import;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;

namespace QuantGen.Tests.Import;

/// <summary>An ONNX file, its imported description and the class the generator made of it.</summary>
public sealed record ImportedModel(string Path, Model Description, object Generated)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>
/// ONNX Runtime as the oracle of the importer: a file runs in ONNX Runtime and, imported and generated,
/// as compiled C#, on the same seeded random inputs; the outputs must agree within <see cref="Tolerance"/>.
/// Three forms of graph: a feed-forward one (one input, one output, per sample); a recurrent one over a
/// whole sequence ([1, T] token ids or [1, T, features] in, [1, T, ...] out), stepped T times through the
/// generated state; and a step graph (data and the recurrent state in, output and the new state out),
/// which ONNX Runtime and the generated state step side by side for many steps.
/// </summary>
internal static class OnnxRuntimeOracle
{
    /// <summary>Absolute below 1, relative above: |generated - ORT| &lt;= 1e-4 * max(1, |ORT|).</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>Imports every file and generates all of them into one assembly (one compilation is far cheaper than one per file).</summary>
    public static IReadOnlyList<ImportedModel> Compile(IReadOnlyList<string> paths) =>
        Compile(paths.Select(p => (p, OnnxImporter.Import(p))).ToArray());

    /// <summary>Generates each description into one assembly, paired with the ONNX file it stands for.</summary>
    public static IReadOnlyList<ImportedModel> Compile(IReadOnlyList<(string Path, Model Model)> models)
    {
        var files = models.Select((m, i) => (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/onnx/m{i}.qgm.json", TestModels.Json(m.Model))).ToList();
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings(models.Select((_, i) => ($"Onnx{i}", $"onnx/m{i}.qgm.json")), "Tests.Onnx")], files);
        if (run.Result.Diagnostics.Length > 0)
        {
            throw new InvalidOperationException("The generator reported:\n" + string.Join("\n", run.Result.Diagnostics.Take(10)));
        }

        Assembly assembly = run.Load();
        return models.Select((m, i) => new ImportedModel(m.Path, m.Model, Activator.CreateInstance(assembly.GetType($"Tests.Onnx.Onnx{i}")!)!)).ToArray();
    }

    /// <summary>Runs <paramref name="model"/> in ONNX Runtime and as generated code on random inputs and fails on the first output that disagrees.</summary>
    public static void AssertAgrees(ImportedModel model, int seed, int samplesOrSteps)
    {
        using var session = NewSession(model.Path);
        var random = new Random(seed);
        switch (model.Generated)
        {
            case IRecurrentQuantModel recurrent when session.InputMetadata.Count > 1:
                StepGraph(model, session, recurrent, random, samplesOrSteps);
                break;
            case ISequenceQuantModel sequence:
                SequenceGraph(model, session, sequence, random);
                break;
            case IQuantModel feedForward:
                FeedForward(model, session, feedForward, random, samplesOrSteps);
                break;
            default:
                throw new InvalidOperationException($"{model.Name}: the generated class is neither an IQuantModel nor an ISequenceQuantModel");
        }
    }

    private static void FeedForward(ImportedModel model, InferenceSession session, IQuantModel generated, Random random, int samples)
    {
        (string inputName, NodeMetadata input) = session.InputMetadata.Single();
        long[] shape = Concrete(input.Dimensions);
        var output = new float[generated.OutputLength];
        float step = OutputStep(model.Description);
        int offByOneStep = 0;
        for (int s = 0; s < samples; s++)
        {
            float[] x = Floats(random, checked((int)shape.Aggregate(1L, (a, b) => a * b)));
            float[] expected = Run(session, [(inputName, OrtValue.CreateTensorValueFromMemory(x, shape))])[0];
            generated.Predict(x, output);
            offByOneStep += AssertClose(expected, output, $"{model.Name}, sample {s}", step, DynamicQuantizationBound.Of(model, x));
        }

        // A rounding tie decided the other way moves an output by one step; many such outputs would be a fault.
        Assert(offByOneStep <= samples * output.Length / 100, $"{model.Name}: {offByOneStep} of {samples * output.Length} outputs differ by one quantization step; at most 1% may");
    }

    /// <summary>
    /// The step of the output's quantizer (a QDQ model's QuantizeLinear/DequantizeLinear on the graph output
    /// becomes a last layer with a uniform input quantizer), else 0. ONNX rounds x / s half to even and the
    /// uniform quantizer (x - lo) * (n / (hi - lo)): at a tie, or when the sums before it differ in their last
    /// bits (ONNX Runtime fuses QDQ into integer kernels), the two can pick neighbouring levels, one step apart.
    /// </summary>
    private static float OutputStep(Model description)
    {
        UniformActivation? last = description.Layers[^1].InputQuantizer?.Uniform;
        return last is null ? 0f : (last.Hi - last.Lo) / ((1 << last.Bits) - 1);
    }

    /// <summary>
    /// One ORT run over a random sequence ([1, T, ...] batch first or [T, 1, ...] time first); the generated
    /// model runs it whole (PredictSequence, PredictLast) and, when it has a step API, steps through it from the
    /// zero state.
    /// </summary>
    private static void SequenceGraph(ImportedModel model, InferenceSession session, ISequenceQuantModel generated, Random random)
    {
        (string inputName, NodeMetadata input) = session.InputMetadata.Single();
        long[] shape = Concrete(input.Dimensions);
        int steps = checked((int)(shape[0] == 1 ? shape[1] : shape[0]));
        int perStep = checked((int)shape.Skip(2).Aggregate(1L, (a, b) => a * b));
        OrtValue value;
        float[] asFloats;
        if (generated.VocabularySize > 0)
        {
            long[] tokens = Enumerable.Range(0, steps).Select(_ => (long)random.Next(generated.VocabularySize)).ToArray();
            value = OrtValue.CreateTensorValueFromMemory(tokens, shape);
            asFloats = tokens.Select(t => (float)t).ToArray();
        }
        else
        {
            asFloats = Floats(random, steps * perStep);
            value = OrtValue.CreateTensorValueFromMemory(asFloats, shape);
        }

        float[] expected = Run(session, [(inputName, value)])[0];
        var output = new float[generated.OutputLength];
        Assert(expected.Length == steps * output.Length, $"{model.Name}: ONNX Runtime gave {expected.Length} values for {steps} steps of {output.Length}");
        var outputs = new float[steps * output.Length];
        generated.PredictSequence(asFloats, steps, outputs);
        AssertClose(expected, outputs, $"{model.Name}, PredictSequence");
        generated.PredictLast(asFloats, steps, output);
        AssertClose(expected.AsSpan((steps - 1) * output.Length), output, $"{model.Name}, PredictLast");
        if (generated is not IRecurrentQuantModel recurrent)
        {
            return;
        }

        RecurrentState state = recurrent.CreateState();
        for (int t = 0; t < steps; t++)
        {
            StepGenerated(recurrent, asFloats.AsSpan(t * perStep, perStep), state, output);
            AssertClose(expected.AsSpan(t * output.Length, output.Length), output, $"{model.Name}, step {t}");
        }
    }

    /// <summary>
    /// The graph's first input is the data, the others the recurrent state (h, c: [layers, 1, hidden]); the
    /// first output the model's, the others the new state, in the inputs' order. Both start from the same
    /// random state (loaded into the generated one) and step together, ONNX Runtime fed its own new state.
    /// </summary>
    private static void StepGraph(ImportedModel model, InferenceSession session, IRecurrentQuantModel generated, Random random, int steps)
    {
        // The data input first (the description's input), then the state inputs in the graph's order.
        string[] names = session.InputNames.Where(n => n == model.Description.Inputs[0].Name).Concat(session.InputNames.Where(n => n != model.Description.Inputs[0].Name)).ToArray();
        long[][] shapes = names.Select(n => Concrete(session.InputMetadata[n].Dimensions)).ToArray();
        float[][] onnxState = shapes.Skip(1).Select(s => Floats(random, checked((int)s.Aggregate(1L, (a, b) => a * b)))).ToArray();
        RecurrentState state = generated.CreateState();
        state.Load(OnnxStateLayout.ToGenerated(model.Description, onnxState));
        var output = new float[generated.OutputLength];
        int perStep = checked((int)shapes[0].Aggregate(1L, (a, b) => a * b));
        for (int t = 0; t < steps; t++)
        {
            float[] data = generated.VocabularySize > 0 ? [random.Next(generated.VocabularySize)] : Floats(random, perStep);
            OrtValue dataValue = generated.VocabularySize > 0
                ? OrtValue.CreateTensorValueFromMemory(new[] { (long)data[0] }, shapes[0])
                : OrtValue.CreateTensorValueFromMemory(data, shapes[0]);
            var inputs = new List<(string, OrtValue)> { (names[0], dataValue) };
            inputs.AddRange(onnxState.Select((s, i) => (names[i + 1], OrtValue.CreateTensorValueFromMemory(s, shapes[i + 1]))));
            float[][] results = Run(session, inputs);
            StepGenerated(generated, data, state, output);
            AssertClose(results[0], output, $"{model.Name}, step {t}");
            onnxState = results.Skip(1).ToArray();
            AssertClose(OnnxStateLayout.ToGenerated(model.Description, onnxState), state.Values, $"{model.Name}, state after step {t}");
        }
    }

    private static void StepGenerated(IRecurrentQuantModel generated, ReadOnlySpan<float> data, RecurrentState state, Span<float> output)
    {
        if (generated.VocabularySize > 0)
        {
            generated.Step((int)data[0], state, output);
        }
        else
        {
            generated.Step(data, state, output);
        }
    }

    private static InferenceSession NewSession(string path)
    {
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        // On x64 without VNNI, ONNX Runtime multiplies uint8 activations by int8 weights with vpmaddubsw, whose 16-bit pair
        // sums saturate (onnxruntime PR 12088; seen here on an AVX2-only EPYC: outputs 5 to 6 quantization steps off). This
        // option makes it convert such products to uint8 x uint8, which is exact, so the oracle is exact on every machine.
        options.AddSessionConfigEntry("session.x64quantprecision", "1");
        return new InferenceSession(path, options);
    }

    /// <summary>Every output of one run, as floats, in the graph's output order.</summary>
    private static float[][] Run(InferenceSession session, IReadOnlyList<(string Name, OrtValue Value)> inputs)
    {
        try
        {
            using var options = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, inputs.Select(i => i.Name).ToArray(), inputs.Select(i => i.Value).ToArray(), session.OutputNames);
            return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
        finally
        {
            foreach ((string _, OrtValue value) in inputs)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>A graph input's shape with every symbolic dimension (the batch) set to 1.</summary>
    private static long[] Concrete(int[] dimensions) => dimensions.Select(d => d > 0 ? (long)d : 1L).ToArray();

    private static float[] Floats(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string where) => AssertClose(expected, actual, where, 0f, null);

    /// <summary>Within <see cref="Tolerance"/>, or (when <paramref name="step"/> is not 0) within one quantization step; returns how many needed the step.</summary>
    /// <remarks><paramref name="allowed"/>: a further allowance per output (<see cref="DynamicQuantizationBound"/>), or null.</remarks>
    private static int AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string where, float step, float[]? allowed)
    {
        Assert(expected.Length == actual.Length, $"{where}: ONNX Runtime gave {expected.Length} values, the generated code {actual.Length}");
        int stepped = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float bound = Tolerance * Math.Max(1f, Math.Abs(expected[i])) + (allowed?[i] ?? 0f);
            float difference = Math.Abs(actual[i] - expected[i]);
            if (difference > bound)
            {
                Assert(difference <= step + bound, $"{where}, value {i}: generated {actual[i]:R}, ONNX Runtime {expected[i]:R}" + (step > 0 ? $" (more than one quantization step, {step:R}, apart)" : ""));
                stepped++;
            }
        }

        return stepped;
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message);
        }
    }
}
