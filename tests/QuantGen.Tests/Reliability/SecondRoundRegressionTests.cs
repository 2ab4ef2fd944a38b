using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using QuantGen.Cli;
using QuantGen.Generator;
using QuantGen.Import;
using QuantGen.Runtime;
using QuantGen.Tests.Cli;
using QuantGen.Tests.Import;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Issue 16, "Reliability, second round": one test per defect, named for it. Each reproduces the report
/// and checks the fixed behaviour (docs/reliability.md lists the promises).
/// </summary>
public sealed class SecondRoundRegressionTests
{
    private static readonly string Tiny = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json"));

    // 1. A 187-byte .npz with 32,000 '(' in its .npy header overflowed the stack (exit 134).
    [Fact]
    public void Npy_header_nested_32000_deep_is_one_error_not_a_stack_overflow()
    {
        string dir = CliRunner.TempDirectory();
        string deep = Path.Combine(dir, "deep.npz");
        byte[] header = Encoding.Latin1.GetBytes("{'shape': " + new string('(', 32000));
        using (var zip = new ZipArchive(File.Create(deep), ZipArchiveMode.Create))
        {
            using Stream member = zip.CreateEntry("x.npy", CompressionLevel.Optimal).Open();
            member.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            member.Write(BitConverter.GetBytes((ushort)header.Length));
            member.Write(header);
        }

        CliResult eval = CliRunner.Run("eval", CliRunner.FloatModel, "--data", deep);
        Assert.True(eval.ExitCode == ExitCodes.BadInput, eval.ToString());
        Assert.Equal("quantgen: deep.npz:x: bad .npy header: nested deeper than 8 levels at offset 17 (numpy writes two)", Assert.Single(eval.ErrorLines));

        string output = Path.Combine(dir, "out.qgm.json");
        CliResult quantize = CliRunner.Run("quantize", CliRunner.FloatModel, "-o", output, "--weights", "uniform:4", "--activations", "uniform:4", "--calibration", deep);
        Assert.True(quantize.ExitCode == ExitCodes.BadInput, quantize.ToString());
        Assert.StartsWith("quantgen: deep.npz:x: bad .npy header: nested deeper than", Assert.Single(quantize.ErrorLines), StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    // 1, the other side: the deepest header numpy itself writes (a structured dtype with a subarray) still parses.
    [Fact]
    public void Npy_header_of_a_structured_dtype_is_refused_for_its_dtype_not_its_depth()
    {
        string header = "{'descr': [('a', '<f4', (2, 3))], 'fortran_order': False, 'shape': (4,), }";
        var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Position = 0;
        var e = Assert.Throws<QuantGen.Cli.Data.NpyFormatException>(() => QuantGen.Cli.Data.NpyReader.Read(stream, "s.npy"));
        Assert.Contains("structured dtype", e.Message, StringComparison.Ordinal);
    }

    // Found by NpzFuzzTests (seed 7, case 5523): a damaged dtype holding a line break gave a message of two lines.
    [Fact]
    public void Npy_error_about_a_dtype_with_control_characters_stays_on_one_line()
    {
        string header = "{'descr': '<f\n4\u001b[31m', 'fortran_order': False, 'shape': (1,), }";
        var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(new byte[8]);
        stream.Position = 0;
        var e = Assert.Throws<QuantGen.Cli.Data.NpyFormatException>(() => QuantGen.Cli.Data.NpyReader.Read(stream, "c.npy"));
        Assert.Equal("c.npy: dtype '<f\\x0a4\\x1b[31m' is not supported; use float32, float64, int32 or int64", e.Message);
    }

    // 2. quantize real/m.qgm.json -o alias/m.qgm.json (alias -> real) overwrote the input, exit 0.
    [Fact]
    public void Output_through_a_directory_symlink_to_the_input_is_refused()
    {
        string dir = CliRunner.TempDirectory();
        string real = Directory.CreateDirectory(Path.Combine(dir, "real")).FullName;
        string input = Path.Combine(real, "m.qgm.json");
        File.Copy(CliRunner.FloatModel, input);
        Directory.CreateSymbolicLink(Path.Combine(dir, "alias"), real);
        byte[] before = File.ReadAllBytes(input);

        CliResult result = CliRunner.Run("quantize", input, "-o", Path.Combine(dir, "alias", "m.qgm.json"), "--weights", "uniform:4");

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("is the input", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void Output_that_is_a_hard_link_to_the_input_is_refused()
    {
        string dir = CliRunner.TempDirectory();
        string input = Path.Combine(dir, "m.qgm.json");
        File.Copy(CliRunner.FloatModel, input);
        string hard = Path.Combine(dir, "hard.qgm.json");
        if (!TryRun("ln", input, hard))
        {
            return;
        }

        CliResult result = CliRunner.Run("quantize", input, "-o", hard, "--weights", "uniform:4");
        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Equal(File.ReadAllBytes(CliRunner.FloatModel), File.ReadAllBytes(input));
    }

    // 3. The rename replaced a FIFO with a regular file and said "wrote out.fifo".
    [Fact]
    public void Output_that_is_a_FIFO_is_refused_and_stays_a_FIFO()
    {
        string dir = CliRunner.TempDirectory();
        string fifo = Path.Combine(dir, "out.fifo");
        if (!TryRun("mkfifo", fifo))
        {
            return;
        }

        CliResult result = CliRunner.Run("quantize", CliRunner.FloatModel, "-o", fifo, "--weights", "uniform:4");

        Assert.True(result.ExitCode == ExitCodes.OutputFailed, result.ToString());
        Assert.Equal($"quantgen: cannot write {fifo}: it is a FIFO (named pipe), not a regular file; quantgen writes only regular files", Assert.Single(result.ErrorLines));
        Assert.Equal("", result.Out);
        Assert.True(IsFifo(fifo));
        Assert.Equal(["out.fifo"], Directory.GetFileSystemEntries(dir).Select(p => Path.GetFileName(p)!).ToArray());
    }

    // 3. As root, -o /dev/full replaced the device node with a regular file.
    [Fact]
    public void Output_that_is_a_device_is_refused()
    {
        if (!File.Exists("/dev/null"))
        {
            return;
        }

        CliResult result = CliRunner.Run("quantize", CliRunner.FloatModel, "-o", "/dev/null", "--weights", "uniform:4");

        Assert.True(result.ExitCode == ExitCodes.OutputFailed, result.ToString());
        Assert.Equal("quantgen: cannot write /dev/null: it is a character device, not a regular file; quantgen writes only regular files", Assert.Single(result.ErrorLines));
        Assert.True(TryRun("test", "-c", "/dev/null"), "/dev/null is still a character device");
    }

    [Fact]
    public void Output_that_is_a_folder_is_refused()
    {
        string dir = CliRunner.TempDirectory();
        CliResult result = CliRunner.Run("quantize", CliRunner.FloatModel, "-o", dir, "--weights", "uniform:4");
        Assert.True(result.ExitCode == ExitCodes.OutputFailed, result.ToString());
        Assert.Contains("it is a folder, not a regular file", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    // 3. A symbolic link at the output was replaced by a regular file, its target untouched. Now: written through.
    [Fact]
    public void Output_that_is_a_symlink_is_written_through_and_stays_a_link()
    {
        string dir = CliRunner.TempDirectory();
        string target = Path.Combine(dir, "target.qgm.json");
        File.WriteAllText(target, "old");
        string link = Path.Combine(dir, "link.qgm.json");
        File.CreateSymbolicLink(link, "target.qgm.json");

        CliResult result = CliRunner.Run("quantize", CliRunner.FloatModel, "-o", link, "--weights", "uniform:4");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Equal("target.qgm.json", new FileInfo(link).LinkTarget);
        Assert.StartsWith("{", File.ReadAllText(target), StringComparison.Ordinal);
        Assert.Equal(["link.qgm.json", "target.qgm.json"], CliRunner.Files(dir));
    }

    // 4. Two models bound to one class name failed the whole generator (CS8785, hintName must be unique).
    [Fact]
    public void Two_items_with_one_class_name_are_QG0016_and_every_other_model_is_generated()
    {
        var item = new Dictionary<string, string> { ["QuantGenClassName"] = "Same", ["QuantGenNamespace"] = "App" };
        var other = new Dictionary<string, string> { ["QuantGenClassName"] = "Other", ["QuantGenNamespace"] = "App" };
        (GeneratorDriverRunResult run, Compilation output) = ItemHarness.RunWithItems(
            [GeneratorHarness.Bindings([("Bound", "bound.qgm.json")])],
            ("/m/a.qgm.json", Tiny, item), ("/m/b.qgm.json", Tiny, item), ("/m/c.qgm.json", Tiny, other), (GeneratorHarness.SourceDirectory + "/bound.qgm.json", Tiny, []));

        Assert.Null(run.Results.Single().Exception);
        Diagnostic[] errors = run.Diagnostics.ToArray();
        Assert.Equal(2, errors.Length);
        Assert.All(errors, d => Assert.Equal("QG0016", d.Id));
        Assert.Equal(["/m/a.qgm.json", "/m/b.qgm.json"], errors.Select(d => d.Location.GetLineSpan().Path).Order(StringComparer.Ordinal));
        Assert.Contains("2 models are bound to the class App.Same (a.qgm.json, b.qgm.json)", errors[0].GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Null(output.GetTypeByMetadataName("App.Same"));
        Assert.NotNull(output.GetTypeByMetadataName("App.Other")!.GetMembers("Predict").FirstOrDefault());
        Assert.NotNull(output.GetTypeByMetadataName("Tests.Models.Bound")!.GetMembers("Predict").FirstOrDefault());
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void An_item_and_a_QuantModel_class_of_one_name_are_QG0016_and_pending_diagnostics_survive()
    {
        var item = new Dictionary<string, string> { ["QuantGenClassName"] = "Same", ["QuantGenNamespace"] = "App" };
        string broken = Tiny.Replace("\"bits\": 4", "\"bits\": 9", StringComparison.Ordinal);
        (GeneratorDriverRunResult run, _) = ItemHarness.RunWithItems(
            [GeneratorHarness.Bindings([("Same", "same.qgm.json")], ns: "App")],
            ("/m/item.qgm.json", Tiny, item), (GeneratorHarness.SourceDirectory + "/same.qgm.json", Tiny, []), (GeneratorHarness.SourceDirectory + "/broken.qgm.json", broken, []));

        Assert.Null(run.Results.Single().Exception);
        // broken.qgm.json is bound to no class, which is QG0018 (a warning) besides its own error.
        Assert.Equal(["QG0006", "QG0016", "QG0016", "QG0018"], run.Diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
    }

    // 5. 40,000 Relu nodes all named "r" took 25 s (each suffix search restarted at 2).
    [Fact]
    public void Onnx_with_40000_nodes_of_one_name_imports_in_linear_time()
    {
        var watch = Stopwatch.StartNew();
        QuantGen.Schema.Model model = ReluChain("r", 9001).Import();
        Assert.Equal(9002, model.Layers.Count);
        Assert.Equal(["fc", "r", "r_2", "r_3"], model.Layers.Take(4).Select(l => l.Name));
        Assert.Equal("r_9001", model.Layers[^1].Name);
        Assert.Equal(model.Layers.Count, model.Layers.Select(l => l.Name).Distinct(StringComparer.Ordinal).Count());

        // A node named like a suffix already given still gets a name of its own.
        var mixed = new OnnxGraphBuilder();
        mixed.NodeNamed("/act/Relu").Name = "r";
        mixed.Append("Relu", "r_2");
        mixed.Append("Relu", "r");
        mixed.Append("Relu", "r");
        Assert.Equal(["fc", "r", "r_2", "r_3", "r_4"], mixed.Import().Layers.Select(l => l.Name));

        // 40,000 nodes: more layers than a description may hold, refused as the walk reaches the limit.
        OnnxGraphBuilder many = ReluChain("r", 40000);
        var e = Assert.Throws<OnnxImportException>(() => many.Import());
        Assert.Contains("more than 10000 layers", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"{watch.Elapsed}");
    }

    // Found by OnnxFuzzTests: pruning PyTorch's zero-initial-state nodes asked every node about every value
    // (5 s for 10,001 Unsqueeze nodes in CharLm's initial-state chain).
    [Fact]
    public void Onnx_zero_initial_state_chain_of_20000_nodes_is_pruned_in_linear_time()
    {
        // A small PyTorch sequence export with the same zero-initial-state chain (CharLm's own file is 3.4 MB, and
        // importing it twice is the time this test would measure).
        QuantGen.Import.Onnx.ModelProto file = QuantGen.Import.Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(OnnxFixtures.Directory, "gru_lm.opset13.onnx")));
        int expected = OnnxImporter.Import(new MemoryStream(Google.Protobuf.MessageExtensions.ToByteArray(file)), "gru_lm.onnx").Layers.Count;
        var nodes = file.Graph.Node;
        QuantGen.Import.Onnx.NodeProto unsqueeze = nodes.First(n => n.OpType == "Unsqueeze");
        int at = nodes.IndexOf(unsqueeze);
        string output = unsqueeze.Output[0];
        string previous = output;
        var copies = new List<QuantGen.Import.Onnx.NodeProto>();
        for (int i = 0; i < 20_000; i++)
        {
            QuantGen.Import.Onnx.NodeProto copy = unsqueeze.Clone();
            copy.Input[0] = previous;
            previous = $"{output}__{i}";
            copy.Output[0] = previous;
            copies.Add(copy);
        }

        foreach (QuantGen.Import.Onnx.NodeProto n in nodes.Skip(at + 1))
        {
            for (int k = 0; k < n.Input.Count; k++)
            {
                n.Input[k] = n.Input[k] == output ? previous : n.Input[k];
            }
        }

        QuantGen.Import.Onnx.NodeProto[] all = [.. nodes.Take(at + 1), .. copies, .. nodes.Skip(at + 1)];
        nodes.Clear();
        nodes.Add(all);
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(file);

        var watch = Stopwatch.StartNew();
        string outcome;
        try
        {
            outcome = OnnxImporter.Import(new MemoryStream(bytes), "gru_lm.onnx").Layers.Count.ToString(CultureInfo.InvariantCulture) + " layers";
        }
        catch (OnnxImportException e)
        {
            outcome = e.Message;
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"{watch.Elapsed}: {outcome}");
        Assert.Equal($"{expected} layers", outcome);
    }

    // 6. Predict(b, b) on a reversing 4 -> 4 layer gave 4,3,3,4; overlapping batches were wrong too.
    [Fact]
    public void Predict_with_overlapping_input_and_output_is_refused()
    {
        IQuantModel model = CompileReverser();
        float[] b = [1, 2, 3, 4];
        float[] output = new float[4];
        model.Predict(b, output);
        Assert.Equal([4f, 3f, 2f, 1f], output);

        var same = Assert.Throws<ArgumentException>(() => model.Predict(b, b));
        Assert.Equal("output", same.ParamName);
        Assert.Equal([1f, 2f, 3f, 4f], b);
        float[] shifted = new float[6];
        Assert.Throws<ArgumentException>(() => model.Predict(shifted.AsSpan(0, 4), shifted.AsSpan(2, 4)));

        float[] batch = new float[12];
        var overlapping = Assert.Throws<ArgumentException>(() => model.Predict(batch.AsSpan(0, 8), batch.AsSpan(4, 8), 2));
        Assert.Equal("outputs", overlapping.ParamName);
        model.Predict(batch.AsSpan(0, 4), batch.AsSpan(4, 4), 1);
    }

    // 7. A *.qgm.json AdditionalFile that is a FIFO hung the build forever.
    [Fact]
    public void A_FIFO_model_file_is_QG0017_and_the_build_does_not_block()
    {
        string dir = CliRunner.TempDirectory();
        string fifo = Path.Combine(dir, "pipe.qgm.json");
        if (!TryRun("mkfifo", fifo))
        {
            return;
        }

        string empty = Path.Combine(dir, "empty.qgm.json");
        File.WriteAllText(empty, "");
        string regular = Path.Combine(dir, "tiny.qgm.json");
        File.WriteAllText(regular, Tiny);
        GeneratorDriverRunResult? result = null;
        var runner = new Thread(() =>
        {
            GeneratorDriver driver = GeneratorHarness.Driver([new DiskText(fifo), new DiskText(empty), new DiskText(regular)]);
            result = driver.RunGenerators(GeneratorHarness.Compilation([GeneratorHarness.Bindings([("Tiny", regular)])])).GetRunResult();
        });
        runner.Start();
        if (!runner.Join(TimeSpan.FromSeconds(60)))
        {
            // Unblock the reader so the test host can end, then fail.
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail("the generator blocked reading the FIFO");
        }

        // The two files no class binds are also QG0018, a warning; the errors are the point here.
        Diagnostic[] errors = result!.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.Equal(["QG0017", "QG0017"], errors.Select(d => d.Id));
        Assert.Equal([empty, fifo], errors.Select(d => d.Location.GetLineSpan().Path).Order(StringComparer.Ordinal));
        Assert.Contains("is not a regular file (a FIFO", errors[0].GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "Tests.Models.Tiny.g.cs");
    }

    // 8. Step on one state from two threads gave plausible, different logits.
    [Fact]
    public void Step_on_a_state_that_another_step_is_using_throws()
    {
        IRecurrentQuantModel model = CompileRecurrent();
        RecurrentState state = model.CreateState();
        float[] logits = new float[model.OutputLength];

        state.BeginStep();
        var e = Assert.Throws<InvalidOperationException>(() => model.Step(1, state, logits));
        Assert.Contains("another step", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => state.Reset());
        state.EndStep();
        model.Step(1, state, logits);

        // Two threads on one state: the overlapping steps are refused, never silently mixed.
        int refused = 0;
        var watch = Stopwatch.StartNew();
        using var start = new Barrier(2);
        Thread[] workers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            float[] own = new float[model.OutputLength];
            start.SignalAndWait();
            while (Volatile.Read(ref refused) == 0 && watch.Elapsed < TimeSpan.FromSeconds(20))
            {
                try
                {
                    model.Step(2, state, own);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Assert.True(refused > 0, "two threads stepped one state for 20 s and no step was refused");

        // And the state is usable again afterwards, by one thread.
        state.Reset();
        model.Step(1, state, logits);
    }

    /// <summary>The builder's Gemm followed by <paramref name="count"/> Relu nodes all named <paramref name="name"/>.</summary>
    private static OnnxGraphBuilder ReluChain(string name, int count)
    {
        var builder = new OnnxGraphBuilder();
        NodeProtoRename(builder, name);
        var relu = builder.NodeNamed(name);
        relu.Output[0] = "v0";
        for (int i = 1; i < count; i++)
        {
            builder.Node("Relu", [$"v{i - 1}"], i == count - 1 ? "y" : $"v{i}", name);
        }

        return builder;
    }

    private static void NodeProtoRename(OnnxGraphBuilder builder, string name) => builder.NodeNamed("/act/Relu").Name = name;

    private static IQuantModel CompileReverser()
    {
        string weights = string.Join(", ", Enumerable.Range(0, 16).Select(i => i / 4 + i % 4 == 3 ? "1" : "0"));
        string json = "{\"schema\": \"quantgen.v1\", \"name\": \"reverse\", \"inputs\": [{\"name\": \"x\", \"shape\": [4]}], \"outputs\": [{\"name\": \"y\", \"shape\": [4]}], "
            + "\"layers\": [{\"name\": \"rev\", \"dense\": {\"inFeatures\": 4, \"outFeatures\": 4, \"weights\": {\"float32\": {\"values\": [" + weights + "]}}}}]}";
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("Reverse", "reverse.qgm.json")])], [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/reverse.qgm.json", json)]);
        Assert.Empty(run.AllDiagnostics);
        return (IQuantModel)Activator.CreateInstance(run.Load().GetType("Tests.Models.Reverse")!)!;
    }

    private static IRecurrentQuantModel CompileRecurrent()
    {
        QuantGen.Schema.Model description = QuantGen.Tests.Recurrent.RecurrentTestModels.TokenRecurrent("lstm", lstm: true, (r, rows, cols) => TestModels.Float(r, rows, cols), _ => null, seed: 3);
        string json = QuantGen.Quantizer.DescriptionWriter.ToJson(description);
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("Lm", "lm.qgm.json")])], [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/lm.qgm.json", json)]);
        Assert.Empty(run.AllDiagnostics);
        return (IRecurrentQuantModel)Activator.CreateInstance(run.Load().GetType("Tests.Models.Lm")!)!;
    }

    private static bool TryRun(string program, params string[] args)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    private static bool IsFifo(string path) => TryRun("test", "-p", path);

    /// <summary>An additional file read from disk, as the compiler's own is (a FIFO would block here).</summary>
    private sealed class DiskText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(File.ReadAllText(Path));
    }
}
