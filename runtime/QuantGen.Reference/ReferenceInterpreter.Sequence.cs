using System;
using QuantGen.Schema;

namespace QuantGen.Reference;

/// <summary>
/// Whole sequences, layer by layer: every layer runs over all the steps before the next one starts, so the
/// backward half of a bidirectional layer (a reverse LSTM or GRU) can run from the last step to the first.
/// The oracle for the generated <c>PredictSequence</c>.
/// </summary>
public sealed partial class ReferenceInterpreter
{
    /// <summary>
    /// Runs <paramref name="inputs"/> (one input vector per step) as one sequence from the zero state and gives
    /// every step's output. For a model without reverse layers the same as stepping it from a new state.
    /// </summary>
    public float[][] RunSequence(float[][] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (float[] input in inputs)
        {
            if (input.Length != InputLength)
            {
                throw new ArgumentException($"Every step takes {InputLength} values, not {input.Length}.", nameof(inputs));
            }
        }

        SequenceState state = NewState();
        float[][] sequence = inputs;
        for (int i = 0; i < _model.Layers.Count; i++)
        {
            Layer layer = _model.Layers[i];
            bool pair = i + 1 < _model.Layers.Count && LayerShapes.IsReverse(_model.Layers[i + 1]);
            float[][] forward = RunLayer(i, sequence, state, reverse: false);
            if (pair)
            {
                float[][] backward = RunLayer(i + 1, sequence, state, reverse: true);
                for (int t = 0; t < forward.Length; t++)
                {
                    forward[t] = [.. forward[t], .. backward[t]];
                }

                i++;
            }

            sequence = forward;
        }

        return sequence;
    }

    /// <summary>One layer over every step, from the first (or, <paramref name="reverse"/>, the last) on.</summary>
    private float[][] RunLayer(int index, float[][] sequence, SequenceState state, bool reverse)
    {
        Layer layer = _model.Layers[index];
        var result = new float[sequence.Length][];
        for (int k = 0; k < sequence.Length; k++)
        {
            int t = reverse ? sequence.Length - 1 - k : k;
            float[] x = (float[])sequence[t].Clone();
            // The same site as a step's: the observer sees the values (calibration) and Portable holds.
            Site(index, QuantizerSite.Input, layer.InputQuantizer, x);

            result[t] = Run(index, layer, x, state);
        }

        return result;
    }

    /// <summary>A bidirectional model's step depends on later steps: it runs only through <see cref="RunSequence"/>.</summary>
    private void RequireStepwise()
    {
        if (LayerShapes.RunsWholeSequences(_model))
        {
            throw new InvalidOperationException("The model has a bidirectional layer (a reverse LSTM or GRU): a step's output depends on the steps after it, so it runs whole sequences only (RunSequence).");
        }
    }
}
