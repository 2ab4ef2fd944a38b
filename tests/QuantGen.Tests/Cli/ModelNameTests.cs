using System.IO;
using System.Linq;
using QuantGen.Cli;
using QuantGen.Quantizer;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>A quantized model is named for its source and what was done to it, unless --name says otherwise.</summary>
public sealed class ModelNameTests
{
    [Theory]
    [InlineData("digits_cnn", "uniform:4", "uniform:4", "digits_cnn-uniform4")]
    [InlineData("charlm-float", "uniform:8", "uniform:8", "charlm-uniform8")]
    [InlineData("charlm_float32", "alternating:3", "alternating:3", "charlm-alternating3")]
    [InlineData("charlm-float", "wq:4", "logquant:4", "charlm-wq4-logquant4")]
    [InlineData("charlm-bitrnn-float", "bitrnn:2", "dorefa:2", "charlm-bitrnn-bitrnn2-dorefa2")]
    [InlineData("digits", "alternating", "alternating", "digits-alternating2")]
    [InlineData("digits", "hwgq", "hwgq", "digits-hwgq1-hwgq2")]
    [InlineData("digits", "uniform:4", "none", "digits-uniform4-float-activations")]
    [InlineData("digits", "float", "uniform:4", "digits-float-weights-uniform4")]
    [InlineData("digits", "none", "none", "digits-float")]
    [InlineData("myfloat", "uniform:4", "uniform:4", "myfloat-uniform4")]
    [InlineData("float", "uniform:4", "uniform:4", "float-uniform4")]
    [InlineData("", "uniform:4", "uniform:4", "uniform4")]
    public void The_default_name_is_the_source_and_the_methods(string source, string weights, string activations, string expected) =>
        Assert.Equal(expected, ModelNames.Default(source, MethodSpec.Parse(weights), MethodSpec.Parse(activations)));

    [Fact]
    public void Every_variant_of_the_report_has_a_name_of_its_own()
    {
        string[] names = Quantization.ReportLines
            .SelectMany(l => new[] { 1, 2, 3, 4, 8 }.Select(b => ModelNames.Default("digits", l.Weights(b), l.Activations(b))))
            .ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
    }

    [Fact]
    public void Quantize_names_the_result_unless_told_and_the_float_import_keeps_the_source_name()
    {
        string dir = CliRunner.TempDirectory();
        string named = Path.Combine(dir, "a.qgm.json"), told = Path.Combine(dir, "b.qgm.json");
        CliResult r = CliRunner.Run("quantize", CliRunner.Onnx, "-o", named, "--weights", "uniform:4", "--activations", "uniform:4", "--calibration", CliRunner.TrainData);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith($"wrote {named}: \"digits-uniform4\",", r.ErrorLines[^1]);
        Assert.Equal("digits-uniform4", ModelArgument.Load(named).Name);

        Assert.Equal(0, CliRunner.Run("quantize", CliRunner.Onnx, "-o", told, "--weights", "uniform:4", "--name", "mine").ExitCode);
        Assert.Equal("mine", ModelArgument.Load(told).Name);

        // The ONNX import is the float model: digits.onnx is "digits", as is the float description made from it.
        Assert.StartsWith("model \"digits\": ", CliRunner.Run("inspect", CliRunner.Onnx).Out);
        Assert.StartsWith("model \"digits\": ", CliRunner.Run("inspect", CliRunner.FloatModel).Out);
    }
}
