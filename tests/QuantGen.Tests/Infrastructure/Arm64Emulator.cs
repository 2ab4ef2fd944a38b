using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace QuantGen.Tests.Infrastructure;

/// <summary>
/// Runs a program published for linux-arm64: natively on an ARM64 Linux host, under qemu-user on an x64 one
/// (qemu-aarch64-static with the cross C libraries as its sysroot). Missing qemu or libraries fail the test
/// with the command that installs them (CI's .ci/run installs them), never a silent skip.
/// </summary>
internal static class Arm64Emulator
{
    public const string Qemu = "qemu-aarch64-static";

    /// <summary>The cross C and C++ libraries of Debian's libc6-arm64-cross and libstdc++6-arm64-cross.</summary>
    public const string Sysroot = "/usr/aarch64-linux-gnu";

    public const string Install = "apt-get install -y qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross";

    /// <summary>The program and arguments that start <paramref name="executable"/> on this host.</summary>
    public static IReadOnlyList<string> Command(string executable)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new Xunit.Sdk.XunitException($"The linux-arm64 runs need a Linux host (x64 with qemu-user, or ARM64); this is {RuntimeInformation.OSDescription}.");
        }

        if (RuntimeInformation.OSArchitecture == Architecture.Arm64)
        {
            return [executable];
        }

        string? qemu = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, Qemu)).FirstOrDefault(File.Exists);
        string loader = Path.Combine(Sysroot, "lib", "ld-linux-aarch64.so.1");
        if (qemu is null || !File.Exists(loader) || !File.Exists(Path.Combine(Sysroot, "lib", "libstdc++.so.6")))
        {
            throw new Xunit.Sdk.XunitException(
                $"Emulating linux-arm64 needs {Qemu} on PATH ({(qemu is null ? "missing" : "found")}) and the ARM64 C/C++ libraries under {Sysroot} " +
                $"({(File.Exists(loader) ? "found" : "missing")}). Install them with: {Install}");
        }

        return [qemu, "-L", Sysroot, executable];
    }

    /// <summary>Runs <paramref name="executable"/> with <paramref name="arguments"/> and extra environment variables; exit code and all it printed.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        IReadOnlyList<string> command = Command(executable);
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(executable)!,
        };
        foreach (string argument in command.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        // The host's ICU is x64: the emulated .NET runs culture-invariant.
        start.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        // W^X maps JIT code twice (written through one address, run through another); qemu-user only notices
        // writes through the address it translated from, so reused code memory (reflection's invoke stubs)
        // ran stale translations: "Illegal instruction". One writable and executable mapping avoids that.
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        Task exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(timeout)) != exited)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} {string.Join(' ', arguments)} did not finish in {timeout}:\n{await output}\n{await errors}");
        }

        return (process.ExitCode, await output + await errors);
    }
}
