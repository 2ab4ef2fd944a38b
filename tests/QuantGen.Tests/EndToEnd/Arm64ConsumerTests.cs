using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using QuantGen.Reference;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>
/// A fresh consumer on ARM64: pack QuantGen and QuantGen.Runtime, make a console app with <c>dotnet new
/// console</c>, add quantized models with &lt;QuantGenModel&gt;, publish it self-contained for linux-arm64,
/// run it under qemu-user on each ARM64 path (AdvSimd with and without the dot product, scalar), and compare
/// every output with the reference interpreter run here. The models make the generated code call every
/// fast kernel family: float32 rows and convolutions, the bit-plane tables, the integer dot products of 2-,
/// 4- and 8-bit codes, and xor/popcount with online activation codes.
/// </summary>
public sealed class Arm64ConsumerTests : IDisposable
{
    private const string AppName = "Arm64Consumer";

    /// <summary>Class name and description (relative to the repository root) of each model the app runs.</summary>
    private static readonly (string ClassName, string Path)[] Models =
    [
        ("DigitsFloat", "samples/Digits/data/digits.float.qgm.json"),
        ("DigitsUniform2", "samples/Digits/data/digits.uniform2.qgm.json"),
        ("DigitsUniform4", "samples/Digits/data/digits.uniform4.qgm.json"),
        ("DigitsUniform8", "samples/Digits/data/digits.uniform8.qgm.json"),
        ("DigitsAlternating2", "samples/Digits/data/digits.alternating2.qgm.json"),
        ("CnnUniform4", "benchmarks/ModelSteps/models/cnn-uniform4.qgm.json"),
        ("CnnAlternating2", "benchmarks/ModelSteps/models/cnn-alternating2.qgm.json"),
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "quantgen-arm64-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _version = "0.1.0-arm64." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + ".g" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_console_app_published_for_linux_arm64_prints_the_reference_outputs_on_every_arm64_path()
    {
        // Fail early with the install command, before minutes of packing and publishing.
        Arm64Emulator.Command("/bin/true");
        string feed = Path.Combine(_root, "feed");
        string app = Path.Combine(_root, AppName);
        Directory.CreateDirectory(_root);
        Task<CliResult> created = Task.Run(() => DotnetCli.Run(_root, "new", "console", "-o", AppName, "--no-restore"));
        // One after the other: packing QuantGen may pack the runtime as well, into the same folder.
        foreach (string project in new[] { "packaging/QuantGen/QuantGen.csproj", "runtime/QuantGen.Runtime/QuantGen.Runtime.csproj" })
        {
            DotnetCli.Run(DotnetCli.RepoRoot, "pack", project, "--no-build", "-c", DotnetCli.Configuration, "-o", feed, "-p:PackageVersion=" + _version, "-nodeReuse:false").Succeeded();
        }

        (await created).Succeeded();
        float[][] inputs = HeldOutDigits(3);
        WriteApp(app, feed, inputs);
        DotnetCli.Run(app, "publish", "-c", "Release", "-r", "linux-arm64", "--self-contained", "-o", Path.Combine(app, "out"), "-nodeReuse:false").Succeeded();

        Dictionary<string, float[][]> expected = Models.ToDictionary(m => m.ClassName, m => Reference(m.Path, inputs));
        foreach ((string path, string variable) in new[] { ("AdvSimd+Dp", ""), ("AdvSimd", "DOTNET_EnableArm64Dp"), ("Scalar", "DOTNET_EnableHWIntrinsic") })
        {
            var environment = new Dictionary<string, string>();
            if (variable.Length > 0)
            {
                environment[variable] = "0";
            }

            (int exitCode, string output) = await Arm64Emulator.Run(Path.Combine(app, "out", AppName), [], environment, TimeSpan.FromMinutes(5));
            Assert.True(exitCode == 0, $"the linux-arm64 app ({path}) exited with {exitCode}:\n{output}");
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal($"path {path}", lines[0]);
            foreach ((string name, float[][] reference) in expected)
            {
                for (int i = 0; i < inputs.Length; i++)
                {
                    string prefix = $"{name} {i} ";
                    string line = lines.SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"{path}: the app printed no line for {name}, input {i}:\n{output}");
                    float[] printed = line[prefix.Length..].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    AssertClose(reference[i], printed, $"{path}: {name}, input {i}");
                }
            }
        }
    }

    private static float[][] Reference(string path, float[][] inputs)
    {
        string file = Path.Combine(DotnetCli.RepoRoot, path);
        var reference = new ReferenceInterpreter(DescriptionLoader.LoadOrThrow(File.ReadAllText(file), file));
        return inputs.Select(x => reference.Predict(x)).ToArray();
    }

    /// <summary>The first held-out digits as the models take them: 64 pixels / 16 (an 8x8 map for the CNNs).</summary>
    private static float[][] HeldOutDigits(int count) =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "digits", "digits-test.csv")).Take(count)
            .Select(line => line.Split(',').Take(64).Select(v => float.Parse(v, CultureInfo.InvariantCulture) / 16f).ToArray())
            .ToArray();

    private void WriteApp(string app, string feed, float[][] inputs)
    {
        // The machine's own sources stay (the linux-arm64 runtime pack comes from them); the run's version is only in the feed.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="quantgen-arm64-e2e" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        Directory.CreateDirectory(Path.Combine(app, "models"));
        string csproj = Path.Combine(app, AppName + ".csproj");
        XDocument project = XDocument.Load(csproj);
        project.Root!.Add(
            new XElement("PropertyGroup", new XElement("InvariantGlobalization", "true")),
            new XElement("ItemGroup",
                new XElement("PackageReference", new XAttribute("Include", "QuantGen"), new XAttribute("Version", _version)),
                Models.Select(m =>
                {
                    string file = Path.Combine("models", Path.GetFileName(m.Path));
                    File.Copy(Path.Combine(DotnetCli.RepoRoot, m.Path), Path.Combine(app, file));
                    return new XElement("QuantGenModel", new XAttribute("Include", file), new XAttribute("ClassName", m.ClassName), new XAttribute("Namespace", "App.Models"));
                })));
        project.Save(csproj);
        string rows = string.Join(",\n    ", inputs.Select(x => "[" + string.Join(", ", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f")) + "]"));
        string calls = string.Join("\n", Models.Select(m => $"Print(\"{m.ClassName}\", new {m.ClassName}());"));
        File.WriteAllText(Path.Combine(app, "Program.cs"), $$"""
            using System.Globalization;
            using App.Models;
            using QuantGen;

            float[][] inputs =
            [
                {{rows}}
            ];
            Console.WriteLine("path " + QuantGen.Runtime.KernelPaths.Current);
            {{calls}}

            void Print(string name, IQuantModel model)
            {
                var output = new float[model.OutputLength];
                for (int i = 0; i < inputs.Length; i++)
                {
                    model.Predict(inputs[i], output);
                    Console.WriteLine($"{name} {i} " + string.Join(" ", output.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                }
            }
            """);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // The differential tests' tolerance: only the order of additions differs.
            float allowed = DifferentialTests.Tolerance + DifferentialTests.Tolerance * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= allowed, $"{what}: output {i} is {actual[i]:R}, the reference says {expected[i]:R}");
        }
    }

    public void Dispose() => DotnetCli.DeleteRun(_root, _version);
}
