using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>
/// Post-training quantization of a float description. Every weighted layer's weight tensors go through
/// the weight method; the input of every weighted layer but the first (which sees the raw model input)
/// gets the activation method's quantizer, calibrated on what that input is when the calibration data
/// runs through the model quantized up to that layer. Per-layer overrides and keep-float options change
/// that per layer.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>The simple form: one method for all weights and one for all inputs.</summary>
    public static Model Quantize(Model floatModel, MethodSpec weights, MethodSpec activations, IReadOnlyList<float[]> calibration, string? name = null) =>
        Quantize(floatModel, new QuantizeOptions(weights, activations) { Name = name }, calibration);

    /// <summary>
    /// Quantizes a copy of <paramref name="floatModel"/> (which must have passed validation and hold
    /// only float weights). Bad options (an unknown layer, a method that is not for that side, bits out
    /// of a method's range, calibration missing where needed, a calibration row of the wrong length, an
    /// LSQ step naming no tensor) throw <see cref="ArgumentException"/> with one line naming what and where.
    /// </summary>
    public static Model Quantize(Model floatModel, QuantizeOptions options, IReadOnlyList<float[]> calibration, IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calibration);
        List<Plan> plans = PlanLayers(floatModel, options);
        CheckLsqSteps(floatModel, options);
        bool needsCalibration = plans.Any(p => p.Activations?.NeedsCalibration == true);
        if (needsCalibration && calibration.Count == 0)
        {
            Plan first = plans.First(p => p.Activations?.NeedsCalibration == true);
            throw new MissingCalibrationException(first.ActivationSpec, first.Layer);
        }

        bool trace = calibration.Count > 0 && plans.Any(p => p.Activations?.UsesCalibration == true);
        if (trace)
        {
            CheckCalibrationRows(floatModel, calibration);
        }

        var model = floatModel.Clone();
        model.Name = options.Name ?? ModelNames.Default(floatModel.Name, options.Weights, options.Activations);

        int total = plans.Count, done = 0;
        foreach (Plan plan in plans)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Layer layer = model.Layers[plan.Index];
            if (plan.Weights is not null)
            {
                progress?.Report(new QuantizeProgress(plan.Layer, "weights", done, total));
                foreach (WeightSlot slot in LayerWeights.Of(layer))
                {
                    var tensor = new WeightTensor(slot.Name, slot.Get().Float32.Values.ToArray(), slot.Rows, slot.Cols);
                    slot.Set(plan.Weights.Quantize(tensor));
                }
            }

            if (plan.Activations is not null)
            {
                progress?.Report(new QuantizeProgress(plan.Layer, "activations", done, total));

                // What this input is once the layers before it are quantized: the quantizer sees the values it
                // will see at run time, as in the methods' own training, where each layer receives the
                // quantized network's activations.
                float[] samples = trace && plan.Activations.UsesCalibration ? Samples(model, plan.Index, HiddenSites.Input, calibration, cancellationToken) : [];
                layer.InputQuantizer = plan.Activations.Calibrate(plan.Layer, samples);
                if (LayerShapes.Options(layer) is not null)
                {
                    // Everything the hidden quantizer will quantize, once the layer's input is quantized: every new
                    // h, and in a GRU also every r * (U_n h + d_n), which a tanh does not bound.
                    float[] hidden = trace && plan.Activations.UsesCalibration ? Samples(model, plan.Index, HiddenSites.Hidden, calibration, cancellationToken) : [];
                    RecurrentQuantization.QuantizeHidden(layer, plan.Activations, hidden);
                }
            }

            progress?.Report(new QuantizeProgress(plan.Layer, "done", ++done, total));
        }

        return model;
    }

    /// <summary>What happens to one weighted layer: its weight quantizer and input quantizer, null where it stays float.</summary>
    private sealed record Plan(int Index, string Layer, IWeightQuantizer? Weights, IActivationQuantizer? Activations, MethodSpec ActivationSpec);

    private static List<Plan> PlanLayers(Model model, QuantizeOptions options)
    {
        var weighted = new List<int>();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            IReadOnlyList<WeightSlot> slots = LayerWeights.Of(layer);
            if (slots.Count == 0)
            {
                continue;
            }

            if (slots.Any(s => s.Get().CodecCase != Weights.CodecOneofCase.Float32))
            {
                throw new ArgumentException($"layer '{layer.Name}' is already quantized; quantize from a float description.");
            }

            weighted.Add(i);
        }

        foreach (string name in options.LayerOverrides.Keys)
        {
            if (!weighted.Any(i => model.Layers[i].Name == name))
            {
                bool exists = model.Layers.Any(l => l.Name == name);
                throw new ArgumentException(exists
                    ? $"--layer {name}: layer '{name}' has no weights to quantize; layers with weights: {string.Join(", ", weighted.Select(i => model.Layers[i].Name))}."
                    : $"--layer {name}: no layer is named '{name}'; layers with weights: {string.Join(", ", weighted.Select(i => model.Layers[i].Name))}.");
            }
        }

        var plans = new List<Plan>();
        for (int k = 0; k < weighted.Count; k++)
        {
            int index = weighted[k];
            string name = model.Layers[index].Name;
            MethodSpec weights = options.Weights, activations = options.Activations;
            if (options.LayerOverrides.TryGetValue(name, out MethodSpec? layerSpec))
            {
                if (layerSpec.IsNone)
                {
                    (weights, activations) = (MethodSpec.None, MethodSpec.None);
                }
                else
                {
                    if (k == 0 && !QuantizationMethods.IsWeightMethod(layerSpec.Method))
                    {
                        throw new ArgumentException($"--layer {name}={layerSpec}: '{layerSpec.Method}' quantizes inputs only, and '{name}' takes the raw model input, which is never quantized.");
                    }

                    weights = QuantizationMethods.IsWeightMethod(layerSpec.Method) ? layerSpec : weights;
                    activations = QuantizationMethods.IsActivationMethod(layerSpec.Method) ? layerSpec : activations;
                }
            }

            if ((k == 0 && options.KeepFirstFloat) || (k == weighted.Count - 1 && options.KeepLastFloat))
            {
                (weights, activations) = (MethodSpec.None, MethodSpec.None);
            }

            // The first weighted layer sees the raw model input, which is never quantized.
            if (k == 0)
            {
                activations = MethodSpec.None;
            }

            plans.Add(new Plan(
                index,
                name,
                weights.IsNone ? null : InLayer(name, () => QuantizationMethods.CreateWeightQuantizer(weights, options, name)),
                activations.IsNone ? null : InLayer(name, () => QuantizationMethods.CreateActivationQuantizer(activations, options, name)),
                activations));
        }

        return plans;
    }

    private static T InLayer<T>(string layer, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"layer '{layer}': {e.Message}", e);
        }
    }

    private static void CheckLsqSteps(Model model, QuantizeOptions options)
    {
        if (options.LsqSteps is null)
        {
            return;
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (Layer layer in model.Layers)
        {
            IReadOnlyList<WeightSlot> slots = LayerWeights.Of(layer);
            foreach (WeightSlot slot in slots)
            {
                known.Add(slot.Name);
            }

            if (slots.Count > 0)
            {
                known.Add(layer.Name + ".input");
            }
        }

        foreach (string key in options.LsqSteps.Keys)
        {
            if (!known.Contains(key))
            {
                throw new ArgumentException($"LSQ step '{key}' names no tensor of the model; the names are: {string.Join(", ", known)}.");
            }
        }
    }

    private static void CheckCalibrationRows(Model model, IReadOnlyList<float[]> calibration)
    {
        int length = ModelShape.InputLength(model);
        for (int s = 0; s < calibration.Count; s++)
        {
            if (calibration[s].Length != length)
            {
                throw new ArgumentException($"calibration row {s + 1} has {calibration[s].Length} values; the model takes {length}.");
            }
        }
    }

    /// <summary>Which quantizer sites of a layer one calibration trace gathers.</summary>
    private enum HiddenSites
    {
        /// <summary>The layer's input.</summary>
        Input,

        /// <summary>What a recurrent layer's hidden quantizer quantizes: h' (and a GRU's reset product).</summary>
        Hidden,
    }

    /// <summary>
    /// Every value that reaches the chosen quantizer sites of layer <paramref name="index"/> on the calibration rows,
    /// with the model as quantized so far. The interpreter runs portably (online codes on the scalar path), so the
    /// ranges, and the description, do not depend on the machine that made them.
    /// </summary>
    private static float[] Samples(Model model, int index, HiddenSites sites, IReadOnlyList<float[]> calibration, CancellationToken cancellationToken)
    {
        var samples = new List<float>();
        var interpreter = new ReferenceInterpreter(model, new ReferenceOptions
        {
            Portable = true,
            Observe = (layer, site, values) =>
            {
                bool wanted = sites == HiddenSites.Input ? site == QuantizerSite.Input : site is QuantizerSite.Hidden or QuantizerSite.ResetProduct;
                if (layer == index && wanted)
                {
                    samples.AddRange(values);
                }
            },
        });
        // A recurrent model reads the calibration rows as one sequence (a token or vector per row), so the
        // traced hidden states are those of running text, not of a first step from the zero state. A model with
        // a bidirectional layer runs that sequence whole (its backward half starts from the last row).
        if (LayerShapes.RunsWholeSequences(model))
        {
            cancellationToken.ThrowIfCancellationRequested();
            interpreter.RunSequence(calibration.ToArray());
            return samples.ToArray();
        }

        ReferenceInterpreter.SequenceState sequence = interpreter.NewState();
        foreach (float[] row in calibration)
        {
            cancellationToken.ThrowIfCancellationRequested();
            interpreter.Step(row, sequence);
        }

        return samples.ToArray();
    }
}
