using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer.Methods;

namespace QuantGen.Quantizer;

/// <summary>
/// Every method by its command-line name, the bit widths it takes, and the type that implements it
/// (Methods/*.cs; each names its paper and official code).
/// </summary>
public static class QuantizationMethods
{
    private sealed record Entry<T>(string Name, int MinBits, int MaxBits, int DefaultBits, Func<int, QuantizeOptions, string, T> Create, string Summary);

    private static readonly Entry<IWeightQuantizer>[] Weights =
    [
        new("uniform", 2, 8, 0, (b, _, _) => new UniformWeights(b, perRow: true), "symmetric k-bit, scale per row"),
        new("uniform-tensor", 2, 8, 0, (b, _, _) => new UniformWeights(b, perRow: false), "symmetric k-bit, one scale per tensor"),
        new("affine", 2, 8, 0, (b, _, _) => new AffineWeights(b, perRow: true), "k-bit with zero point, per row"),
        new("affine-tensor", 2, 8, 0, (b, _, _) => new AffineWeights(b, perRow: false), "k-bit with zero point, per tensor"),
        new("stochastic", 2, 8, 0, (b, o, _) => new StochasticWeights(b, o.Seed), "symmetric per row, stochastic rounding (--seed)"),
        new("dorefa", 1, 8, 0, (b, _, _) => new DoReFaWeights(b), "DoReFa: tanh-normalised k-bit levels in [-1, 1]; 1 bit sign * mean|w|"),
        new("bitrnn", 1, 8, 0, (b, _, _) => new BitRnnWeights(b), "bit-RNN: k-bit levels scaled by 2.5 mean|tanh W|"),
        new("hwgq", 1, 1, 1, (_, _, _) => new HwgqWeights(), "HWGQ binary weights, per-row alpha = mean|w|"),
        new("wq", 1, 8, 0, (b, _, _) => new WeightedEntropyWeights(b), "weighted-entropy clustering, mirrored levels"),
        new("greedy", 1, 8, 0, (b, _, _) => new MultiBitWeights(b, MultiBitSearch.Greedy), "greedy multi-bit binary codes per row"),
        new("refined", 1, 8, 0, (b, _, _) => new MultiBitWeights(b, MultiBitSearch.Refined), "refined greedy multi-bit codes per row"),
        new("alternating", 1, 8, 2, (b, _, _) => new MultiBitWeights(b, MultiBitSearch.Alternating), "alternating multi-bit codes per row, 2 cycles"),
        new("alternating-search", 2, 8, 0, (b, _, _) => new MultiBitWeights(b, MultiBitSearch.SplitSearch), "alternating codes per row, then a search of the group cuts: near the least squared error (exact at 2 bits)"),
        new("lsq", 2, 8, 0, (b, o, _) => new LsqWeights(b, o.LsqSteps), "LSQ step per tensor (learned, or 2 mean|w| / sqrt(Q_P))"),
    ];

    private static readonly Entry<IActivationQuantizer>[] Activations =
    [
        new("uniform", 1, 8, 0, (b, _, _) => new UniformActivations(b, affine: false), "k-bit over a calibrated symmetric range"),
        new("affine", 1, 8, 0, (b, _, _) => new UniformActivations(b, affine: true), "k-bit over a calibrated range with an integer zero point"),
        new("dorefa", 1, 8, 0, (b, _, _) => new DoReFaActivation(b), "DoReFa Q_k over [0, 1]"),
        new("hwgq", 1, 4, 2, (b, _, _) => new HwgqActivation(b, lloydMax: false), "half-wave Gaussian, evenly spaced levels"),
        new("hwgq-lloydmax", 1, 4, 2, (b, _, _) => new HwgqActivation(b, lloydMax: true), "half-wave Gaussian, Lloyd-Max levels"),
        new("hwgq-2n", 2, 2, 2, (b, _, _) => new HwgqActivation(b, HwgqCenters.Official2n), "half-wave Gaussian, the official two centers 0.453, 1.51 (\"2n\")"),
        new("logquant", 1, 8, 0, (b, _, _) => new LogQuantSearch(b), "LogQuant, fsr/step of largest weighted entropy"),
        new("alternating", 1, 8, 2, (b, _, _) => new AlternatingActivation(b), "alternating multi-bit codes per input vector at run time"),
        new("lsq", 1, 8, 0, (b, o, layer) => new LsqActivation(b, o.LsqSteps is not null && o.LsqSteps.TryGetValue(layer + ".input", out float s) ? s : null), "LSQ step (learned, or 2 mean|x| / sqrt(Q_P))"),
    ];

