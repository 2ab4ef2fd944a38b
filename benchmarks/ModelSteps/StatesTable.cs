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
        GeneratedRecurrent[] models = runners.ToArray();
        var ways = new List<(string Model, string Variant, bool Together, Action<int> Step)>();
        foreach (GeneratedRecurrent runner in models)
        {
            IRecurrentQuantModel model = runner.Generated;
            RecurrentState[] each = Enumerable.Range(0, states).Select(_ => model.CreateState()).ToArray();
            RecurrentState[] together = Enumerable.Range(0, states).Select(_ => model.CreateState()).ToArray();
            var tokens = new int[states];
            var outputs = new float[states * model.OutputLength];
            ways.Add((runner.Model, runner.Variant, false, i =>
            {
                for (int s = 0; s < states; s++)
                {
                    model.Step(Inputs.Tokens[(i + (s * 7)) & (Inputs.Tokens.Length - 1)], each[s], outputs.AsSpan(s * model.OutputLength, model.OutputLength));
                }
            }));
            ways.Add((runner.Model, runner.Variant, true, i =>
            {
                for (int s = 0; s < states; s++)
                {
                    tokens[s] = Inputs.Tokens[(i + (s * 7)) & (Inputs.Tokens.Length - 1)];
                }

                model.StepMany(tokens, together, outputs);
            }));
        }

        // Size each way's round to about roundMs of CPU, then take the fastest of the rounds, ways interleaved.
        var reps = new int[ways.Count];
        var best = new double[ways.Count];
        Array.Fill(best, double.MaxValue);
        for (int w = 0; w < ways.Count; w++)
        {
            long t0 = CpuClock.ThreadNs();
            int n = 0;
            while (CpuClock.ThreadNs() - t0 < 20_000_000 || n < 5)
            {
                ways[w].Step(n++);
            }

            reps[w] = (int)Math.Clamp(roundMs * 1e6 / ((double)(CpuClock.ThreadNs() - t0) / n), 2, 1_000_000);
        }

        int counter = 0;
        for (int round = 0; round < rounds; round++)
        {
            for (int w = 0; w < ways.Count; w++)
            {
                long t0 = CpuClock.ThreadNs();
                for (int i = 0; i < reps[w]; i++)
                {
                    ways[w].Step(counter++);
                }

                best[w] = Math.Min(best[w], (double)(CpuClock.ThreadNs() - t0) / reps[w] / states / 1000);
            }
        }

        Console.WriteLine($"{states} independent sequences per model: thread CPU time per state-step, fastest of {rounds} rounds of ~{roundMs:0} ms CPU, " +
                          $"Step on each state in turn against StepMany on all {states} (gate products of up to {16} states per batched call).");
        Console.WriteLine();
        Console.WriteLine("| model | variant | Step, us per state | StepMany, us per state | StepMany vs Step |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        for (int w = 0; w < ways.Count; w += 2)
        {
            Console.WriteLine($"| {ways[w].Model} | {ways[w].Variant} | {best[w]:0.00} | {best[w + 1]:0.00} | {best[w] / best[w + 1]:0.00}x |");
        }
    }
}
