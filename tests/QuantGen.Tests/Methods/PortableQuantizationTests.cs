using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Cli;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Kernels;
using Xunit;

namespace QuantGen.Tests.Methods;

/// <summary>
/// A description must not depend on the machine that made it: `quantgen quantize` run on each narrower
/// instruction-set path (a child process with the runtime variable that selects it) writes the same bytes as on
/// this machine's widest path. The model has rows of odd lengths (35, 40, 33: vector tails), multi-bit weights
/// coded by every offline coder, an online alternating input (which the calibration trace runs through) and a
/// calibrated uniform input after it.
/// </summary>
public sealed class PortableQuantizationTests
{
    private const int Inputs = 35;

    public static TheoryData<string, string> Variables() => new()
    {
        { "DOTNET_EnableAVX512", "0" },
        { "DOTNET_PreferredVectorBitWidth", "256" },
        { "DOTNET_EnableAVX2", "0" },
        { "DOTNET_EnableHWIntrinsic", "0" },
    };

    [Theory]
    [MemberData(nameof(Variables))]
    public async Task Quantize_writes_the_same_bytes_on_every_instruction_set_path(string variable, string value)
    {
        string dir = CliRunner.TempDirectory();
        string model = Path.Combine(dir, "model.qgm.json");
        File.WriteAllText(model, TestModels.Json(Model()));
        string calibration = Path.Combine(dir, "calibration.npz");
        TestNpz.Write(calibration, TestModels.RandomFloats(new Random(5), 64 * Inputs, -2f, 2f), 64, null);
        foreach (string[] methods in Methods)
        {
            string here = Path.Combine(dir, "here.qgm.json"), there = Path.Combine(dir, "there.qgm.json");
            string[] args = ["quantize", model, "--calibration", calibration, .. methods];
            CliResult result = CliRunner.Run([.. args, "-o", here]);
            Assert.True(result.ExitCode == 0, result.ToString());
            await RunChild(variable, value, [.. args, "-o", there]);
            Assert.True(File.ReadAllBytes(here).SequenceEqual(File.ReadAllBytes(there)), $"{string.Join(' ', methods)} with {variable}={value}: the description differs from this machine's");
        }
    }

    [Fact]
    public void The_portable_coder_gives_the_reference_result_on_this_machine_too()
    {
        // The case: 35 values at 3 bits. QuantizePortable is the reference with no vector pass.
        float[] x = TestModels.RandomFloats(new Random(35), 35, -1f, 1f);
        var alphas = new float[3];
        var codes = new byte[35];
        var y = new float[35];
        AlternatingQuantizer.QuantizePortable(x, 3, 2, alphas, y, codes);
        var expectedAlphas = new float[3];
        var expectedCodes = new byte[35];
        var expectedY = new float[35];
        AlternatingQuantizer.QuantizeScalar(x, 3, 2, expectedAlphas, expectedY, expectedCodes, vectors: false);
        Assert.Equal(expectedAlphas, alphas);
        Assert.Equal(expectedCodes, codes);
        Assert.Equal(expectedY, y);
    }

    /// <summary>
    /// Every offline multi-bit coder: refined weights on fc1, alternating weights and online alternating inputs on fc2,
    /// greedy weights on fc3, whose calibrated uniform input is traced through fc2's online codes.
    /// </summary>
    private static readonly string[][] Methods =
    [
        ["--weights", "refined:3", "--activations", "uniform:4", "--layer", "fc2=alternating:3", "--layer", "fc3=greedy:2"],
    ];

    private static Model Model()
    {
        var random = new Random(13);
        var model = new Model { Schema = "quantgen.v1", Name = "portable" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { Inputs } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 10 } });
        (string Name, int In, int Out)[] dense = [("fc1", Inputs, 40), ("fc2", 40, 33), ("fc3", 33, 10)];
        foreach ((string name, int inputs, int outputs) in dense)
        {
            var layer = new Layer { Name = name, Dense = new Dense { InFeatures = inputs, OutFeatures = outputs, Weights = TestModels.Float(random, outputs, inputs) } };
            layer.Dense.Bias.Add(TestModels.RandomFloats(random, outputs, -0.5f, 0.5f));
            model.Layers.Add(layer);
            if (name != "fc3")
            {
                model.Layers.Add(new Layer { Name = name + "-tanh", Tanh = new Tanh() });
            }
        }

        return model;
    }

    private static async Task RunChild(string variable, string value, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "quantgen.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[variable] = value;
        start.Environment[IsaPathTests.ChildVariable] = "1";
        using Process child = Process.Start(start)!;
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0, $"{variable}={value}: quantgen {string.Join(' ', args)} failed:\n{output}\n{await error}");
    }
}
