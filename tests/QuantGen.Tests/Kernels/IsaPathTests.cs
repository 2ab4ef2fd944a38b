using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The kernel tests and the differential suite once more on every narrower instruction-set path, each in
/// a child test run with the runtime variable that selects it (the JIT fixes the path at start-up, so
/// one process cannot test several). The child also checks that the path really is the one expected.
/// </summary>
public sealed class IsaPathTests
{
    /// <summary>Set in every child run (x64 and ARM64), so that the child does not start children of its own.</summary>
    internal const string ChildVariable = "QUANTGEN_ISA_CHILD";

    /// <summary>The path the child must find in <see cref="KernelPaths.Current"/>.</summary>
    internal const string ExpectedVariable = "QUANTGEN_EXPECTED_PATH";

    /// <summary>The x64 paths, narrowest first (the order caps them), then the ARM64 ones (Arm64PathTests).</summary>
    private static readonly string[] Paths = ["Scalar", "Vector128", "Vector256", "Vector512"];

    private static readonly string[] Arm64Paths = ["AdvSimd", "AdvSimd+Dp"];

    public static IEnumerable<object[]> Variables() =>
    [
        // AVX-512 without GFNI (as on Skylake-X and Cascade Lake): the xor/popcount product's carry-save path.
        ["DOTNET_EnableGFNI", "0", "Vector512"],
        ["DOTNET_EnableAVX512", "0", "Vector256"],
        ["DOTNET_PreferredVectorBitWidth", "256", "Vector256"],
        ["DOTNET_EnableAVX2", "0", "Vector128"],
        ["DOTNET_EnableHWIntrinsic", "0", "Scalar"],
    ];

    [Theory]
    [MemberData(nameof(Variables))]
    public async System.Threading.Tasks.Task Kernel_and_differential_tests_pass_on_the_path_a_variable_selects(string variable, string value, string cap)
    {
        if (Environment.GetEnvironmentVariable(ChildVariable) is not null)
        {
            // Inside a child run: the parent checks this path; do not recurse.
            return;
        }

        // A machine without the wider instructions is capped lower already. On an ARM64 host the x64 variables
        // change nothing but DOTNET_EnableHWIntrinsic=0 (the emulated ARM64 runs are Arm64PathTests).
        string expected = Arm64Paths.Contains(KernelPaths.Current) ? (cap == "Scalar" ? cap : KernelPaths.Current)
            : Paths[Math.Min(Array.IndexOf(Paths, cap), Array.IndexOf(Paths, KernelPaths.Current))];
        string assembly = typeof(IsaPathTests).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        foreach (string argument in new[] { "test", assembly, "--filter", "FullyQualifiedName~QuantGen.Tests.Kernels|FullyQualifiedName~QuantGen.Tests.DifferentialTests|FullyQualifiedName~QuantGen.Tests.Recurrent.RecurrentDifferentialTests.Bit_rnn_and_alternating" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[variable] = value;
        start.Environment[ChildVariable] = "1";
        start.Environment[ExpectedVariable] = expected;
        using Process child = Process.Start(start)!;
        System.Threading.Tasks.Task<string> error = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync();
        string errors = await error;
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, $"{variable}={value} (expected path {expected}): the child test run failed:\n{Tail(output)}\n{Tail(errors)}");
        Assert.Contains("Passed!", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernels_run_on_the_expected_path()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectedVariable);
        Assert.Contains(KernelPaths.Current, Paths.Concat(Arm64Paths));
        if (expected is not null)
        {
            Assert.Equal(expected, KernelPaths.Current);
        }

        // The alternating coder's fused passes run at 512 or 256 bits on x64 (elsewhere the reference's passes, with
        // their ARM64 bodies): an AVX2 machine must not fall back to the scalar coder.
        string fused = KernelPaths.Current is "Vector512" or "Vector256" ? KernelPaths.Current : "none";
        Assert.Equal(fused, AlternatingQuantizer.FusedWidth);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
