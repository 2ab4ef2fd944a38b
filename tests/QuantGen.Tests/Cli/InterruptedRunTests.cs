using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using QuantGen.Cli;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>
/// Ctrl+C in the middle of a run: exit 130, one <c>quantgen: interrupted</c> line, no output file, and on a
/// terminal no progress bar left behind. Each test runs quantgen as a child process and interrupts it for real.
/// </summary>
public sealed class InterruptedRunTests
{
    private const int SigInt = 2;
    private const string Interrupted = "quantgen: interrupted; nothing was written";

    private readonly string _dir = CliRunner.TempDirectory();

    private string[] ReportArgs => ["report", CliRunner.Onnx, "--data", CliRunner.TestData, "--calibration", CliRunner.TrainData, "-o", Path.Combine(_dir, "report.svg")];

    private static string Quantgen => Path.Combine(AppContext.BaseDirectory, "quantgen.dll");

    [Fact]
    public async Task SIGINT_in_a_pipe_prints_one_line_exits_130_and_writes_nothing()
    {
        EnsureSigIntReachesChildren();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in (string[])[Quantgen, .. ReportArgs])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        // The first finished step: the run is under way and has written nothing yet.
        Assert.StartsWith("report: uniform:1 done (1/70)", process.StandardError.ReadLine());
        Assert.Equal(0, Kill(process.Id, SigInt));
        string rest = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "quantgen did not stop after SIGINT");

        Assert.Equal(ExitCodes.Cancelled, process.ExitCode);
        string[] lines = rest.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Interrupted, lines[^1]);
        Assert.All(lines[..^1], l => Assert.StartsWith("report: ", l));
        Assert.Equal("", await stdout);
        Assert.Empty(CliRunner.Files(_dir));
    }

    [Fact]
    public async Task Ctrl_C_on_a_terminal_clears_the_progress_bar_before_the_line()
    {
        EnsureSigIntReachesChildren();
        // script(1) runs quantgen on a pseudo-terminal; a Ctrl+C byte written to it is what a keyboard sends,
        // and the terminal turns it into SIGINT for quantgen.
        string command = string.Join(" ", ((string[])["dotnet", Quantgen, .. ReportArgs]).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var start = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["-q", "-f", "-e", "-c", command, "/dev/null"])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["COLUMNS"] = "100";
        using Process process = Process.Start(start)!;
        var screen = new StringBuilder();
        var drawn = new ManualResetEventSlim();
        Task reader = Task.Run(() =>
        {
            char[] buffer = new char[4096];
            int n;
            while ((n = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
            {
                lock (screen)
                {
                    screen.Append(buffer, 0, n);
                    if (screen.ToString().Contains("report: ", StringComparison.Ordinal))
                    {
                        drawn.Set();
                    }
                }
            }
        });
        Assert.True(drawn.Wait(60_000), "no progress bar was drawn");
        process.StandardInput.Write('\x03');
        process.StandardInput.Flush();
        Assert.True(process.WaitForExit(60_000), "quantgen did not stop after Ctrl+C");
        await reader.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ExitCodes.Cancelled, process.ExitCode);
        string output;
        lock (screen)
        {
            output = screen.ToString();
        }

        Assert.Contains("\u2501", output);
        // What is left: the terminal's echo of ^C at most, and the one line.
        string[] left = TerminalScreen.Replay(output).Select(l => l.Replace("^C", "", StringComparison.Ordinal).Trim()).Where(l => l.Length > 0).ToArray();
        Assert.Equal([Interrupted], left);
        Assert.Empty(CliRunner.Files(_dir));
    }

    // A shell without job control starts background jobs with SIGINT ignored, and children inherit that: quantgen
    // would then rightly never see it (as a shell's background job should not). CI may start the tests that way,
    // so the test process puts SIGINT back to its default action (the runtime installs no handler for a signal
    // ignored at start-up), and the children it starts inherit the default.
    private static void EnsureSigIntReachesChildren()
    {
        if (SigIntIgnored())
        {
            Signal(SigInt, IntPtr.Zero); // SIG_DFL
        }

        Assert.False(SigIntIgnored(), "SIGINT is still ignored in the test process, so the quantgen children would never see it");
    }

    private static bool SigIntIgnored()
    {
        string? ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = ignored is null ? 0 : Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (SigInt - 1))) != 0;
    }

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr Signal(int signal, IntPtr handler);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
