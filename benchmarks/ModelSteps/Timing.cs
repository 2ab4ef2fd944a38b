using System;

namespace QuantGen.Benchmarks.ModelSteps;

/// <summary>The timing of the side tables (--states, --batch): each way's round sized to about roundMs of thread CPU
/// time, then the fastest of the rounds, the ways interleaved round by round so that a noisy moment hits all of them.</summary>
internal static class Timing
{
    /// <summary>Nanoseconds of thread CPU time per call of each way, the fastest round's.</summary>
    public static double[] BestOfRounds(Action[] ways, int rounds, double roundMs)
    {
        var reps = new int[ways.Length];
        var best = new double[ways.Length];
        Array.Fill(best, double.MaxValue);
        for (int w = 0; w < ways.Length; w++)
        {
            long t0 = CpuClock.ThreadNs();
            int n = 0;
            while (CpuClock.ThreadNs() - t0 < 20_000_000 || n < 5)
            {
                ways[w]();
                n++;
            }

            reps[w] = (int)Math.Clamp(roundMs * 1e6 / ((double)(CpuClock.ThreadNs() - t0) / n), 2, 1_000_000);
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int w = 0; w < ways.Length; w++)
            {
                long t0 = CpuClock.ThreadNs();
                for (int i = 0; i < reps[w]; i++)
                {
                    ways[w]();
                }

                best[w] = Math.Min(best[w], (double)(CpuClock.ThreadNs() - t0) / reps[w]);
            }
        }

        return best;
    }
}
