using System;
using System.IO;
using System.Linq;
using QuantGen.Cli;

namespace QuantGen.Tests.Cli;

/// <summary>What one in-process run of quantgen returned and printed.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

/// <summary>Runs quantgen's verbs in-process, and gives each test a scratch folder and the digits files.</summary>
public static class CliRunner
{
    public static readonly string Digits = Path.Combine(AppContext.BaseDirectory, "digits");
    public static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures");

    public static string FloatModel => Path.Combine(Digits, "digits.float.qgm.json");
    public static string Onnx => Path.Combine(Digits, "digits.onnx");
    public static string TestData => Path.Combine(Digits, "digits-test.npz");
    public static string TrainData => Path.Combine(Digits, "digits-train.npz");

    public static CliResult Run(params string[] args) => Run(interactive: false, args);

    /// <summary>With <paramref name="interactive"/>, as if a person watched a terminal: progress bars instead of progress lines.</summary>
    public static CliResult Run(bool interactive, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = QuantGenCli.Run(args, stdout, stderr, interactive);
        return new CliResult(code, stdout.ToString().Replace("\r\n", "\n"), stderr.ToString().Replace("\r\n", "\n"));
    }

    /// <summary>A fresh empty folder under the system's temporary folder.</summary>
    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "quantgen-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Every file in <paramref name="directory"/>, hidden temporary ones included.</summary>
    public static string[] Files(string directory) =>
        Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
