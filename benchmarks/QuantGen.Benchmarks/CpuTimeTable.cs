using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
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
        MethodInfo[] methods = typeof(GemvBenchmarks).GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).ToArray();
        foreach (string shape in new[] { "1024x1024", "2600x1300", "4096x4096" })
        {
            var bench = new GemvBenchmarks { Shape = shape, Batch = 1 };
            bench.Setup();
            var results = new List<(string Name, double Ns)>();
            foreach (MethodInfo method in methods)
            {
                Action action = method.ReturnType == typeof(void)
                    ? method.CreateDelegate<Action>(bench)
                    : () => method.Invoke(bench, null);
                results.Add((method.Name, Measure(action, rounds)));
            }

            double best = results.Where(r => r.Name.StartsWith("Fp32", StringComparison.Ordinal)).Min(r => r.Ns);
            foreach ((string name, double ns) in results.OrderBy(r => r.Ns))
            {
                string speedup = name.StartsWith("Read", StringComparison.Ordinal) || name.EndsWith("CodingOnly", StringComparison.Ordinal) ? "" : $"{best / ns:0.00}x";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {shape} | {name} | {ns / 1000:0.0} | {speedup} |");
            }
        }

        return text.ToString();
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
