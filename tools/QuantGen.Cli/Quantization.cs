using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Quantizer;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>
/// A line of the report: a method, the weights and activations it uses at k bits. Methods that exist
/// on one side only are paired as their papers pair them: weighted-entropy weights with LogQuant
/// activations, the multi-bit weight searches with alternating activations, bit-RNN's weights with
/// DoReFa's Q_k activations, HWGQ's binary weights (always 1 bit) with half-wave Gaussian activations.
/// </summary>
public sealed record ReportLine(string Name, string WeightMethod, int? FixedWeightBits, string ActivationMethod)
{
    public MethodSpec Weights(int bits) => new(WeightMethod, FixedWeightBits ?? bits);

    public MethodSpec Activations(int bits) => new(ActivationMethod, bits);

    /// <summary>The pair with k for the bit width, e.g. <c>hwgq:1 / hwgq:k</c>.</summary>
    public string Pattern => $"{WeightMethod}:{FixedWeightBits?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "k"} / {ActivationMethod}:k";
}

/// <summary>The one place the command line calls the quantizer library.</summary>
internal static class Quantization
{
    public static IReadOnlyList<ReportLine> ReportLines { get; } =
    [
        new("uniform", "uniform", null, "uniform"),
        new("uniform-tensor", "uniform-tensor", null, "uniform"),
        new("affine", "affine", null, "affine"),
        new("affine-tensor", "affine-tensor", null, "affine"),
        new("stochastic", "stochastic", null, "uniform"),
        new("dorefa", "dorefa", null, "dorefa"),
        new("bitrnn", "bitrnn", null, "dorefa"),
        new("hwgq", "hwgq", 1, "hwgq"),
        new("hwgq-lloydmax", "hwgq", 1, "hwgq-lloydmax"),
        new("wq", "wq", null, "logquant"),
        new("greedy", "greedy", null, "alternating"),
        new("refined", "refined", null, "alternating"),
        new("alternating", "alternating", null, "alternating"),
        new("lsq", "lsq", null, "lsq"),
    ];

    public static Model Run(Model floatModel, QuantizeOptions options, IReadOnlyList<float[]> calibration, Action<string, string, int, int>? progress, CancellationToken cancellationToken)
    {
        IProgress<QuantizeProgress>? sink = progress is null ? null : new Immediate(p => progress(p.Layer, p.Stage, p.Done, p.Total));
        return ModelQuantizer.Quantize(floatModel, options, calibration, sink, cancellationToken);
    }

    /// <summary>Checks that a spec names a method of its side with a bit width it takes: a usage error otherwise, before any work.</summary>
    public static void CheckSide(MethodSpec spec, bool activations, string option)
    {
        if (spec.IsNone)
        {
            return;
        }

        string? problem = WhyNot(spec, activations);
        if (problem is not null)
        {
            throw CliException.Usage($"{option} {spec}: {problem}");
        }
    }

    /// <summary>Why a method cannot quantize one side at that bit width, or null when it can.</summary>
    public static string? WhyNot(MethodSpec spec, bool activations)
    {
        try
        {
            if (activations)
            {
                _ = QuantizationMethods.CreateActivationQuantizer(spec);
            }
            else
            {
                _ = QuantizationMethods.CreateWeightQuantizer(spec);
            }

            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.TrimEnd('.');
        }
    }

    // System.Progress<T> posts to the thread pool (out of order, after the fact); this reports in place.
    private sealed class Immediate(Action<QuantizeProgress> report) : IProgress<QuantizeProgress>
    {
        public void Report(QuantizeProgress value) => report(value);
    }
}
