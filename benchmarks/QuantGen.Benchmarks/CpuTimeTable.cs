using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace QuantGen.Benchmarks;

/// <summary>
/// A companion to the BenchmarkDotNet table for a loaded machine: the same benchmark methods timed by this
/// thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so time spent descheduled while other
/// processes run is not counted. Per method: the fastest of several rounds, each at least 30 ms of CPU.
/// Cache and SMT-sibling interference from other processes still count; wall time on a quiet machine
/// (the BenchmarkDotNet table) is the figure of record.
/// </summary>
internal static partial class CpuTimeTable
{
    private const int ThreadCpuClock = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static long Now()
    {
        ClockGetTime(ThreadCpuClock, out TimeSpec t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    public static string Run(int rounds)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Thread CPU time per product, fastest of {rounds} rounds, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, kernel path {QuantGen.Runtime.KernelPaths.Current}, batch 1.");
        text.AppendLine();
        text.AppendLine("| shape | kernel | CPU time (us) | speed-up vs best fp32 |");
        text.AppendLine("|---|---|---:|---:|");
        var batched = new List<(string Shape, string Name, double One, double PerInput)>();
        MethodInfo[] methods = typeof(GemvBenchmarks).GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToArray();
        foreach (string shape in new[] { "1024x1024", "2600x1300", "4096x4096" })
        {
            var bench = new GemvBenchmarks { Shape = shape, Batch = 1 };
            bench.Setup();
            Action[] actions = methods.Select(method => method.ReturnType == typeof(void)
                ? method.CreateDelegate<Action>(bench)
                : (Action)(() => method.Invoke(bench, null))).ToArray();
            WarmUp(actions);
            var results = new List<(string Name, double Ns)>();
            for (int m = 0; m < methods.Length; m++)
            {
                results.Add((methods[m].Name, Measure(actions[m], rounds)));
            }

            double best = results.Where(r => r.Name.StartsWith("Fp32", StringComparison.Ordinal)).Min(r => r.Ns);
            foreach ((string name, double ns) in results.OrderBy(r => r.Ns))
            {
                string speedup = name.StartsWith("Read", StringComparison.Ordinal) || name.EndsWith("CodingOnly", StringComparison.Ordinal) ? "" : $"{best / ns:0.00}x";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {shape} | {name} | {ns / 1000:0.0} | {speedup} |");
            }

            batched.AddRange(BatchRows(shape, methods, results, rounds));
        }

        // The batched kernels over 16 inputs against the same kernel on one: weights reused by the batch's inputs.
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Batch {BatchSize}, the batched kernels: CPU time per input against the same kernel at batch 1 (issue 12 asks at most 1/3).");
        text.AppendLine();
        text.AppendLine("| shape | kernel | batch 1 (us) | batch 16, per input (us) | per input / batch 1 |");
        text.AppendLine("|---|---|---:|---:|---:|");
        foreach ((string shape, string name, double one, double perInput) in batched)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {shape} | {name} | {one / 1000:0.0} | {perInput / 1000:0.0} | {perInput / one:0.00} |");
        }

        return text.ToString();
    }

    private const int BatchSize = 16;

    /// <summary>The kernels with a batched form (names ending in Many), timed over a batch of 16.</summary>
    private static IEnumerable<(string Shape, string Name, double One, double PerInput)> BatchRows(string shape, MethodInfo[] methods, List<(string Name, double Ns)> single, int rounds)
    {
        var bench = new GemvBenchmarks { Shape = shape, Batch = BatchSize };
        bench.Setup();
        MethodInfo[] many = methods.Where(m => m.Name.EndsWith("Many", StringComparison.Ordinal)).ToArray();
        Action[] actions = many.Select(m => m.CreateDelegate<Action>(bench)).ToArray();
        WarmUp(actions);
        for (int m = 0; m < many.Length; m++)
        {
            double one = single.Single(r => r.Name == many[m].Name).Ns;
            yield return (shape, many[m].Name, one, Measure(actions[m], rounds) / BatchSize);
        }
    }

    /// <summary>
    /// Calls every case enough for the runtime to compile it at tier 1 before any is measured. Without it the first
    /// shape's cases were timed in their tier-0 code (the runtime delays tier-up while new methods keep being compiled),
    /// e.g. the 2 x 2 product at 1024 x 1024 five times slower than at 2600 x 1300.
    /// </summary>
    private static void WarmUp(Action[] actions)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (Action action in actions)
            {
                for (int i = 0; i < 40; i++)
                {
                    action();
                }
            }

            // The call-counting delay (100 ms) and the background tier-1 compilations.
            Thread.Sleep(500);
        }
    }

    internal static double Measure(Action action, int rounds)
    {
        for (int i = 0; i < 5; i++)
        {
            action();
        }

        long start = Now();
        action();
        long one = Math.Max(1, Now() - start);
        int reps = (int)Math.Clamp(30_000_000 / one, 1, 1_000_000);
        double best = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long t0 = Now();
            for (int i = 0; i < reps; i++)
            {
                action();
            }

            best = Math.Min(best, (double)(Now() - t0) / reps);
        }

        return best;
    }
}
