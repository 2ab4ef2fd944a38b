using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Cli.Data;
using QuantGen.InMemory;
using QuantGen.Quantizer;
using QuantGen.Reference;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>Correct top-1 predictions out of a data set's samples.</summary>
public sealed record Accuracy(int Correct, int Total)
{
    public double Value => Total == 0 ? 0 : (double)Correct / Total;

    public override string ToString() => $"{Value.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} ({Correct}/{Total})";
}

/// <summary>
/// Runs models over a data set and counts how often the largest output is the label. By default through
/// the classes the project's generator writes for them (what users ship); optionally through the
/// reference interpreter.
/// </summary>
public static class Evaluator
{
    /// <summary>Generates, compiles and runs every model in one in-memory compilation.</summary>
    public static IReadOnlyList<Accuracy> Generated(IReadOnlyList<Model> models, Dataset data, CancellationToken cancellationToken = default)
    {
        using GeneratedModels compiled = Compile(models, cancellationToken);
        return compiled.Models.Select(m => Count(data, m.OutputLength, m.Predict, cancellationToken)).ToArray();
    }

    public static Accuracy Interpreted(Model model, Dataset data, CancellationToken cancellationToken = default)
    {
        var interpreter = new ReferenceInterpreter(model);
        return Count(data, interpreter.OutputLength, (input, output) => interpreter.Predict(input).CopyTo(output), cancellationToken);
    }

    private static GeneratedModels Compile(IReadOnlyList<Model> models, CancellationToken cancellationToken)
    {
        try
        {
            return GeneratedModels.Compile(models.Select(DescriptionWriter.ToJson).ToArray(), cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw CliException.BadInput(e.Message.Split('\n')[0]);
        }
    }

    private delegate void Predict(ReadOnlySpan<float> input, Span<float> output);

    private static Accuracy Count(Dataset data, int outputLength, Predict predict, CancellationToken cancellationToken)
    {
        var output = new float[outputLength];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            predict(data.Rows[i], output);
            if (ArgMax(output) == data.Labels[i])
            {
                correct++;
            }
        }

        return new Accuracy(correct, data.Count);
    }

    // The first of equal maxima, as numpy's argmax; a NaN output never wins.
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best] || float.IsNaN(values[best]))
            {
                best = k;
            }
        }

        return best;
    }
}
