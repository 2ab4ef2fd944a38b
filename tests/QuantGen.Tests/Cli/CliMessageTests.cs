using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using QuantGen.Cli;
using QuantGen.Quantizer;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>
/// The messages a newcomer meets first (issue 14, point 7): each is one <c>quantgen:</c> line on stderr with
/// the documented exit code, and what stdout carries is the result only.
/// </summary>
public sealed class CliMessageTests
{
    private readonly string _dir = CliRunner.TempDirectory();

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string OneErrorLine(CliResult r, int exitCode)
    {
        Assert.True(r.ExitCode == exitCode, r.ToString());
        string line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("quantgen: ", line);
        Assert.Equal("", r.Out);
        return line;
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("quantize", "--help")]
    public void Help_lists_every_method_with_the_bit_widths_the_quantizer_accepts(params string[] args)
    {
        CliResult r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] lines = r.Out.Split('\n');
        int weights = Array.IndexOf(lines, "  --weights:");
        int activations = Array.FindIndex(lines, l => l.StartsWith("  --activations (", StringComparison.Ordinal));
        Assert.True(weights > 0 && activations > weights, r.Out);
        foreach (MethodDescription m in QuantizationMethods.All)
        {
            // Each method once on its side's list, with the range the quantizer checks a request against.
            string[] side = m.Activations ? lines[(activations + 1)..] : lines[(weights + 1)..activations];
            string line = Assert.Single(side.TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)), l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries)[0].Trim() == m.Name);
            Assert.Contains(m.BitRange + (m.DefaultBits > 0 ? $" ({m.DefaultBits})" : ""), line);
            Assert.EndsWith(m.Summary, line);
        }

        // The ranges are the ones that decide: a width outside one is refused with the same words.
        MethodDescription uniform = QuantizationMethods.All.First(m => m.Name == "uniform" && !m.Activations);
        Assert.Equal("2 to 8 bits", uniform.BitRange);
        Assert.Contains("takes 2 to 8 bits, not 1", OneErrorLine(CliRunner.Run("quantize", CliRunner.FloatModel, "-o", Path.Combine(_dir, "o.qgm.json"), "--weights", "uniform:1"), ExitCodes.Usage));
    }

    [Fact]
    public void Help_of_a_verb_without_methods_has_no_method_list()
    {
        CliResult r = CliRunner.Run("inspect", "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("--weights:", r.Out);
    }

    [Theory]
    [InlineData("data.npz", "zip", "this is a zip archive (numpy .npz data is one), not a model")]
    [InlineData("samples.npy", "npy", "this is a numpy .npy array, not a model")]
    [InlineData("passwd", "passwd", "this is text starting \"root:x:0:0:root:/root:/bin/bash\", not a model")]
    [InlineData("program", "elf", "this is an ELF executable or library, not a model")]
    [InlineData("blob.bin", "binary", "this is binary data, not a model")]
    [InlineData("empty.qgm.json", "empty", "this is an empty file, not a model")]
    [InlineData("model.qgm.json", "binary", "this is binary data, not a model")]
    public void A_file_that_is_no_model_is_named_for_what_it_looks_like(string name, string content, string message)
    {
        byte[] bytes = content switch
        {
            "zip" => File.ReadAllBytes(CliRunner.TestData),
            "npy" => File.ReadAllBytes(Path.Combine(CliRunner.Fixtures, "float32-v1.npy")),
            "passwd" => "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"u8.ToArray(),
            "elf" => [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0],
            "binary" => Enumerable.Range(0, 300).Select(i => (byte)(i * 7)).ToArray(),
            _ => [],
        };
        string path = Write(name, bytes);
        string line = OneErrorLine(CliRunner.Run("inspect", path), ExitCodes.BadInput);
        Assert.Equal($"quantgen: {path}: {message}; MODEL is an ONNX model (.onnx) or a QuantGen description (.qgm.json, or binary .qgm)", line);
        Assert.DoesNotContain("JSON", line.Replace(".qgm.json", "", StringComparison.Ordinal));
    }

    [Fact]
    public void A_binary_name_holding_something_else_says_so()
    {
        string json = Write("model.qgm", File.ReadAllBytes(CliRunner.FloatModel));
        Assert.Equal($"quantgen: {json}: this is a JSON object, but a .qgm is read as the binary encoding; name a JSON description *.qgm.json", OneErrorLine(CliRunner.Run("inspect", json), ExitCodes.BadInput));
        string noise = Write("noise.qgm", [0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
        Assert.StartsWith($"quantgen: {noise}: not a binary QuantGen description (protobuf quantgen.v1.Model): ", OneErrorLine(CliRunner.Run("inspect", noise), ExitCodes.BadInput));
    }

    [Fact]
    public void A_binary_description_that_fails_validation_points_at_its_JSON_form()
    {
        Model model = ModelArgument.Load(Path.Combine(CliRunner.Digits, "digits.uniform4.qgm.json"));
        model.Layers[0].Dense.Weights.Uniform.Bits = 9;
        string path = Write("bad.qgm", Google.Protobuf.MessageExtensions.ToByteArray(model));
        string line = OneErrorLine(CliRunner.Run("inspect", path), ExitCodes.BadInput);
        Assert.Matches(@"^quantgen: .*bad\.qgm\(\d+,\d+\): QG\d{4}: .*9.* \(a line of its JSON form, as the build writes it\)$", line);
    }

    [Fact]
    public void Quantize_writes_the_binary_encoding_for_a_qgm_name_and_it_reads_back_as_the_JSON_form()
    {
        string[] args = ["quantize", CliRunner.Onnx, "--weights", "uniform:4", "--activations", "uniform:4", "--calibration", CliRunner.TrainData];
        string binary = Path.Combine(_dir, "digits.qgm"), json = Path.Combine(_dir, "digits.qgm.json");
        Assert.Equal(0, CliRunner.Run([.. args, "-o", binary]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. args, "-o", json]).ExitCode);

        byte[] bytes = File.ReadAllBytes(binary);
        Assert.NotEqual((byte)'{', bytes[0]);
        Model fromBinary = Model.Parser.ParseFrom(bytes);
        Model fromJson = DescriptionLoader.LoadOrThrow(File.ReadAllText(json), json);
        Assert.Equal(fromJson, fromBinary);
        Assert.True(bytes.Length * 2 < new FileInfo(json).Length, "the binary form is the compact one");

        // quantgen reads it back as a MODEL too.
        CliResult inspectBinary = CliRunner.Run("inspect", binary, "--json");
        Assert.True(inspectBinary.ExitCode == 0, inspectBinary.ToString());
        Assert.Equal(CliRunner.Run("inspect", json, "--json").Out, inspectBinary.Out);
    }

    [Theory]
    [InlineData("model.json")]
    [InlineData("model.txt")]
    [InlineData("model")]
    [InlineData("model.onnx")]
    public void An_output_name_that_is_neither_encoding_is_refused_before_any_work(string name)
    {
        string output = Path.Combine(_dir, name);
        // The calibration file does not exist: the name is refused before anything is read.
        CliResult r = CliRunner.Run("quantize", CliRunner.Onnx, "-o", output, "--weights", "uniform:4", "--activations", "uniform:4", "--calibration", Path.Combine(_dir, "missing.npz"));
        Assert.Equal($"quantgen: -o {output}: a description is written as NAME.qgm.json (the JSON encoding) or NAME.qgm (the binary protobuf encoding); '{name}' is neither", OneErrorLine(r, ExitCodes.Usage));
        Assert.Empty(CliRunner.Files(_dir));
    }

    [Theory]
    [InlineData("chart.png")]
    [InlineData("chart.pdf")]
    [InlineData("chart")]
    public void Report_draws_SVG_only_and_says_so_before_any_work(string name)
    {
        string output = Path.Combine(_dir, name);
        CliResult r = CliRunner.Run("report", CliRunner.Onnx, "--data", Path.Combine(_dir, "missing.npz"), "--calibration", CliRunner.TrainData, "-o", output);
        Assert.Equal($"quantgen: -o {output}: the chart is drawn as SVG only; name it NAME.svg (a browser or rsvg-convert makes a PNG of it)", OneErrorLine(r, ExitCodes.Usage));
        Assert.Empty(CliRunner.Files(_dir));
    }

    [Fact]
    public void Every_verb_keeps_status_off_stdout()
    {
        string description = Path.Combine(_dir, "u4.qgm.json");
        CliResult quantize = CliRunner.Run("quantize", CliRunner.Onnx, "-o", description, "--weights", "uniform:4");
        Assert.True(quantize.ExitCode == 0, quantize.ToString());
        Assert.Equal("", quantize.Out);

        // inspect and eval print their result on stdout and nothing on stderr.
        CliResult inspect = CliRunner.Run("inspect", description, "--json");
        Assert.Equal("", inspect.Error);
        using (JsonDocument.Parse(inspect.Out))
        {
        }

        CliResult eval = CliRunner.Run("eval", description, "--data", CliRunner.TestData);
        Assert.Equal("", eval.Error);
        Assert.Matches(@"^accuracy: 0\.\d{4}\ncorrect: \d+ of 360\n$", eval.Out);

        // report --markdown > table.md: the Markdown table and nothing else.
        string svg = Path.Combine(_dir, "r.svg");
        CliResult report = CliRunner.Run("report", CliRunner.Onnx, "--data", CliRunner.TestData, "--calibration", CliRunner.TrainData, "-o", svg, "--markdown", "--methods", "uniform,hwgq", "--bits", "1,8");
        Assert.True(report.ExitCode == 0, report.ToString());
        string[] table = report.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(5, table.Length);
        Assert.All(table, l => Assert.Matches(@"^\|.*\|$", l));
        Assert.Equal("| method | weights / activations | 1 bit | 8 bits |", table[0]);
        Assert.Contains("n/a: uniform at 1 bit: weights method 'uniform' takes 2 to 8 bits, not 1", report.ErrorLines);
        Assert.Equal($"wrote {svg}", report.ErrorLines[^1]);
    }
}
