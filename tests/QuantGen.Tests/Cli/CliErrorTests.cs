using System.IO;
using QuantGen.Cli;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>Every way a command line can be wrong: the documented exit code and exactly one line on stderr saying what.</summary>
public sealed class CliErrorTests
{
    private readonly string _dir = CliRunner.TempDirectory();

    private static string Fixture(string name) => Path.Combine(CliRunner.Fixtures, name);

    private string Out => Path.Combine(_dir, "out.qgm.json");

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private void Fails(int exitCode, string message, params string[] args)
    {
        CliResult r = CliRunner.Run(args);
        Assert.True(r.ExitCode == exitCode, r.ToString());
        string line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("quantgen: ", line);
        Assert.Contains(message, line);
        Assert.Equal("", r.Out);
        // Nothing written, not even a temporary file.
        Assert.DoesNotContain(CliRunner.Files(_dir), f => f.StartsWith("out", System.StringComparison.Ordinal) || f.EndsWith(".tmp", System.StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_model_file() =>
        Fails(ExitCodes.BadInput, "no-such.qgm.json: no such file", "inspect", Path.Combine(_dir, "no-such.qgm.json"));

    [Fact]
    public void Corrupt_description_names_the_place_and_the_diagnostic() =>
        Fails(ExitCodes.BadInput, "broken.qgm.json(1,3): QG0001", "eval", Write("broken.qgm.json", "{ not json"), "--data", CliRunner.TestData);

    [Fact]
    public void Corrupt_onnx() =>
        Fails(ExitCodes.BadInput, "quantgen: broken.onnx: ", "quantize", Write("broken.onnx", "this is not a protobuf"), "-o", Out, "--weights", "uniform:4");

    [Fact]
    public void Truncated_onnx()
    {
        byte[] onnx = File.ReadAllBytes(Path.Combine(CliRunner.Digits, "digits.onnx"));
        string path = Path.Combine(_dir, "cut.onnx");
        File.WriteAllBytes(path, onnx[..(onnx.Length / 2)]);
        Fails(ExitCodes.BadInput, "quantgen: cut.onnx: ", "inspect", path);
    }

    [Fact]
    public void Missing_data_file() =>
        Fails(ExitCodes.BadInput, "no-such.npz: no such file", "eval", CliRunner.FloatModel, "--data", Path.Combine(_dir, "no-such.npz"));

    [Theory]
    [InlineData("not-a-zip.npz", "not a .npz (zip) or .npy file")]
    [InlineData("cut.npz", "not a readable zip archive")]
    [InlineData("truncated-member.npz", "truncated")]
    [InlineData("big-endian.npy", "big-endian")]
    public void Corrupt_npz(string file, string message) =>
        Fails(ExitCodes.BadInput, message, "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--activations", "uniform:4", "--calibration", Fixture(file));

    [Fact]
    public void Data_whose_rows_do_not_fit_the_model_input() =>
        Fails(ExitCodes.BadInput, "xy.npz:x: shape (4, 3) gives samples of 3 values, but the model takes 64", "eval", CliRunner.FloatModel, "--data", Fixture("xy.npz"));

    [Fact]
    public void Calibration_whose_rows_do_not_fit_the_model_input() =>
        Fails(ExitCodes.BadInput, "but the model takes 64", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--calibration", Fixture("float32-v1.npy"));

    [Fact]
    public void Labels_outside_the_models_classes()
    {
        string data = Path.Combine(_dir, "bad-labels.npz");
        TestNpz.Write(data, new float[2 * 64], 2, [3, 10]);
        Fails(ExitCodes.BadInput, "label y[1] = 10 is not one of the model's 10 classes", "eval", CliRunner.FloatModel, "--data", data);
    }

    [Fact]
    public void Labels_that_do_not_match_the_samples()
    {
        string data = Path.Combine(_dir, "short-labels.npz");
        TestNpz.Write(data, new float[3 * 64], 3, [1, 2]);
        Fails(ExitCodes.BadInput, "shape (2,) does not match x's 3 rows", "eval", CliRunner.FloatModel, "--data", data);
    }

    [Fact]
    public void Data_without_labels()
    {
        string data = Path.Combine(_dir, "no-labels.npz");
        TestNpz.Write(data, new float[2 * 64], 2, null);
        Fails(ExitCodes.BadInput, "no-labels.npz: no array 'y' (the integer labels); it holds x", "eval", CliRunner.FloatModel, "--data", data);
    }

    [Fact]
    public void Data_without_samples() =>
        Fails(ExitCodes.BadInput, "float32-v1.npy: no array 'x' (the samples, one row each); it holds float32-v1", "eval", CliRunner.FloatModel, "--data", Fixture("float32-v1.npy"));

    [Fact]
    public void Quantizing_a_model_that_is_already_quantized() =>
        Fails(ExitCodes.BadInput, "layer 'fc1' is already quantized", "quantize", Path.Combine(CliRunner.Digits, "digits.uniform4.qgm.json"), "-o", Out, "--weights", "uniform:2");

    [Fact]
    public void Unknown_method() =>
        Fails(ExitCodes.Usage, "unknown method 'magic'", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "magic:2");

    [Fact]
    public void Bits_out_of_range() =>
        Fails(ExitCodes.Usage, "--activations uniform:9", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--activations", "uniform:9");

    [Theory]
    [InlineData("fc1uniform:4")]
    [InlineData("=uniform:4")]
    [InlineData("fc1=")]
    public void Bad_layer_syntax(string layer) =>
        Fails(ExitCodes.Usage, "expected NAME=METHOD:BITS", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--layer", layer);

    [Fact]
    public void Unknown_layer() =>
        Fails(ExitCodes.BadInput, "--layer fc9: no layer is named 'fc9'; layers with weights: fc1, fc2, fc3", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--layer", "fc9=uniform:8");

    [Fact]
    public void Layer_without_weights() =>
        Fails(ExitCodes.BadInput, "--layer relu1: layer 'relu1' has no weights to quantize", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--layer", "relu1=uniform:8");

    [Fact]
    public void Layer_given_twice() =>
        Fails(ExitCodes.Usage, "layer 'fc1' is given twice", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--layer", "fc1=uniform:8", "--layer", "fc1=dorefa:2");

    [Theory]
    [InlineData("--weights", "logquant:2", "'logquant' is not a method for weights")]
    [InlineData("--weights", "uniform:1", "weights method 'uniform' takes 2 to 8 bits, not 1")]
    [InlineData("--activations", "hwgq:8", "activations method 'hwgq' takes 1 to 4 bits, not 8")]
    [InlineData("--activations", "wq:2", "'wq' is not a method for activations")]
    public void Method_that_cannot_do_that_side_or_width(string option, string spec, string message)
    {
        string[] args = option == "--weights"
            ? ["quantize", CliRunner.FloatModel, "-o", Out, "--weights", spec]
            : ["quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--activations", spec, "--calibration", CliRunner.TrainData];
        Fails(ExitCodes.Usage, $"{option} {spec}: {message}", args);
    }

    [Fact]
    public void Activations_that_need_calibration_without_it_name_the_option_and_what_it_takes()
    {
        Fails(
            ExitCodes.BadInput,
            "quantgen: --activations uniform:4 needs calibration data to set the input ranges (from layer 'fc2' on): add --calibration CAL.npz, an .npz whose x holds float32 input samples, one row of 64 values each",
            "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--activations", "uniform:4");
        // A per-layer method is named as it was given.
        Fails(ExitCodes.BadInput, "quantgen: --layer fc3=logquant:3 needs calibration data", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--layer", "fc3=logquant:3");
    }

    [Fact]
    public void Missing_lsq_steps_file() =>
        Fails(ExitCodes.BadInput, "steps.json: no such file", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "lsq:4", "--lsq-steps", Path.Combine(_dir, "steps.json"));

    [Theory]
    [InlineData("{ \"fc1.weights\": -1 }", "must be a positive number")]
    [InlineData("{ \"fc7.weights\": 0.1 }", "LSQ step 'fc7.weights' names no tensor of the model")]
    [InlineData("[1, 2]", "expected an object of tensor name -> step")]
    public void Bad_lsq_steps(string json, string message) =>
        Fails(ExitCodes.BadInput, message, "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "lsq:4", "--lsq-steps", Write("steps.json", json));

    [Fact]
    public void Bad_keep_float() =>
        Fails(ExitCodes.Usage, "'middle' is not first, last or none", "quantize", CliRunner.FloatModel, "-o", Out, "--weights", "uniform:4", "--keep-float", "first,middle");

    [Fact]
    public void Unknown_verb() => Fails(ExitCodes.Usage, "Unrecognized command or argument 'squash'", "squash");

    [Fact]
    public void Missing_required_option() => Fails(ExitCodes.Usage, "--weights", "quantize", CliRunner.FloatModel, "-o", Out);

    [Fact]
    public void Report_with_an_unknown_method_or_bit_width()
    {
        Fails(ExitCodes.Usage, "unknown method 'magic'", "report", CliRunner.FloatModel, "--data", CliRunner.TestData, "--calibration", CliRunner.TrainData, "-o", Path.Combine(_dir, "out.svg"), "--methods", "magic");
        Fails(ExitCodes.Usage, "'9' is not a bit width from 1 to 8", "report", CliRunner.FloatModel, "--data", CliRunner.TestData, "--calibration", CliRunner.TrainData, "-o", Path.Combine(_dir, "out.svg"), "--bits", "2,9");
    }

    [Fact]
    public void Output_that_is_the_input_is_refused_and_the_input_kept()
    {
        string input = Path.Combine(_dir, "model.qgm.json");
        File.Copy(CliRunner.FloatModel, input);
        byte[] before = File.ReadAllBytes(input);
        Fails(ExitCodes.Usage, "refusing to overwrite it", "quantize", input, "-o", input, "--weights", "uniform:4");
        Fails(ExitCodes.Usage, "refusing to overwrite it", "quantize", input, "-o", Path.Combine(_dir, ".", "model.qgm.json"), "--weights", "uniform:4");
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public void Output_over_the_calibration_data_is_refused()
    {
        Fails(ExitCodes.Usage, "refusing to overwrite it", "quantize", CliRunner.FloatModel, "-o", CliRunner.TrainData, "--weights", "uniform:4", "--calibration", CliRunner.TrainData);
        // Also under a description's name: a link to the calibration data is the same file.
        string link = Path.Combine(_dir, "linked.qgm.json");
        File.CreateSymbolicLink(link, CliRunner.TrainData);
        Fails(ExitCodes.Usage, "refusing to overwrite it", "quantize", CliRunner.FloatModel, "-o", link, "--weights", "uniform:4", "--calibration", CliRunner.TrainData);
    }

    [Fact]
    public void Output_into_a_missing_folder() =>
        Fails(ExitCodes.OutputFailed, "cannot write", "quantize", CliRunner.FloatModel, "-o", Path.Combine(_dir, "missing", "out.qgm.json"), "--weights", "uniform:4");
}
