using System.Runtime.InteropServices;

namespace QuantGen.Benchmarks.ModelSteps;

/// <summary>
/// CPU time from clock_gettime: this thread's (CLOCK_THREAD_CPUTIME_ID) and the whole process's
/// (CLOCK_PROCESS_CPUTIME_ID). Thread CPU time does not count the time the thread waits while other processes
/// run on a shared machine; comparing it with the process clock shows whether work ran on other threads.
/// </summary>
internal static partial class CpuClock
{
    private const int ProcessCpuClock = 2;
    private const int ThreadCpuClock = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>This thread's CPU time in nanoseconds.</summary>
    public static long ThreadNs() => Read(ThreadCpuClock);

    /// <summary>The process's CPU time (all threads) in nanoseconds.</summary>
    public static long ProcessNs() => Read(ProcessCpuClock);

    private static long Read(int clock)
    {
        ClockGetTime(clock, out TimeSpec t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }
}
