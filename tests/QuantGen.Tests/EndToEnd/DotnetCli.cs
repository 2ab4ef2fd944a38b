using System;
using System.Collections;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace QuantGen.Tests.EndToEnd;

/// <summary>Runs the dotnet CLI as a newcomer would, in a clean environment, and keeps what it printed.</summary>
internal static class DotnetCli
{
    /// <summary>The repository root and the configuration the tests were built in (QuantGen.Tests.csproj records both).</summary>
    public static string RepoRoot => Metadata("QuantGenRepoRoot");

    public static string Configuration => Metadata("QuantGenConfiguration");

    public static CliResult Run(string workingDirectory, params string[] arguments) =>
        RunProgram(workingDirectory, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet", arguments);

    /// <summary>Runs any program (a native binary the app was published as) in the same clean environment.</summary>
    public static CliResult RunProgram(string workingDirectory, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs inside `dotnet test`, whose MSBuild settings must not leak into the child builds.
        foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>().ToArray())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} did not finish in 5 minutes:\n{output}");
        }

        process.WaitForExit();
        return new CliResult(process.ExitCode, output.ToString(), Path.GetFileName(program) + " " + string.Join(' ', arguments));
    }

    /// <summary>
    /// After a run that packed QuantGen at a version of its own: deletes the run's folder and that version's
    /// packages, which the app's restore extracted into the global packages folder.
    /// </summary>
    public static void DeleteRun(string root, string version)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "quantgen", "quantgen.runtime" })
        {
            string folder = Path.Combine(packages, id, version.ToLowerInvariant());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Metadata(string key) =>
        typeof(DotnetCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is missing");
}

internal sealed record CliResult(int ExitCode, string Output, string Command)
{
    public CliResult Succeeded()
    {
        if (ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{Command} exited with {ExitCode}:\n{Output}");
        }

        return this;
    }
}
