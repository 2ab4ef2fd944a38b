using System;
using System.IO;
using System.IO.Compression;
using System.Runtime.InteropServices;
using QuantGen.Tests.Cli;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary><c>quantgen eval</c> on a language model: bits per token and perplexity of an npz's tokens array.</summary>
public sealed class CliTokenEvalTests
{
    [Fact]
    public void Eval_prints_bits_per_token_and_perplexity_that_the_reference_gives()
    {
        string dir = CliRunner.TempDirectory();
        // The CharLm sample's float model: 63 token ids in, 63 logits out.
        string modelPath = Path.Combine(AppContext.BaseDirectory, "charlm", "charlm-float.qgm.json");
        long[] tokens = [40, 50, 47, 1, 25, 47, 44, 1, 62, 10];
        string data = Path.Combine(dir, "tokens.npz");
        WriteTokens(data, tokens);

        var reference = new QuantGen.Reference.ReferenceInterpreter(QuantGen.Schema.DescriptionLoader.LoadOrThrow(File.ReadAllText(modelPath), modelPath));
        var state = reference.NewState();
        double bits = 0;
        for (int t = 0; t + 1 < tokens.Length; t++)
        {
            float[] logits = reference.Step((int)tokens[t], state);
            double sum = 0;
            foreach (float v in logits)
            {
                sum += Math.Exp(v);
            }

            bits += Math.Log2(sum) - logits[tokens[t + 1]] / Math.Log(2);
        }

        bits /= tokens.Length - 1;
        CliResult r = CliRunner.Run("eval", modelPath, "--data", data);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(FormattableString.Invariant($"bits-per-token: {bits:0.0000}\nperplexity: {Math.Pow(2, bits):0.0000}\n"), r.Out);

        WriteTokens(data, [1, 2, 63]);
        CliResult bad = CliRunner.Run("eval", modelPath, "--data", data);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("token 2 is 63", bad.ToString(), StringComparison.Ordinal);
    }

    private static void WriteTokens(string path, long[] tokens)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        using Stream s = zip.CreateEntry("tokens.npy").Open();
        s.Write(TestNpz.Npy($"{{'descr': '<i8', 'fortran_order': False, 'shape': ({tokens.Length},), }}", MemoryMarshal.AsBytes(tokens.AsSpan()).ToArray()));
    }
}
