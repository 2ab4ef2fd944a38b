using System;
using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Benchmarks.ModelSteps;

/// <summary>
/// <c>--batch N</c>: the digits models on N inputs, one Predict per input against one Predict over the batch (which runs
/// the float32 and integer products of a chain of fully connected layers 16 inputs at a time). Thread CPU time per
/// input, fastest of the rounds, the two ways interleaved round by round.
/// </summary>
internal static class BatchTable
{
    public static void Print(IEnumerable<GeneratedStateless> runners, int batch, int rounds, double roundMs)
    {
        var ways = new List<(string Model, string Variant, Action Run)>();
        foreach (GeneratedStateless runner in runners)
        {
            IQuantModel model = runner.Generated;
            float[] inputs = Enumerable.Range(0, batch).SelectMany(_ => Inputs.Pixels).ToArray();
            var outputs = new float[batch * model.OutputLength];
            ways.Add((runner.Model, runner.Variant, () =>
            {
                for (int b = 0; b < batch; b++)
                {
                    model.Predict(inputs.AsSpan(b * model.InputLength, model.InputLength), outputs.AsSpan(b * model.OutputLength, model.OutputLength));
                }
            }));
            ways.Add((runner.Model, runner.Variant, () => model.Predict(inputs, outputs, batch)));
        }

        double[] best = Timing.BestOfRounds(ways.Select(w => w.Run).ToArray(), rounds, roundMs);
        Console.WriteLine($"{batch} inputs per digits model: thread CPU time per input, fastest of {rounds} rounds of ~{roundMs:0} ms CPU, " +
                          "one Predict per input against one Predict over the batch.");
        Console.WriteLine();
        Console.WriteLine("| model | variant | Predict per input, us | Predict over the batch, us per input | batch vs one by one |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        for (int w = 0; w < ways.Count; w += 2)
        {
            Console.WriteLine($"| {ways[w].Model} | {ways[w].Variant} | {best[w] / batch / 1000:0.00} | {best[w + 1] / batch / 1000:0.00} | {best[w] / best[w + 1]:0.00}x |");
        }
    }
}
