using System;
using System.Collections.Generic;
using QuantGen.Schema;

namespace QuantGen.Reference;

/// <summary>
/// Embedding, LSTM, GRU, Conv2d and MaxPool2d, written as quantgen.proto defines them (PyTorch's gate
/// layout and equations), with gate pre-activations accumulated in double.
/// </summary>
public sealed partial class ReferenceInterpreter
{
    /// <summary>The hidden (and, for an LSTM, cell) state of every recurrent layer, carried between steps.</summary>
    public sealed class SequenceState
    {
        internal Dictionary<int, float[]> Hidden { get; } = new Dictionary<int, float[]>();
        internal Dictionary<int, float[]> Cell { get; } = new Dictionary<int, float[]>();

        /// <summary>Back to the zero state, as at the start of a sequence.</summary>
        public void Reset()
        {
            foreach (float[] h in Hidden.Values)
            {
                Array.Clear(h, 0, h.Length);
            }

            foreach (float[] c in Cell.Values)
            {
                Array.Clear(c, 0, c.Length);
            }
        }
    }

    /// <summary>A zero state for <see cref="Step(ReadOnlySpan{float}, SequenceState)"/>.</summary>
    public SequenceState NewState()
    {
        var state = new SequenceState();
        for (int i = 0; i < _model.Layers.Count; i++)
        {
            Layer layer = _model.Layers[i];
            if (layer.OpCase is Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru)
            {
                state.Hidden[i] = new float[LayerShapes.Hidden(layer)];
                state.Cell[i] = new float[LayerShapes.Hidden(layer)];
            }
        }

        return state;
    }

    /// <summary>One time step: runs the model on <paramref name="input"/> and advances <paramref name="state"/>.</summary>
    public float[] Step(ReadOnlySpan<float> input, SequenceState state) => Trace(input, state)[^1];

    /// <summary>One time step of a model whose first layer is an embedding.</summary>
    public float[] Step(int token, SequenceState state) => Step(new float[] { token }, state);

    private static string Key(int layer, string part) => layer + part;

    private float[] Embed(int index, Embedding embedding, float[] x)
    {
        float token = x[0];
        if (!(token >= 0 && token < embedding.NumEmbeddings) || token != Math.Floor(token))
        {
            throw new ArgumentOutOfRangeException("token", token, $"a token id must be an integer from 0 to {embedding.NumEmbeddings - 1}");
        }

        var y = new float[embedding.EmbeddingDim];
        Array.Copy(_weights[Key(index, "")], (long)token * y.Length, y, 0, y.Length);
        return y;
    }

    /// <summary>W x + b for one of a layer's matrices, in double, rounded once to float.</summary>
    private float[] Product(int index, LayerMatrix m, float[] x)
    {
        float[] w = _weights[Key(index, m.Part)];
        var y = new float[m.Rows];
        for (int r = 0; r < m.Rows; r++)
        {
            double sum = m.Bias is null || m.Bias.Count == 0 ? 0.0 : m.Bias[r];
            for (int c = 0; c < m.Cols; c++)
            {
                sum += (double)w[(long)r * m.Cols + c] * x[c];
            }

            y[r] = (float)sum;
        }

        return y;
    }

    /// <summary>The recurrent product U h + d, with h through the recurrent quantizer when there is one.</summary>
    private float[] RecurrentProduct(int index, Layer layer, RecurrentOptions options, float[] h)
    {
        float[] input = (float[])h.Clone();
        Site(index, QuantizerSite.Recurrent, options.RecurrentQuantizer, input);

        return Product(index, LayerShapes.Matrices(layer)[1], input);
    }

    private float[] LstmStep(int index, Layer layer, float[] x, SequenceState state)
    {
        int n = layer.Lstm.HiddenSize;
        RecurrentOptions options = LayerShapes.Options(layer)!;
        float[] h = state.Hidden[index], c = state.Cell[index];
        float[] gx = Product(index, LayerShapes.Matrices(layer)[0], x);
        float[] gh = RecurrentProduct(index, layer, options, h);
        var next = new float[n];
        for (int k = 0; k < n; k++)
        {
            float i = Sigmoid(gx[k] + gh[k]);
            float f = Sigmoid(gx[n + k] + gh[n + k]);
            float g = Tanh(gx[2 * n + k] + gh[2 * n + k]);
            float o = Sigmoid(gx[3 * n + k] + gh[3 * n + k]);
            c[k] = f * c[k] + i * g;
            next[k] = o * (options.SigmoidCandidate ? Sigmoid(c[k]) : Tanh(c[k]));
        }

        Site(index, QuantizerSite.Hidden, options.HiddenQuantizer, next);

        Array.Copy(next, h, n);
        return next;
    }

