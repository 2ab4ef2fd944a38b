using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using QuantGen.Cli;
using QuantGen.Schema;
using QuantGen.Tests.Cli;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// The quantgen command line against damaged inputs, many of them: fuzzed descriptions, ONNX files and
/// npz archives with bytes cut, flipped or added. Each run either succeeds or fails with a documented
/// input error and exactly one line on stderr (never a stack trace, never the internal-error code); the
/// inputs are never changed and nothing is left in the folder. A quantize run killed mid-way leaves
/// neither an output nor a temporary file, and an existing output stays whole.
/// </summary>
public sealed class CliRobustnessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private int _succeeded, _failed;

    [Fact]
    public void Fuzzed_descriptions_fail_with_one_line_or_are_inspected()
    {
        var fuzzer = new DescriptionFuzzer(31, FuzzTests.Seeds());
        string dir = CliRunner.TempDirectory();
        for (int i = 0; i < 150; i++)
        {
            FuzzCase fuzz = fuzzer.Next();
            string path = Path.Combine(dir, "model.qgm.json");
            // UTF-8 as a file on disk is: a lone surrogate in the text becomes U+FFFD.
            File.WriteAllText(path, fuzz.Text, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: false));
            Check(dir, fuzz.Mutations, "inspect", path);
        }

        output.WriteLine($"{_succeeded} runs succeeded, {_failed} failed with one line");
    }

    [Fact]
    public void Damaged_onnx_files_fail_with_one_line_or_are_inspected()
    {
        byte[] onnx = File.ReadAllBytes(CliRunner.Onnx);
        string dir = CliRunner.TempDirectory();
        var random = new Random(5);
        for (int i = 0; i < 80; i++)
        {
            (byte[] damaged, string how) = Damage(onnx, random);
            string path = Path.Combine(dir, "model.onnx");
            File.WriteAllBytes(path, damaged);
            Check(dir, how, "inspect", path);
        }

        output.WriteLine($"{_succeeded} runs succeeded, {_failed} failed with one line");
    }

    [Fact]
    public void Damaged_npz_archives_fail_with_one_line_or_are_evaluated()
    {
        byte[] npz = File.ReadAllBytes(CliRunner.TestData);
        string model = Path.Combine(CliRunner.Digits, "digits.uniform4.qgm.json");
        string dir = CliRunner.TempDirectory();
        var random = new Random(6);
        for (int i = 0; i < 60; i++)
        {
            (byte[] damaged, string how) = Damage(npz, random);
            string path = Path.Combine(dir, "data.npz");
            File.WriteAllBytes(path, damaged);
            Check(dir, how, "eval", model, "--data", path, "--interpreter");
        }

        output.WriteLine($"{_succeeded} runs succeeded, {_failed} failed with one line");
    }

    [Fact]
    public void A_quantize_killed_mid_way_leaves_no_output_and_an_old_output_whole()
    {
        foreach (bool existing in new[] { false, true })
        {
            string dir = CliRunner.TempDirectory();
            string input = Path.Combine(dir, "big.qgm.json");
            File.WriteAllText(input, TestModels.Json(SlowToQuantize()));
            string output = Path.Combine(dir, "out.qgm.json");
            const string old = "{\"previous\": true}\n";
            if (existing)
            {
                File.WriteAllText(output, old);
            }

            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "quantgen.dll"), "quantize", input, "-o", output, "--weights", "wq:8"])
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            // The first layer is done; the second, 320,000 weights by weighted-entropy search, takes seconds.
            string? line = process.StandardError.ReadLine();
            bool running = !process.HasExited;
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Equal("quantize: small done (1/3)", line);
            Assert.True(running, "quantize finished before it could be killed");
            Assert.Equal(existing ? ["big.qgm.json", "out.qgm.json"] : ["big.qgm.json"], CliRunner.Files(dir));
            if (existing)
            {
                Assert.Equal(old, File.ReadAllText(output));
            }
        }
    }

    /// <summary>A small first layer, then 16 x 20,000 and 20,000 x 10 float32 weights: the work after the first progress line.</summary>
    private static Model SlowToQuantize()
    {
        var random = new Random(12);
        var model = new Model { Schema = "quantgen.v1", Name = "big" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 64 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 10 } });
        model.Layers.Add(new Layer { Name = "small", Dense = new Dense { InFeatures = 64, OutFeatures = 16, Weights = TestModels.Float(random, 16, 64) } });
        model.Layers.Add(new Layer { Name = "big", Dense = new Dense { InFeatures = 16, OutFeatures = 20_000, Weights = TestModels.Float(random, 20_000, 16) } });
        model.Layers.Add(new Layer { Name = "head", Dense = new Dense { InFeatures = 20_000, OutFeatures = 10, Weights = TestModels.Float(random, 10, 20_000) } });
        return model;
    }

    /// <summary>Runs quantgen; checks the outcome, that the input files are unchanged, and that nothing else appeared.</summary>
    private void Check(string dir, string how, params string[] args)
    {
        string[] inputs = args.Where(File.Exists).ToArray();
        Dictionary<string, string> before = inputs.ToDictionary(p => p, Hash);
        string[] filesBefore = CliRunner.Files(dir);
        CliResult result;
        try
        {
            result = CliRunner.Run(args);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{how}: quantgen {string.Join(' ', args)} threw {e}");
        }

        string context = $"{how}: quantgen {string.Join(' ', args.Select(Path.GetFileName))}\n{result}";
        Assert.True(result.ExitCode is ExitCodes.Success or ExitCodes.BadInput, context);
        _ = result.ExitCode == ExitCodes.Success ? _succeeded++ : _failed++;
        if (result.ExitCode != ExitCodes.Success)
        {
            string line = Assert.Single(result.ErrorLines);
            Assert.StartsWith("quantgen: ", line);
            Assert.DoesNotContain("   at ", result.Error);
        }

        Assert.All(inputs, p => Assert.True(before[p] == Hash(p), $"{context}\n{p} was changed"));
        Assert.Equal(filesBefore, CliRunner.Files(dir));
    }

    /// <summary>The file cut short, a few bytes flipped, bytes inserted, or a block zeroed.</summary>
    private static (byte[] Bytes, string How) Damage(byte[] original, Random random)
    {
        byte[] bytes = original.ToArray();
        switch (random.Next(4))
        {
            case 0:
                int length = random.Next(bytes.Length);
                return (bytes.Take(length).ToArray(), $"cut at {length}");
            case 1:
                int flips = 1 + random.Next(8);
                for (int k = 0; k < flips; k++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return (bytes, $"{flips} bits flipped");
            case 2:
                int at = random.Next(bytes.Length);
                byte[] junk = Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)).ToArray();
                return (bytes.Take(at).Concat(junk).Concat(bytes.Skip(at)).ToArray(), $"{junk.Length} bytes inserted at {at}");
            default:
                int from = random.Next(bytes.Length), count = Math.Min(bytes.Length - from, 1 + random.Next(64));
                Array.Clear(bytes, from, count);
                return (bytes, $"{count} bytes zeroed at {from}");
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
