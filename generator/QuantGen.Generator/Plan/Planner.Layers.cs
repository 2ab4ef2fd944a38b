using System;
using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>What each layer kind computes around its matrices, and the working memory and state it needs.</summary>
internal static partial class Planner
{
    private static (string Reason, RecurrencePlan? Recurrence, EquatableArray<int> Window) PlanLayerWork(Layer layer, List<MatrixPlan> matrices, ScratchSizes sizes)
    {
        var noWindow = EquatableArray<int>.Empty;
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Embedding:
                return ("the token's row of the table", null, noWindow);

            case Layer.OpOneofCase.Lstm:
            case Layer.OpOneofCase.Gru:
                return PlanRecurrence(layer, matrices, sizes);

            case Layer.OpOneofCase.Conv2D:
            {
                Conv2d c = layer.Conv2D;
                MatrixPlan m = matrices[0];
                // The batched kernel's own scratch (its padded map, panels or codes); else one patch and its column of outputs.
                sizes.Layer = Math.Max(sizes.Layer, m.Batched ? m.ScratchFloats : m.Cols + c.OutChannels);
                var window = new[] { c.InChannels, c.Height, c.Width, c.KernelH, c.KernelW, c.StrideH, c.StrideW, c.PaddingH, c.PaddingW }.ToEquatableArray();
                return ($"each output position's {m.Cols}-value patch (channel, ky, kx; padding reads 0) times the weights", null, window);
            }

            case Layer.OpOneofCase.MaxPool2D:
            {
                MaxPool2d p = layer.MaxPool2D;
                var window = new[] { p.Channels, p.Height, p.Width, p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PaddingH, p.PaddingW }.ToEquatableArray();
                return ("the maximum of each window", null, window);
            }

            case Layer.OpOneofCase.Clip or Layer.OpOneofCase.LeakyRelu or Layer.OpOneofCase.AvgPool2D or Layer.OpOneofCase.GlobalAvgPool2D or Layer.OpOneofCase.Add or Layer.OpOneofCase.Concat:
                return PlanElementOrJoin(layer);
            case Layer.OpOneofCase.Dense:
                return ("y = W x + b", null, noWindow);
            case Layer.OpOneofCase.Flatten:
                return ("no arithmetic: the vector is already flat", null, noWindow);
            case Layer.OpOneofCase.Relu:
                return ("element-wise max(x, 0)", null, noWindow);
            case Layer.OpOneofCase.Sigmoid:
                return ("element-wise 1 / (1 + exp(-x))", null, noWindow);
            case Layer.OpOneofCase.Tanh:
                return ("element-wise tanh", null, noWindow);
            default:
                return ("exp(x - max) / sum", null, noWindow);
        }
    }

    /// <summary>
    /// An LSTM's or GRU's state and working memory: the two gate products (gates x hidden each), a quantized
    /// copy of h for the recurrent product, and the GRU's reset product (hidden each).
    /// </summary>
    private static (string, RecurrencePlan, EquatableArray<int>) PlanRecurrence(Layer layer, List<MatrixPlan> matrices, ScratchSizes sizes)
    {
        bool lstm = layer.OpCase == Layer.OpOneofCase.Lstm;
        RecurrentOptions options = LayerShapes.Options(layer)!;
        int hidden = LayerShapes.Hidden(layer);
        int gates = LayerShapes.Gates(layer);
        QuantizerPlan? hiddenQuantizer = options.HiddenQuantizer is null ? null : QuantizerPlans.Of(options.HiddenQuantizer);
        QuantizerPlan? recurrentQuantizer = options.RecurrentQuantizer is null ? null : QuantizerPlans.Of(options.RecurrentQuantizer);
        bool resetBefore = layer.Gru?.ResetBeforeProduct == true;
        var plan = new RecurrencePlan(hidden, gates, options.SigmoidCandidate, hiddenQuantizer, recurrentQuantizer, sizes.State, resetBefore);
        sizes.State += lstm ? 2 * hidden : hidden;
        // A reset before the product needs r * h (and its quantized copy) and the second product U (r * h).
        sizes.Layer = Math.Max(sizes.Layer, 2 * gates * hidden + 2 * hidden + (resetBefore ? gates * hidden + 2 * hidden : 0));
        if (hiddenQuantizer is not null)
        {
            sizes.NeedOnlineScratch(hiddenQuantizer, hidden);
        }

        if (recurrentQuantizer is not null && !matrices[1].FusesInput)
        {
            sizes.NeedOnlineScratch(recurrentQuantizer, hidden);
        }

        string reason = (lstm ? "gates i, f, g, o" : "gates r, z, n") + " stacked in one matrix each: W x and U h, then the cell update"
            + (resetBefore ? "; the reset before the product (ONNX linear_before_reset = 0): U (r * h) again for the n rows" : "")
            + (options.SigmoidCandidate ? " with sigmoid in place of tanh (bit-RNN)" : "");
        return (reason, plan, EquatableArray<int>.Empty);
    }
}
