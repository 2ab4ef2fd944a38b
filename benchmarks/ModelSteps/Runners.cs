using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace QuantGen.Benchmarks.ModelSteps;

/// <summary>One row of the table: something that runs one step (or one inference) of a model, without allocating.</summary>
internal abstract class Runner : IDisposable
{
    protected Runner(string model, string variant)
    {
        Model = model;
        Variant = variant;
    }

    public string Model { get; }

    public string Variant { get; }

    /// <summary>The generated class's WeightBytes, or null for ONNX Runtime.</summary>
    public abstract long? WeightBytes { get; }

    /// <summary>The output of the last step.</summary>
    public abstract ReadOnlySpan<float> Output { get; }

    /// <summary>Back to the start of a sequence (zero state); nothing for a stateless model.</summary>
    public abstract void Reset();

    /// <summary>Step <paramref name="i"/>: a recurrent model reads token <c>Inputs.Tokens[i % n]</c>, a stateless one its fixed input.</summary>
    public abstract void Step(int i);

    public virtual void Dispose()
    {
    }
}

/// <summary>The inputs every runner of a run shares.</summary>
internal static class Inputs
{
    /// <summary>Token ids the language models step through (seeded), a power of two in length.</summary>
    public static readonly int[] Tokens = MakeTokens();

    /// <summary>Token ids of the correctness check.</summary>
    public static readonly int[] CheckTokens = [5, 17, 62, 0, 33, 8, 41, 29];

    /// <summary>A fixed 8x8 digit-like input in [0, 1] (seeded) for the digits models' timing.</summary>
    public static readonly float[] Pixels = MakePixels(new Random(64));

    /// <summary>Inputs of the correctness check of the digits models.</summary>
    public static readonly float[][] CheckPixels = Enumerable.Range(0, 4).Select(s => MakePixels(new Random(100 + s))).ToArray();

    private static int[] MakeTokens()
    {
        var random = new Random(63);
        return Enumerable.Range(0, 1024).Select(_ => random.Next(63)).ToArray();
    }

    private static float[] MakePixels(Random random) => Enumerable.Range(0, 64).Select(_ => random.Next(17) / 16f).ToArray();
}

/// <summary>A generated recurrent model through its Step(int token, state, logits).</summary>
internal sealed class GeneratedRecurrent : Runner
{
    private readonly IRecurrentQuantModel _model;
    private readonly QuantGen.Runtime.RecurrentState _state;
    private readonly float[] _output;

    public GeneratedRecurrent(string model, string variant, IRecurrentQuantModel generated)
        : base(model, variant)
    {
        _model = generated;
        _state = generated.CreateState();
        _output = new float[generated.OutputLength];
    }

    public override long? WeightBytes => _model.WeightBytes;

    /// <summary>The generated class, for the states table (StatesTable.cs).</summary>
    public IRecurrentQuantModel Generated => _model;

    public override ReadOnlySpan<float> Output => _output;

    public override void Reset() => _state.Reset();

    public override void Step(int i) => _model.Step(Inputs.Tokens[i & (Inputs.Tokens.Length - 1)], _state, _output);

    public void StepToken(int token) => _model.Step(token, _state, _output);
}

/// <summary>A generated stateless model through Predict(input, output) on one input.</summary>
internal sealed class GeneratedStateless : Runner
{
    private readonly IQuantModel _model;
    private readonly float[] _output;

    public GeneratedStateless(string model, string variant, IQuantModel generated)
        : base(model, variant)
    {
        _model = generated;
        _output = new float[generated.OutputLength];
    }

    public override long? WeightBytes => _model.WeightBytes;

    public override ReadOnlySpan<float> Output => _output;

    public override void Reset()
    {
    }

    public override void Step(int i) => _model.Predict(Inputs.Pixels, _output);

    public void Predict(float[] input) => _model.Predict(input, _output);

    /// <summary>The generated class, for the batch table (BatchTable.cs).</summary>
    public IQuantModel Generated => _model;
}

/// <summary>
/// A step graph (token, h[, c]) -> (logits, h_out[, c_out]) in ONNX Runtime. Two sets of preallocated state
/// tensors and two IO bindings alternate: step t reads set A and writes set B, step t+1 the other way, so no
/// tensor is created or copied per step on our side.
/// </summary>
internal sealed class OrtRecurrent : Runner
{
    private readonly OrtRunnerCore _core;
    private readonly long[] _token = new long[1];
    private readonly float[] _logits;
    private readonly float[][] _state;
    private readonly List<OrtValue> _values = new();
    private readonly OrtIoBinding[] _bindings = new OrtIoBinding[2];
    private int _next;

