using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Runtime;

namespace QuantGen.Benchmarks.ModelSteps;

/// <summary>
/// <c>--states N</c>: N independent sequences of each language model, stepped one state after another through Step
/// and all together through StepMany (the recurrent layers' float32 and integer gate products batched over up to 16
/// states). Thread CPU time per state-step, fastest of the rounds, the two ways interleaved round by round.
/// </summary>
internal static class StatesTable
{
    public static void Print(IEnumerable<GeneratedRecurrent> runners, int states, int rounds, double roundMs)
    {
        var ways = new List<(string Model, string Variant, Action Run)>();
        foreach (GeneratedRecurrent runner in runners)
        {
            IRecurrentQuantModel model = runner.Generated;
            RecurrentState[] each = Enumerable.Range(0, states).Select(_ => model.CreateState()).ToArray();
            RecurrentState[] together = Enumerable.Range(0, states).Select(_ => model.CreateState()).ToArray();
            var tokens = new int[states];
            var outputs = new float[states * model.OutputLength];
            int at = 0;

            // Each state reads its own place in the token stream; both ways advance through it alike.
            void NextTokens()
            {
                for (int s = 0; s < states; s++)
                {
                    tokens[s] = Inputs.Tokens[(at + (s * 7)) & (Inputs.Tokens.Length - 1)];
                }

                at++;
            }

            ways.Add((runner.Model, runner.Variant, () =>
            {
                NextTokens();
                for (int s = 0; s < states; s++)
                {
                    model.Step(tokens[s], each[s], outputs.AsSpan(s * model.OutputLength, model.OutputLength));
                }
            }));
            ways.Add((runner.Model, runner.Variant, () =>
            {
                NextTokens();
                model.StepMany(tokens, together, outputs);
            }));
        }

        double[] best = Timing.BestOfRounds(ways.Select(w => w.Run).ToArray(), rounds, roundMs).Select(ns => ns / states / 1000).ToArray();
        Console.WriteLine($"{states} independent sequences per model: thread CPU time per state-step, fastest of {rounds} rounds of ~{roundMs:0} ms CPU, " +
                          $"Step on each state in turn against StepMany on all {states} (gate products of up to 16 states per batched call).");
        Console.WriteLine();
        Console.WriteLine("| model | variant | Step, us per state | StepMany, us per state | StepMany vs Step |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        for (int w = 0; w < ways.Count; w += 2)
        {
            Console.WriteLine($"| {ways[w].Model} | {ways[w].Variant} | {best[w]:0.00} | {best[w + 1]:0.00} | {best[w] / best[w + 1]:0.00}x |");
        }
    }
}
