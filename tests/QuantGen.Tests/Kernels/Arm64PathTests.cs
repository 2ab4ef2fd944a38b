using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using QuantGen.Runtime;
using QuantGen.Tests.EndToEnd;
using QuantGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The kernel tests and the differential suite in a linux-arm64 process, on each ARM64 path: AdvSimd with the
/// dot-product extension, AdvSimd without it (DOTNET_EnableArm64Dp=0) and scalar (DOTNET_EnableHWIntrinsic=0).
/// The SDK's test host does not run there, so tests/QuantGen.Arm64Runner (published once for linux-arm64)
/// loads this very assembly in the emulated process and invokes its tests by reflection; the generated
/// models of the differential suite come compiled from this process (<see cref="PrecompiledModels"/>).
/// Each child checks that the kernels run on the expected path, as the x64 children do (<see cref="IsaPathTests"/>).
/// Not run in the child: the recurrent differential tests (their fixture compiles with Roslyn in-process).
/// </summary>
public sealed class Arm64PathTests(Arm64PathTests.Children children, ITestOutputHelper log) : IClassFixture<Arm64PathTests.Children>
{
    /// <summary>What the child runs: test classes whose full names start with these.</summary>
    private static readonly string[] Subset = ["QuantGen.Tests.Kernels.", "QuantGen.Tests.DifferentialTests"];

    public static IEnumerable<object[]> Paths() =>
    [
        ["AdvSimd+Dp", "", ""],
        ["AdvSimd", "DOTNET_EnableArm64Dp", "0"],
        ["Scalar", "DOTNET_EnableHWIntrinsic", "0"],
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Kernel_and_differential_tests_pass_on_the_arm64_path_a_variable_selects(string path, string variable, string value)
    {
        if (Environment.GetEnvironmentVariable(IsaPathTests.ChildVariable) is not null)
        {
            // Inside a child run (x64 or ARM64): the parent runs this; do not recurse.
            return;
        }

        (string expected, int exitCode, string output) = await children.Result(path);
        log.WriteLine(output);
        Assert.True(exitCode == 0, $"linux-arm64 {variable}={value} (expected path {expected}): the child run failed with exit code {exitCode}:\n{Tail(output)}");
        Assert.Contains($"kernel path {expected}", output, StringComparison.Ordinal);
        Match closing = Regex.Match(output, @"^(\d+) passed, (\d+) failed", RegexOptions.Multiline);
        Assert.True(closing.Success && int.Parse(closing.Groups[1].Value) > 0 && closing.Groups[2].Value == "0", $"the child ran no test or some failed:\n{Tail(output)}");
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];

    /// <summary>
    /// The runner, published once for linux-arm64, and the precompiled test models; then the three child runs
    /// started together (each is one emulated process: together they take the time of the slowest, not the sum).
    /// </summary>
    public sealed class Children : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "quantgen-arm64-" + Guid.NewGuid().ToString("N")[..12]);
        private readonly Lazy<Task<Dictionary<string, Task<(string Expected, int ExitCode, string Output)>>>> _runs;

        public Children() => _runs = new(() => Task.Run(StartAll));

        public async Task<(string Expected, int ExitCode, string Output)> Result(string path) => await (await _runs.Value)[path];

        private async Task<Dictionary<string, Task<(string Expected, int ExitCode, string Output)>>> StartAll()
        {
            // Fail early with the install command, before a minute of publishing.
            Arm64Emulator.Command("/bin/true");
            string published = Path.Combine(_root, "runner");
            string models = Path.Combine(_root, "models");
            Directory.CreateDirectory(models);
            Task<CliResult> publish = Task.Run(() => DotnetCli.Run(
                DotnetCli.RepoRoot, "publish", "tests/QuantGen.Arm64Runner/QuantGen.Arm64Runner.csproj",
                "-c", "Release", "-r", "linux-arm64", "--self-contained", "-o", published, "-nodeReuse:false"));
            PrecompiledModels.Write(models, CompiledModels.Descriptions());
            (await publish).Succeeded();
            string runner = Path.Combine(published, "QuantGen.Arm64Runner");
            return Paths().ToDictionary(row => (string)row[0], row => Run(runner, models, (string)row[0], (string)row[1], (string)row[2]));
        }

        private static async Task<(string Expected, int ExitCode, string Output)> Run(string runner, string models, string path, string variable, string value)
        {
            // qemu's CPU has the dot product; a real ARM64 host without it runs AdvSimd where no variable is set.
            string expected = path == "AdvSimd+Dp" && RuntimeInformation.OSArchitecture == Architecture.Arm64 ? KernelPaths.Current : path;
            var environment = new Dictionary<string, string>
            {
                [IsaPathTests.ChildVariable] = "1",
                [IsaPathTests.ExpectedVariable] = expected,
                [PrecompiledModels.Variable] = models,
                // Under emulation the JIT is the slow part: compile each method once, optimized, not twice.
                ["DOTNET_TieredCompilation"] = "0",
            };
            if (variable.Length > 0)
            {
                environment[variable] = value;
            }

            (int exitCode, string output) = await Arm64Emulator.Run(runner, [typeof(Arm64PathTests).Assembly.Location, expected, .. Subset], environment, TimeSpan.FromMinutes(10));
            return (expected, exitCode, output);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }
}