    private float[] GruStep(int index, Layer layer, float[] x, SequenceState state)
    {
        int n = layer.Gru.HiddenSize;
        RecurrentOptions options = LayerShapes.Options(layer)!;
        float[] h = state.Hidden[index];
        float[] gx = Product(index, LayerShapes.Matrices(layer)[0], x);
        float[] gh = RecurrentProduct(index, layer, options, h);
        var z = new float[n];
        var reset = new float[n];
        for (int k = 0; k < n; k++)
        {
            z[k] = Sigmoid(gx[n + k] + gh[n + k]);
            reset[k] = Sigmoid(gx[k] + gh[k]) * gh[2 * n + k];
        }

        if (layer.Gru.ResetBeforeProduct)
        {
            // ONNX's linear_before_reset = 0: r * h goes through U (its n rows are used), d_n added.
            var resetHidden = new float[n];
            for (int k = 0; k < n; k++)
            {
                resetHidden[k] = Sigmoid(gx[k] + gh[k]) * h[k];
            }

            Array.Copy(RecurrentProduct(index, layer, options, resetHidden), 2 * n, reset, 0, n);
        }

        Site(index, QuantizerSite.ResetProduct, options.HiddenQuantizer, reset);

        var next = new float[n];
        for (int k = 0; k < n; k++)
        {
            float candidate = gx[2 * n + k] + reset[k];
            float c = options.SigmoidCandidate ? Sigmoid(candidate) : Tanh(candidate);
            next[k] = (1f - z[k]) * c + z[k] * h[k];
        }

        Site(index, QuantizerSite.Hidden, options.HiddenQuantizer, next);

        Array.Copy(next, h, n);
        return next;
    }

    private float[] Convolve(int index, Conv2d conv, float[] x)
    {
        float[] w = _weights[Key(index, "")];
        int oh = (int)LayerShapes.Out(conv.Height, conv.KernelH, conv.StrideH, conv.PaddingH);
        int ow = (int)LayerShapes.Out(conv.Width, conv.KernelW, conv.StrideW, conv.PaddingW);
        var y = new float[conv.OutChannels * oh * ow];
        for (int o = 0; o < conv.OutChannels; o++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int col = 0; col < ow; col++)
                {
                    double sum = conv.Bias.Count == 0 ? 0.0 : conv.Bias[o];
                    for (int ci = 0; ci < conv.InChannels; ci++)
                    {
                        for (int ky = 0; ky < conv.KernelH; ky++)
                        {
                            for (int kx = 0; kx < conv.KernelW; kx++)
                            {
                                int iy = r * conv.StrideH - conv.PaddingH + ky;
                                int ix = col * conv.StrideW - conv.PaddingW + kx;
                                if (iy < 0 || iy >= conv.Height || ix < 0 || ix >= conv.Width)
                                {
                                    continue;
                                }

                                float weight = w[(((long)o * conv.InChannels + ci) * conv.KernelH + ky) * conv.KernelW + kx];
                                sum += (double)weight * x[(ci * conv.Height + iy) * conv.Width + ix];
                            }
                        }
                    }

                    y[(o * oh + r) * ow + col] = (float)sum;
                }
            }
        }

        return y;
    }

    private static float[] MaxPool(MaxPool2d pool, float[] x)
    {
        int oh = (int)LayerShapes.Out(pool.Height, pool.KernelH, pool.StrideH, pool.PaddingH);
        int ow = (int)LayerShapes.Out(pool.Width, pool.KernelW, pool.StrideW, pool.PaddingW);
        var y = new float[pool.Channels * oh * ow];
        for (int ch = 0; ch < pool.Channels; ch++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int col = 0; col < ow; col++)
                {
                    float max = float.NegativeInfinity;
                    for (int ky = 0; ky < pool.KernelH; ky++)
                    {
                        for (int kx = 0; kx < pool.KernelW; kx++)
                        {
                            int iy = r * pool.StrideH - pool.PaddingH + ky;
                            int ix = col * pool.StrideW - pool.PaddingW + kx;
                            if (iy >= 0 && iy < pool.Height && ix >= 0 && ix < pool.Width)
                            {
                                float v = x[(ch * pool.Height + iy) * pool.Width + ix];
                                max = float.IsNaN(v) || float.IsNaN(max) ? float.NaN : Math.Max(max, v);
                            }
                        }
                    }

                    y[(ch * oh + r) * ow + col] = max;
                }
            }
        }

        return y;
    }

    private static float Sigmoid(float v) => (float)(1.0 / (1.0 + Math.Exp(-v)));

    private static float Tanh(float v) => (float)Math.Tanh(v);
}
