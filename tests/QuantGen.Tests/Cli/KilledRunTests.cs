using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>A quantgen process killed in the middle of its work leaves no output behind.</summary>
public sealed class KilledRunTests
{
    [Fact]
    public void A_run_killed_mid_way_leaves_no_output()
    {
        string dir = CliRunner.TempDirectory();
        string svg = Path.Combine(dir, "report.svg");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "quantgen.dll"), "report", CliRunner.Onnx, "--data", CliRunner.TestData, "--calibration", CliRunner.TrainData, "-o", svg, "--methods", "alternating,greedy,refined", "--bits", "1,2,3,4,8"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        // The first finished step: the run is under way and has written nothing yet.
        string? line = process.StandardError.ReadLine();
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.StartsWith("report: alternating:1 done (1/15)", line);
        Assert.Empty(CliRunner.Files(dir));
    }
}