    /// <summary>Every method of both sides, from the tables the quantizers are made and checked from (for help texts).</summary>
    public static IReadOnlyList<MethodDescription> All { get; } =
        Weights.Select(e => new MethodDescription(e.Name, Activations: false, e.MinBits, e.MaxBits, e.DefaultBits, e.Summary))
            .Concat(Activations.Select(e => new MethodDescription(e.Name, Activations: true, e.MinBits, e.MaxBits, e.DefaultBits, e.Summary)))
            .ToArray();

    /// <summary>Names accepted by --weights.</summary>
    public static IReadOnlyList<string> WeightMethods { get; } = Weights.Select(e => e.Name).ToArray();

    /// <summary>Names accepted by --activations.</summary>
    public static IReadOnlyList<string> ActivationMethods { get; } = Activations.Select(e => e.Name).ToArray();

    /// <summary>Every name, weight methods first.</summary>
    public static IReadOnlyList<string> AllMethods { get; } = WeightMethods.Concat(ActivationMethods).Distinct().ToArray();

    public static bool IsKnown(string method) => AllMethods.Contains(method);

    public static bool IsWeightMethod(string method) => WeightMethods.Contains(method);

    public static bool IsActivationMethod(string method) => ActivationMethods.Contains(method);

    /// <summary>True for the methods whose bit width may be left out: hwgq, hwgq-lloydmax, hwgq-2n, alternating.</summary>
    public static bool HasDefaultBits(string method) =>
        Weights.Any(e => e.Name == method && e.DefaultBits > 0) || Activations.Any(e => e.Name == method && e.DefaultBits > 0);

    /// <summary>
    /// The bit width a method takes when none is given: hwgq weights 1 (binary) and activations 2 (the
    /// official code's three evenly spaced centers "3ne"), hwgq-lloydmax 2, hwgq-2n 2 (its only width), alternating 2 (the paper's main
    /// setting); 0 for methods that need one.
    /// </summary>
    public static int DefaultBits(string method, bool activations) =>
        activations ? Activations.FirstOrDefault(e => e.Name == method)?.DefaultBits ?? 0 : Weights.FirstOrDefault(e => e.Name == method)?.DefaultBits ?? 0;

    /// <summary>A one-line description of a method on one side (for help texts), or null when the side has no such method.</summary>
    public static string? Describe(string method, bool activations) =>
        activations ? Activations.FirstOrDefault(e => e.Name == method)?.Summary : Weights.FirstOrDefault(e => e.Name == method)?.Summary;

    /// <summary>The weight quantizer of <paramref name="spec"/>; ArgumentException when it is no weight method or the bits are out of its range.</summary>
    public static IWeightQuantizer CreateWeightQuantizer(MethodSpec spec, QuantizeOptions? options = null, string layer = "") =>
        Create(Weights, spec, options, layer, "weights");

    /// <summary>The activation quantizer of <paramref name="spec"/> for the input of <paramref name="layer"/>.</summary>
    public static IActivationQuantizer CreateActivationQuantizer(MethodSpec spec, QuantizeOptions? options = null, string layer = "") =>
        Create(Activations, spec, options, layer, "activations");

    private static T Create<T>(Entry<T>[] entries, MethodSpec spec, QuantizeOptions? options, string layer, string side)
    {
        Entry<T> entry = entries.FirstOrDefault(e => e.Name == spec.Method)
            ?? throw new ArgumentException($"'{spec.Method}' is not a method for {side}; those are: {string.Join(", ", entries.Select(e => e.Name))}.");
        int bits = spec.Bits == 0 ? entry.DefaultBits : spec.Bits;
        if (bits == 0)
        {
            throw new ArgumentException($"{side} method '{spec.Method}' needs a bit width, as in {spec.Method}:4.");
        }

        if (bits < entry.MinBits || bits > entry.MaxBits)
        {
            throw new ArgumentException($"{side} method '{spec.Method}' takes {MethodDescription.Range(entry.MinBits, entry.MaxBits)}, not {bits}.");
        }

        return entry.Create(bits, options ?? new QuantizeOptions(MethodSpec.None, MethodSpec.None), layer);
    }
}

/// <summary>One method of one side as the quantizer knows it: the bit widths it takes, the width it takes when none is given (0: it needs one), and what it does.</summary>
public sealed record MethodDescription(string Name, bool Activations, int MinBits, int MaxBits, int DefaultBits, string Summary)
{
    /// <summary>"2 to 8 bits", or "1 bit only".</summary>
    public string BitRange => Range(MinBits, MaxBits);

    internal static string Range(int min, int max) => min == max ? $"{min} bit{(min == 1 ? "" : "s")} only" : $"{min} to {max} bits";
}
