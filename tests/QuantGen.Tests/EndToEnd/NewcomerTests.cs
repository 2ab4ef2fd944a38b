using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using System.Xml.Linq;
using Google.Protobuf;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>
/// The newcomer's path, for real: pack QuantGen (which packs QuantGen.Runtime beside it) into a temporary
/// folder, make a new console app with <c>dotnet new console</c>, reference the package from that folder only,
/// add one JSON and two binary descriptions with &lt;QuantGenModel&gt;, build, run, publish with Native AOT,
/// run the native binary, and compare what both print with the reference interpreter. The QuantGen packages
/// come from that folder only (package source mapping), and their version is unique to this run so no cached
/// copy of an older QuantGen can stand in; the Native AOT compiler's packages come from the machine's feed.
/// </summary>
public sealed class NewcomerTests : IDisposable
{
    private const string AppName = "NewcomerApp";
    private static readonly string DataDirectory = AppContext.BaseDirectory;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "quantgen-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + ".g" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_new_console_app_builds_and_runs_models_from_the_package()
    {
        string feed = Path.Combine(_root, "feed");
        string app = Path.Combine(_root, AppName);
        Directory.CreateDirectory(_root);

        // Pack (from the build `dotnet test` just made; QuantGen packs the runtime too) and create the app at the same time.
        Task<CliResult>[] setup =
        [
            Task.Run(() => Pack("packaging/QuantGen/QuantGen.csproj", feed)),
            Task.Run(() => DotnetCli.Run(_root, "new", "console", "-o", AppName, "--no-restore")),
        ];
        foreach (CliResult step in await Task.WhenAll(setup))
        {
            step.Succeeded();
        }

        Model tiny = Load(Path.Combine(DataDirectory, "docs", "tiny.qgm.json"));
        // The alternating 2-bit variant: its kernels (the plane tables, the xor/popcount product compiled for each layer's
        // shape through Fixed type arguments, the online coder) then run under Native AOT too.
        Model digits = Load(Path.Combine(DataDirectory, "digits", "digits.alternating2.qgm.json"));
        Model broken = tiny.Clone();
        broken.Layers[0].Dense.Weights.Uniform.Bits = 9;

        Directory.CreateDirectory(Path.Combine(app, "models"));
        File.Copy(Path.Combine(DataDirectory, "docs", "tiny.qgm.json"), Path.Combine(app, "models", "tiny.qgm.json"));
        File.WriteAllBytes(Path.Combine(app, "models", "digits.qgm"), digits.ToByteArray());
        File.WriteAllBytes(Path.Combine(app, "models", "second.qgm"), broken.ToByteArray());
        WriteNuGetConfig(app, feed);
        AddPackageAndModels(Path.Combine(app, AppName + ".csproj"));
        float[] tinyInput = [0.5f, -1.25f, 2f, 0.125f];
        float[] digitsInput = FirstHeldOutDigit();
        WriteProgram(app, tinyInput, digitsInput);

        // 1. An error in a binary description: a compiler error at the line of its JSON form under obj/.
        CliResult failed = DotnetCli.Run(app, "build", "-nodeReuse:false");
        Assert.NotEqual(0, failed.ExitCode);
        string converted = Directory.GetFiles(Path.Combine(app, "obj"), "second.qgm.json", SearchOption.AllDirectories).Single();
        int line = Array.FindIndex(File.ReadAllLines(converted), l => l.Contains("\"bits\": 9", StringComparison.Ordinal)) + 1;
        Assert.True(line > 0, "the JSON form holds the bad bit width");
        Assert.Matches(new Regex(Regex.Escape(converted) + @"\(" + line + @",\d+\): error QG0006: .*in the JSON form of .*second\.qgm"), failed.Output);

        // 2. Fixed: builds with no warning at all (the app sets IsTrimmable, IsAotCompatible and warnings as errors) and runs.
        File.WriteAllBytes(Path.Combine(app, "models", "second.qgm"), tiny.ToByteArray());
        CliResult built = DotnetCli.Run(app, "build", "-nodeReuse:false").Succeeded();
        Assert.Contains("0 Warning(s)", built.Output, StringComparison.Ordinal);
        string dll = Directory.GetFiles(Path.Combine(app, "bin"), AppName + ".dll", SearchOption.AllDirectories).Single();
        AssertPrintedMatchReference(ParseOutput(DotnetCli.Run(app, dll).Succeeded().Output), "JIT");

        void AssertPrintedMatchReference(Dictionary<string, float[]> outputs, string how)
        {
            AssertClose(new ReferenceInterpreter(tiny).Predict(tinyInput), outputs["tiny"], $"{how}: tiny (JSON item, ClassName)");
            AssertClose(new ReferenceInterpreter(digits).Predict(digitsInput), outputs["digits"], $"{how}: digits (binary item, ClassName)");
            AssertClose(new ReferenceInterpreter(tiny).Predict(tinyInput), outputs["second"], $"{how}: second (binary item, [QuantModel])");
        }

        // 3. Nothing changed: the binary models are not converted again and the compiler (with the generator) does not run.
        CliResult again = DotnetCli.Run(app, "build", "-nodeReuse:false", "-v:d").Succeeded();
        Assert.Contains("Skipping target \"QuantGenConvertModels\" because all output files are up-to-date", again.Output, StringComparison.Ordinal);
        Assert.Contains("Skipping target \"CoreCompile\" because all output files are up-to-date", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("QuantGen: ", again.Output, StringComparison.Ordinal);

        // 4. Native AOT: the same app published as one native binary, with no trim or AOT warning (warnings are
        // errors in this app, so one would fail the publish), prints the same outputs. Last, because a publish for a
        // runtime identifier restores the app again, which 3's up-to-date check must not see.
        CliResult published = DotnetCli.Run(app, "publish", "-r", "linux-x64", "-p:PublishAot=true", "-nodeReuse:false").Succeeded();
        Assert.DoesNotMatch(new Regex(@"warning (IL|CS)\d+"), published.Output);
        string native = Path.Combine(app, "bin", "Release", "net10.0", "linux-x64", "publish", AppName);
        Assert.True(File.Exists(native), $"the native binary {native} exists");
        Assert.False(File.Exists(Path.ChangeExtension(native, ".dll")), "a Native AOT publish leaves no managed assembly beside the binary");
        AssertPrintedMatchReference(ParseOutput(DotnetCli.RunProgram(app, native).Succeeded().Output), "Native AOT");
    }

    private CliResult Pack(string project, string feed) =>
        DotnetCli.Run(DotnetCli.RepoRoot, "pack", project, "--no-build", "-c", DotnetCli.Configuration, "-o", feed, "-p:PackageVersion=" + _version, "-nodeReuse:false");

    private static Model Load(string path) => DescriptionLoader.LoadOrThrow(File.ReadAllText(path), path);

    /// <summary>
    /// QuantGen and QuantGen.Runtime from the run's folder only; anything else (the Native AOT compiler's
    /// packages, which the SDK names at publish time) from nuget.org as the user's machine serves it.
    /// </summary>
    private static void WriteNuGetConfig(string app, string feed) =>
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="quantgen-e2e" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="quantgen-e2e">
                  <package pattern="QuantGen" />
                  <package pattern="QuantGen.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);

    /// <summary>What the README tells a user to add, plus the trim and AOT analyzers with warnings as errors.</summary>
    private void AddPackageAndModels(string csproj)
    {
        XDocument project = XDocument.Load(csproj);
        XElement root = project.Root!;
        root.Add(new XElement("PropertyGroup",
            new XElement("IsTrimmable", "true"),
            new XElement("IsAotCompatible", "true"),
            new XElement("TreatWarningsAsErrors", "true")));
        root.Add(new XElement("ItemGroup",
            new XElement("PackageReference", new XAttribute("Include", "QuantGen"), new XAttribute("Version", _version)),
            new XElement("QuantGenModel", new XAttribute("Include", "models/tiny.qgm.json"), new XAttribute("ClassName", "Tiny"), new XAttribute("Namespace", "App.Models")),
            new XElement("QuantGenModel", new XAttribute("Include", "models/digits.qgm"), new XAttribute("ClassName", "Digits")),
            new XElement("QuantGenModel", new XAttribute("Include", "models/second.qgm"))));
        project.Save(csproj);
    }

    private static void WriteProgram(string app, float[] tinyInput, float[] digitsInput)
    {
        File.WriteAllText(Path.Combine(app, "Program.cs"), $$"""
            using System.Globalization;
            using App.Models;
            using QuantGen;

            Print("tiny", new Tiny(), [{{Floats(tinyInput)}}]);
            Print("digits", new {{AppName}}.Digits(), [{{Floats(digitsInput)}}]);
            Print("second", new {{AppName}}.Second(), [{{Floats(tinyInput)}}]);

            static void Print(string name, IQuantModel model, float[] input)
            {
                var output = new float[model.OutputLength];
                model.Predict(input, output);
                Console.WriteLine(name + " " + string.Join(" ", output.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            }
            """);
        File.WriteAllText(Path.Combine(app, "Second.cs"), $$"""
            namespace {{AppName}};

            [QuantGen.QuantModel("models/second.qgm")]
            public partial class Second;
            """);
    }

    private static string Floats(float[] values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f"));

    private static float[] FirstHeldOutDigit()
    {
        // digits-test.csv: 64 pixels (0..16) and the label; the model takes pixels / 16.
        string first = File.ReadLines(Path.Combine(DataDirectory, "digits", "digits-test.csv")).First();
        return first.Split(',').Take(64).Select(v => float.Parse(v, CultureInfo.InvariantCulture) / 16f).ToArray();
    }

    private static Dictionary<string, float[]> ParseOutput(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => parts.Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray());

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            // As in the differential tests: only the order of additions differs.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f + 1e-4f * Math.Abs(expected[i]), $"{what}: output {i} is {actual[i]:R}, the reference says {expected[i]:R}");
        }
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

        // The unique version was extracted into the global packages folder by the app's restore: remove it.
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "quantgen", "quantgen.runtime" })
        {
            string folder = Path.Combine(packages, id, _version.ToLowerInvariant());
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
