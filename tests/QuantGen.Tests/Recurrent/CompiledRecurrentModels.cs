using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using QuantGen.Reference;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;

namespace QuantGen.Tests.Recurrent;

/// <summary>A recurrent or convolutional description, the class generated from it (an IRecurrentQuantModel or an IQuantModel) and its reference.</summary>
public sealed record SequenceCase(string Name, Model Description, object Generated, ReferenceInterpreter Reference)
{
    public IRecurrentQuantModel Recurrent => (IRecurrentQuantModel)Generated;

    public IQuantModel Stateless => (IQuantModel)Generated;
}

/// <summary>Every recurrent and convolution test model, generated and compiled in one compilation.</summary>
public sealed class CompiledRecurrentModels
{
    /// <summary>Built once for the whole test run: every class fixture of this type shares the one compilation.</summary>
    private static readonly Lazy<CompiledRecurrentModels> Shared = new(() => new CompiledRecurrentModels(build: true));

    public CompiledRecurrentModels()
    {
        Run = Shared.Value.Run;
        Cases = Shared.Value.Cases;
    }

    private CompiledRecurrentModels(bool build)
    {
        var descriptions = new List<(string Name, Model Model)>();
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
            {
                foreach (bool lstm in new[] { true, false })
                {
                    string name = $"{(lstm ? "lstm" : "gru")}.{codecName}.{quantizerName}";
                    descriptions.Add((name, RecurrentTestModels.TokenRecurrent(name, lstm, (r, rows, cols) => codec(r, rows, cols), quantizer, Seed(name))));
                }

                // The GRU with its reset before the recurrent product (ONNX's linear_before_reset = 0).
                string resetBefore = $"gru-reset-before.{codecName}.{quantizerName}";
                descriptions.Add((resetBefore, RecurrentTestModels.ResetBeforeProduct(RecurrentTestModels.TokenRecurrent(resetBefore, false, (r, rows, cols) => codec(r, rows, cols), quantizer, Seed(resetBefore)))));

                // Every codec x quantizer through a padded convolution too: the kernel registry serves Conv2d as it serves Dense.
                string conv = $"conv.{codecName}.{quantizerName}";
                descriptions.Add((conv, RecurrentTestModels.Convolution(conv, (r, rows, cols) => codec(r, rows, cols), quantizer(new Random(Seed(conv))), stride: 1, padding: 1, poolPadding: 0, Seed(conv))));
            }
        }

