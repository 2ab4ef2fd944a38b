using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Reference;

/// <summary>
/// Executes a description directly: weights dequantized to float once, then for each layer the input
/// quantizer and the operation, one value at a time, dot products accumulated in double. Slow, plain
/// and obviously right: the oracle for every generated kernel.
/// </summary>
public sealed partial class ReferenceInterpreter
{
    private readonly Model _model;
    /// <summary>Every weight matrix dequantized, keyed by <see cref="Key"/> (layer index and part).</summary>
    private readonly Dictionary<string, float[]> _weights = new Dictionary<string, float[]>();
    private readonly ReferenceOptions _options;

    /// <summary>What each layer reads: earlier layers' indices, or <see cref="LayerGraph.ModelInput"/>.</summary>
    private readonly int[][] _sources;

    /// <summary>Interprets a model that has passed <see cref="DescriptionValidator"/>.</summary>
    public ReferenceInterpreter(Model model)
        : this(model, new ReferenceOptions())
    {
    }

    /// <summary>Interprets a model that has passed <see cref="DescriptionValidator"/>, portably or watching its quantizer sites.</summary>
    public ReferenceInterpreter(Model model, ReferenceOptions options)
    {
        _model = model;
        _options = options;
        InputLength = ModelShape.InputLength(model);
        _sources = LayerGraph.Sources(model);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            foreach (LayerMatrix m in LayerShapes.Matrices(model.Layers[i]))
            {
                _weights[Key(i, m.Part)] = DequantizedWeights.Of(m.Weights!, m.Rows, m.Cols);
            }
        }

        OutputLength = ModelShape.OutputLength(model);
    }

    /// <summary>Reads, validates and interprets a description's JSON text.</summary>
    public static ReferenceInterpreter FromJson(string json, string fileName = "model") =>
        new ReferenceInterpreter(DescriptionLoader.LoadOrThrow(json, fileName));

    public int InputLength { get; }
    public int OutputLength { get; }

    /// <summary>Runs the model once; a recurrent model runs one step from the zero state.</summary>
    public float[] Predict(ReadOnlySpan<float> input) => Trace(input)[^1];

    /// <summary>
    /// Runs the model and returns what each layer received, before its input quantizer (index i for
    /// layer i; an Add's or Concat's first input), then the output (last index): what calibration needs.
    /// </summary>
    public float[][] Trace(ReadOnlySpan<float> input) => Trace(input, NewState());

    /// <summary>Like <see cref="Trace(ReadOnlySpan{float})"/>, as one step of a sequence: advances <paramref name="state"/>.</summary>
    public float[][] Trace(ReadOnlySpan<float> input, SequenceState state)
    {
        RequireStepwise();
        if (input.Length != InputLength)
        {
            throw new ArgumentException($"The model takes {InputLength} values, not {input.Length}.", nameof(input));
        }

        var trace = new float[_model.Layers.Count + 1][];
        var outputs = new float[_model.Layers.Count][];
        float[] modelInput = input.ToArray();
        for (int i = 0; i < _model.Layers.Count; i++)
        {
            Layer layer = _model.Layers[i];
            float[][] reads = Array.ConvertAll(_sources[i], s => s == LayerGraph.ModelInput ? modelInput : outputs[s]);
            trace[i] = (float[])reads[0].Clone();
            if (LayerGraph.JoinsInputs(layer))
            {
                outputs[i] = Join(layer, reads);
                continue;
            }

            float[] x = (float[])reads[0].Clone();
            Site(i, QuantizerSite.Input, layer.InputQuantizer, x);

            outputs[i] = Run(i, layer, x, state);
        }

        trace[^1] = outputs[^1];
        return trace;
    }

    private float[] Run(int index, Layer layer, float[] x, SequenceState state)
    {
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Dense:
            {
                Dense dense = layer.Dense;
                float[] w = _weights[Key(index, "")];
                var y = new float[dense.OutFeatures];
                for (int r = 0; r < y.Length; r++)
                {
                    double sum = dense.Bias.Count == 0 ? 0.0 : dense.Bias[r];
                    for (int c = 0; c < dense.InFeatures; c++)
                    {
                        sum += (double)w[(long)r * dense.InFeatures + c] * x[c];
                    }

                    y[r] = (float)sum;
                }

                return y;
            }

            case Layer.OpOneofCase.Flatten:
                return x;
            case Layer.OpOneofCase.Relu:
                return Array.ConvertAll(x, v => v < 0f ? 0f : v);
            case Layer.OpOneofCase.Sigmoid:
                return Array.ConvertAll(x, v => (float)(1.0 / (1.0 + Math.Exp(-v))));
            case Layer.OpOneofCase.Tanh:
                return Array.ConvertAll(x, v => (float)Math.Tanh(v));
            case Layer.OpOneofCase.Softmax:
            {
                double max = double.NegativeInfinity;
                foreach (float v in x)
                {
                    max = Math.Max(max, v);
                }

                double[] e = Array.ConvertAll(x, v => Math.Exp(v - max));
                double sum = 0;
                foreach (double v in e)
                {
                    sum += v;
                }

                return Array.ConvertAll(e, v => (float)(v / sum));
            }

            case Layer.OpOneofCase.Embedding:
                return Embed(index, layer.Embedding, x);
            case Layer.OpOneofCase.Lstm:
                return LstmStep(index, layer, x, state);
            case Layer.OpOneofCase.Gru:
                return GruStep(index, layer, x, state);
            case Layer.OpOneofCase.Conv2D:
                return Convolve(index, layer.Conv2D, x);
            case Layer.OpOneofCase.MaxPool2D:
                return MaxPool(layer.MaxPool2D, x);
            case Layer.OpOneofCase.Clip:
            case Layer.OpOneofCase.LeakyRelu:
            case Layer.OpOneofCase.AvgPool2D:
            case Layer.OpOneofCase.GlobalAvgPool2D:
                return RunElementOrPool(layer, x);
            default:
                throw new InvalidOperationException($"layer {index} has no operation");
        }
    }
}