    public OrtRecurrent(string model, string path, int layers, int hidden, int vocabulary, bool lstm)
        : base(model, $"ONNX Runtime {OrtRunnerCore.Version} float32")
    {
        _core = new OrtRunnerCore(path);
        _logits = new float[vocabulary];
        int sets = lstm ? 4 : 2; // h A, h B (, c A, c B)
        _state = Enumerable.Range(0, sets).Select(_ => new float[layers * hidden]).ToArray();
        long[] stateShape = [layers, 1, hidden];
        OrtValue token = Add(OrtValue.CreateTensorValueFromMemory(_token, [1, 1]));
        OrtValue logits = Add(OrtValue.CreateTensorValueFromMemory(_logits, [1, vocabulary]));
        OrtValue[] state = _state.Select(s => Add(OrtValue.CreateTensorValueFromMemory(s, stateShape))).ToArray();
        for (int b = 0; b < 2; b++)
        {
            OrtIoBinding binding = _core.Session.CreateIoBinding();
            binding.BindInput("token", token);
            binding.BindInput("h", state[b]);
            binding.BindOutput("logits", logits);
            binding.BindOutput("h_out", state[1 - b]);
            if (lstm)
            {
                binding.BindInput("c", state[2 + b]);
                binding.BindOutput("c_out", state[3 - b]);
            }

            _bindings[b] = binding;
        }
    }

    public override long? WeightBytes => null;

    public override ReadOnlySpan<float> Output => _logits;

    public override void Reset()
    {
        foreach (float[] s in _state)
        {
            Array.Clear(s);
        }

        _next = 0;
    }

    public override void Step(int i) => StepToken(Inputs.Tokens[i & (Inputs.Tokens.Length - 1)]);

    public void StepToken(int token)
    {
        _token[0] = token;
        _core.Session.RunWithBinding(_core.RunOptions, _bindings[_next]);
        _next ^= 1;
    }

    public override void Dispose()
    {
        foreach (OrtIoBinding b in _bindings)
        {
            b.Dispose();
        }

        foreach (OrtValue v in _values)
        {
            v.Dispose();
        }

        _core.Dispose();
    }

    private OrtValue Add(OrtValue value)
    {
        _values.Add(value);
        return value;
    }
}

/// <summary>A stateless ONNX model (one input, one output; the batch dimension set to 1) in ONNX Runtime, through one IO binding.</summary>
internal sealed class OrtStateless : Runner
{
    private readonly OrtRunnerCore _core;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;

    public OrtStateless(string model, string path)
        : base(model, $"ONNX Runtime {OrtRunnerCore.Version} float32")
    {
        _core = new OrtRunnerCore(path);
        (string inputName, NodeMetadata input) = _core.Session.InputMetadata.Single();
        (string outputName, NodeMetadata output) = _core.Session.OutputMetadata.First();
        long[] inputShape = input.Dimensions.Select(d => d < 0 ? 1L : d).ToArray();
        long[] outputShape = output.Dimensions.Select(d => d < 0 ? 1L : d).ToArray();
        _input = new float[inputShape.Aggregate(1L, (a, d) => a * d)];
        _output = new float[outputShape.Aggregate(1L, (a, d) => a * d)];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, inputShape);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, outputShape);
        _binding = _core.Session.CreateIoBinding();
        _binding.BindInput(inputName, _inputValue);
        _binding.BindOutput(outputName, _outputValue);
        Inputs.Pixels.CopyTo(_input, 0);
    }

    public override long? WeightBytes => null;

    public override ReadOnlySpan<float> Output => _output;

    public override void Reset()
    {
    }

    public override void Step(int i) => _core.Session.RunWithBinding(_core.RunOptions, _binding);

    public void Predict(float[] input)
    {
        input.CopyTo(_input, 0);
        Step(0);
        Inputs.Pixels.CopyTo(_input, 0);
    }

    public override void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _core.Dispose();
    }
}

/// <summary>One session on one thread, sequential execution, all graph optimizations.</summary>
internal sealed class OrtRunnerCore : IDisposable
{
    private readonly SessionOptions _options;

    public OrtRunnerCore(string path)
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        Session = new InferenceSession(path, _options);
        RunOptions = new RunOptions();
    }

    /// <summary>The ONNX Runtime package's version (the managed assembly's).</summary>
    public static string Version => typeof(InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "?";

    public InferenceSession Session { get; }

    public RunOptions RunOptions { get; }

    public void Dispose()
    {
        RunOptions.Dispose();
        Session.Dispose();
        _options.Dispose();
    }
}
