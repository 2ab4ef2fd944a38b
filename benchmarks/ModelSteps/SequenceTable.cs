using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Runtime;

namespace QuantGen.Benchmarks.ModelSteps;

/// <summary>
/// <c>--sequence N</c>: one sequence of N tokens through each language model, Step token by token against
/// PredictSequence (which runs a model layer by layer where an LSTM/GRU input product has a batched form, 16 steps per
/// call). Thread CPU time per token, fastest of the rounds, the two ways interleaved round by round.
/// </summary>
internal static class SequenceTable
{
    public static void Print(IEnumerable<GeneratedRecurrent> runners, int steps, int rounds, double roundMs)
    {
        var ways = new List<(string Model, string Variant, Action Run)>();
        int[] tokens = Enumerable.Range(0, steps).Select(t => Inputs.Tokens[t & (Inputs.Tokens.Length - 1)]).ToArray();
        foreach (GeneratedRecurrent runner in runners)
        {
            IRecurrentQuantModel model = runner.Generated;
            var sequence = (ISequenceQuantModel)model;
            RecurrentState state = model.CreateState();
            var outputs = new float[steps * model.OutputLength];
            ways.Add((runner.Model, runner.Variant, () =>
            {
                state.Reset();
                for (int t = 0; t < steps; t++)
                {
                    model.Step(tokens[t], state, outputs.AsSpan(t * model.OutputLength, model.OutputLength));
                }
            }));
            ways.Add((runner.Model, runner.Variant, () => sequence.PredictSequence(tokens, outputs)));
        }

        double[] best = Timing.BestOfRounds(ways.Select(w => w.Run).ToArray(), rounds, roundMs).Select(ns => ns / steps / 1000).ToArray();
        Console.WriteLine($"One sequence of {steps} tokens per model: thread CPU time per token, fastest of {rounds} rounds of ~{roundMs:0} ms CPU, " +
                          "Step token by token (every output kept) against PredictSequence.");
        Console.WriteLine();
        Console.WriteLine("| model | variant | Step, us per token | PredictSequence, us per token | PredictSequence vs Step |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        for (int w = 0; w < ways.Count; w += 2)
        {
            Console.WriteLine($"| {ways[w].Model} | {ways[w].Variant} | {best[w]:0.00} | {best[w + 1]:0.00} | {best[w] / best[w + 1]:0.00}x |");
        }
    }
}
