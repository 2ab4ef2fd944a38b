using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using QuantGen.Reference;
using QuantGen.Schema;

namespace QuantGen.Tests.Infrastructure;

/// <summary>A description, the class generated from it, and the reference interpreter of it.</summary>
public sealed record ModelCase(string Name, Model Description, IQuantModel Generated, ReferenceInterpreter Reference);

/// <summary>
/// Every test model, generated and compiled once (one compilation is far cheaper than one per model):
/// each codec with each activation quantizer, every bit width 1..8, every layer kind, and the digits
/// sample's trained variants.
/// </summary>
public sealed class CompiledModels
{
    /// <summary>Built once for the whole test run: every class fixture of this type shares the one compilation.</summary>
    private static readonly Lazy<IReadOnlyDictionary<string, ModelCase>> Shared = new(() => Compile(Descriptions()));

    public CompiledModels() => Cases = Shared.Value;

    internal static List<(string Name, Model Model)> Descriptions()
    {
        var descriptions = new List<(string Name, Model Model)>();
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in Quantizers())
            {
                string name = $"{codecName}.{quantizerName}";
                descriptions.Add((name, TestModels.TwoLayer(name, codec, quantizer, Seed(name))));
            }
        }

        foreach ((string name, Model model) in BitSweep())
        {
            descriptions.Add((name, model));
        }

        descriptions.Add(("all-ops", TestModels.AllOps(7)));
        foreach (string path in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "digits"), "*.qgm.json").OrderBy(p => p, StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path).Replace(".qgm.json", "");
            descriptions.Add((name, DescriptionLoader.LoadOrThrow(File.ReadAllText(path), path)));
        }

        return descriptions;
    }

    public IReadOnlyDictionary<string, ModelCase> Cases { get; }

    /// <summary>
    /// Generates every description into one assembly (class Tests.Models.M{i}), loads it, and pairs each with its reference.
    /// In the emulated ARM64 child the assembly comes precompiled from the x64 parent (<see cref="PrecompiledModels"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, ModelCase> Compile(IReadOnlyList<(string Name, Model Model)> descriptions)
    {
        Assembly assembly = PrecompiledModels.Load(descriptions) ?? Assembly.Load(Image(descriptions));
        return descriptions
            .Select((d, i) => new ModelCase(d.Name, d.Model, (IQuantModel)Activator.CreateInstance(assembly.GetType($"Tests.Models.M{i}")!)!, new ReferenceInterpreter(d.Model)))
            .ToDictionary(c => c.Name);
    }

    /// <summary>The generated classes of <paramref name="descriptions"/>, compiled: the image <see cref="Compile"/> loads.</summary>
    public static byte[] Image(IReadOnlyList<(string Name, Model Model)> descriptions)
    {
        var files = descriptions.Select((d, i) => (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/models/m{i}.qgm.json", TestModels.Json(d.Model))).ToList();
        var bindings = GeneratorHarness.Bindings(descriptions.Select((d, i) => ($"M{i}", $"models/m{i}.qgm.json")));
        // As a project that allows unsafe code: [SkipLocalsInit], so every differential case also runs on dirty stack memory.
        GeneratorRun run = GeneratorHarness.Run([bindings], files, allowUnsafe: true);
        Diagnostic[] errors = run.Result.Diagnostics.ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidOperationException("The generator reported:\n" + string.Join("\n", errors.Take(10)));
        }

        return QuantGen.InMemory.InMemoryGenerator.Emit(run.Output);
    }

    public static IEnumerable<(string, Func<Random, int, int, Weights>)> Codecs() =>
    [
        ("float", (r, rows, cols) => TestModels.Float(r, rows, cols)),
        ("uniform4-signed-row", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false)),
        ("uniform3-unsigned-tensor-zp", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 3, signed: false, perRow: false, zeroPoints: true)),
        ("uniform8-signed-row-zp", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 8, signed: true, perRow: true, zeroPoints: true)),
        ("levels3", (r, rows, cols) => TestModels.Levels(r, rows, cols, 3)),
        ("multibinary2", (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, 2)),
    ];

    public static IEnumerable<(string, Func<Random, ActivationQuantizer?>)> Quantizers() =>
    [
        ("none", _ => null),
        ("uniform4", _ => TestModels.UniformActivation(4, -1f, 1.5f)),
        ("affine4", _ => new ActivationQuantizer { Uniform = new UniformActivation { Bits = 4, Lo = -5 * 0.17f, Hi = 10 * 0.17f, Scale = 0.17f, ZeroPoint = 5 } }),
        ("thresholds2", r => TestModels.Thresholds(r, 2)),
        ("logquant3", _ => TestModels.LogQuant(3, -16, 4)),
        ("online2", _ => TestModels.Online(2, 2)),
    ];

    /// <summary>Each quantized codec at every bit width, each with an activation quantizer of the same width.</summary>
    private static IEnumerable<(string, Model)> BitSweep()
    {
        for (int bits = 1; bits <= 8; bits++)
        {
            int b = bits;
            Func<Random, ActivationQuantizer?>[] quantizers =
            [
                _ => TestModels.UniformActivation(b, -1.5f, 1.5f),
                r => TestModels.Thresholds(r, b),
                _ => TestModels.LogQuant(b, -24, 3),
                _ => TestModels.Online(b, 1 + b % 3),
            ];
            (string, Func<Random, int, int, Weights>)[] codecs =
            [
                ($"uniform{b}", (r, rows, cols) => TestModels.Uniform(r, rows, cols, b, signed: b % 2 == 0, perRow: b % 3 != 0, zeroPoints: b % 2 == 1)),
                ($"levels{b}", (r, rows, cols) => TestModels.Levels(r, rows, cols, b)),
                ($"multibinary{b}", (r, rows, cols) => TestModels.MultiBinary(r, rows, cols, b)),
            ];
            for (int c = 0; c < codecs.Length; c++)
            {
                string name = $"bits{b}.{codecs[c].Item1}.q{(b + c) % 4}";
                yield return (name, TestModels.TwoLayer(name, codecs[c].Item2, quantizers[(b + c) % 4], Seed(name)));
            }
        }
    }

    private static int Seed(string name) => name.Aggregate(17, (h, ch) => unchecked(h * 31 + ch));
}
