using System;
using System.Collections.Generic;
using System.Threading;
using QuantGen.Quantizer;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>What the quantize and report verbs ask of the quantizer.</summary>
public sealed record QuantizeRequest(MethodSpec Weights, MethodSpec Activations)
{
    public IReadOnlyDictionary<string, MethodSpec> LayerOverrides { get; init; } = new Dictionary<string, MethodSpec>();
    public bool KeepFirstFloat { get; init; }
    public bool KeepLastFloat { get; init; }
    public int? Seed { get; init; }
    public string? LsqStepsPath { get; init; }
    public string? Name { get; init; }
}

/// <summary>The one place the command line calls the quantizer library.</summary>
internal static class Quantization
{
    public static Model Run(Model floatModel, QuantizeRequest request, IReadOnlyList<float[]> calibration, Action<string, string, int, int>? progress, CancellationToken cancellationToken)
    {
        if (request.LayerOverrides.Count > 0 || request.KeepFirstFloat || request.KeepLastFloat || request.Seed is not null || request.LsqStepsPath is not null)
        {
            throw CliException.Usage("--layer, --keep-float, --seed and --lsq-steps need the published-methods quantizer, which this build does not have yet");
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ModelQuantizer.Quantize(floatModel, request.Weights, request.Activations, calibration, request.Name);
    }

    /// <summary>Methods the report compares (each at every bit width it can do).</summary>
    public static IReadOnlyList<string> ReportMethods => ["uniform", "alternating"];

    /// <summary>The weights and activations a report line uses at <paramref name="bits"/>, or why it cannot.</summary>
    public static (MethodSpec? Weights, MethodSpec? Activations, string? Skip) ReportPair(string method, int bits) =>
        method == "uniform" && bits < 2
            ? (null, null, "symmetric uniform weights need 2 to 8 bits")
            : (MethodSpec.Parse($"{method}:{bits}"), MethodSpec.Parse($"{method}:{bits}"), null);
}