        // Enough channels for the batched kernels' choices to differ from the small convolution's (the integer
        // convolution where it applies): 6 input channels (a group of 4 and a partial one), 20 output channels
        // (a whole pass of 16 and a partial one).
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in WideConvolutionQuantizers())
            {
                string wide = $"conv-wide.{codecName}.{quantizerName}";
                descriptions.Add((wide, RecurrentTestModels.Convolution(wide, (r, rows, cols) => codec(r, rows, cols), quantizer(new Random(Seed(wide))), stride: 1, padding: 1, poolPadding: 0, Seed(wide), channels: 6, outChannels: 20)));
            }
        }

        // Alternating weights and input over 16 channels (one whole 16-bit word per pixel, as in the digits CNN): the
        // xor/popcount convolution beats the float one at 2 x 2 bits; at 3 x 3 the float convolution stays faster.
        foreach (int bits in new[] { 2, 3 })
        {
            string name = $"conv-xnor.alternating{bits}";
            descriptions.Add((name, RecurrentTestModels.Convolution(name, (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, bits), TestModels.Online(bits, 2), stride: 1, padding: 1, poolPadding: 0, Seed(name), channels: 16, outChannels: 12)));
        }

        foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
        {
            string name = $"conv-strided.{quantizerName}";
            descriptions.Add((name, RecurrentTestModels.Convolution(name, RecurrentTestModels.TestFloat, quantizer(new Random(1)), stride: 2, padding: 0, poolPadding: 1, Seed(name))));
        }

        foreach (int bits in new[] { 1, 2, 3 })
        {
            foreach (bool lstm in new[] { true, false })
            {
                string bitRnn = $"bitrnn{bits}.{(lstm ? "lstm" : "gru")}";
                descriptions.Add((bitRnn, RecurrentTestModels.BitRnn(bitRnn, lstm, bits, Seed(bitRnn))));
                string alternating = $"alternating{bits}.{(lstm ? "lstm" : "gru")}";
                int b = bits;
                descriptions.Add((alternating, RecurrentTestModels.TokenRecurrent(alternating, lstm, (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, b), _ => TestModels.Online(b, 2), Seed(alternating), RecurrentTestModels.TestFloat)));
            }

            // Online codes of r * h inside the xor-popcount kernel, for the reset before the product.
            string alternatingReset = $"alternating{bits}.gru-reset-before";
            int k = bits;
            descriptions.Add((alternatingReset, RecurrentTestModels.ResetBeforeProduct(RecurrentTestModels.TokenRecurrent(alternatingReset, false, (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, k), _ => TestModels.Online(k, 2), Seed(alternatingReset), RecurrentTestModels.TestFloat))));
        }

        descriptions.Add(("stacked", RecurrentTestModels.Stacked(11)));
        foreach (bool lstm in new[] { true, false })
        {
            string stack = $"alternating-stack2.{(lstm ? "lstm" : "gru")}";
            descriptions.Add((stack, RecurrentTestModels.AlternatingStack(stack, lstm, 2, Seed(stack))));
        }

        // 8-bit weights, 8-bit input and an 8-bit hidden quantizer over [-1, 1], whose grid misses 0: U h takes
        // integer dot products on h as it lies on that grid, and the zero state at the start goes around them.
        foreach (bool lstm in new[] { true, false })
        {
            string name = $"hidden-grid.{(lstm ? "lstm" : "gru")}";
            Model model = RecurrentTestModels.TokenRecurrent(name, lstm, (r, rows, cols) => TestModels.Uniform(r, rows, cols, 8, signed: true, perRow: true, zeroPoints: false), _ => TestModels.UniformActivation(8, -1f, 1f), Seed(name));
            RecurrentOptions options = lstm ? model.Layers[1].Lstm.Options : model.Layers[1].Gru.Options;
            options.HiddenQuantizer ??= options.RecurrentQuantizer;
            options.RecurrentQuantizer = null;
            descriptions.Add((name, model));
        }

        var files = descriptions.Select((d, i) => (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/rnn/r{i}.qgm.json", TestModels.Json(d.Model))).ToList();
        var bindings = GeneratorHarness.Bindings(descriptions.Select((d, i) => ($"R{i}", $"rnn/r{i}.qgm.json")), "Tests.Recurrent");
        // Planned for Avx512, the table the kernel pins of RecurrentDifferentialTests were made with (the default Portable
        // plan takes the float convolution for the 6-channel integer cases, which would leave the integer one unchecked).
        // As a project that allows unsafe code: [SkipLocalsInit], so the stateless models run on dirty stack memory.
        GeneratorRun run = GeneratorHarness.Run([bindings], files, target: "Avx512", allowUnsafe: true);
        Diagnostic[] errors = run.Result.Diagnostics.ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidOperationException("The generator reported:\n" + string.Join("\n", errors.Take(10)));
        }

        Run = run;
        Assembly assembly = run.Load();
        Cases = descriptions
            .Select((d, i) => new SequenceCase(d.Name, d.Model, Activator.CreateInstance(assembly.GetType($"Tests.Recurrent.R{i}")!)!, new ReferenceInterpreter(d.Model)))
            .ToDictionary(c => c.Name);
    }

    internal GeneratorRun Run { get; }

    public IReadOnlyDictionary<string, SequenceCase> Cases { get; }

    private static int Seed(string name) => name.Aggregate(23, (h, ch) => unchecked(h * 31 + ch));

    /// <summary>Every quantizer, plus uniform ones whose range starts at 0 (a ReLU's output), which the integer convolution takes.</summary>
    public static IEnumerable<(string, Func<Random, ActivationQuantizer?>)> WideConvolutionQuantizers() =>
        CompiledModels.Quantizers().Concat(
        [
            ("uniform8-from0", _ => TestModels.UniformActivation(8, 0f, 2f)),
            ("uniform3-from0", _ => TestModels.UniformActivation(3, 0f, 1.25f)),
        ]);
}
