using System.Collections.Generic;

namespace QuantGen.Quantizer;

/// <summary>What <see cref="ModelQuantizer.Quantize(QuantGen.Schema.Model, QuantizeOptions, IReadOnlyList{float[]}, System.IProgress{QuantizeProgress}?, System.Threading.CancellationToken)"/> does to each layer.</summary>
/// <param name="Weights">The method for every weight tensor (e.g. <c>alternating:2</c>), or none.</param>
/// <param name="Activations">The method for the input of every weighted layer but the first, or none.</param>
public sealed record QuantizeOptions(MethodSpec Weights, MethodSpec Activations)
{
    /// <summary>
    /// Layer name -> method for that layer (<c>--layer NAME=METHOD:BITS</c>). The method replaces the
    /// weight method when it is a weight method and the activation method when it is an activation
    /// method (both for most names); a side it does not apply to keeps the global choice. "float" or
    /// "none" keeps the layer entirely float. The first weighted layer's input (the raw model input) is
    /// never quantized, so an input-only method there is an error; keep-float options win over overrides.
    /// </summary>
    public IReadOnlyDictionary<string, MethodSpec> LayerOverrides { get; init; } = new Dictionary<string, MethodSpec>();

    /// <summary>Keep the first weighted layer float (its input is the raw model input and is never quantized anyway).</summary>
    public bool KeepFirstFloat { get; init; }

    /// <summary>Keep the last weighted layer float: float weights and a float input.</summary>
    public bool KeepLastFloat { get; init; }

    /// <summary>Seed of the random draws (stochastic rounding); the same seed gives the same description.</summary>
    public int Seed { get; init; }

    /// <summary>The quantized model's name; null names it after the float model and the methods (<see cref="ModelNames.Default"/>).</summary>
    public string? Name { get; init; }

    /// <summary>Learned LSQ step sizes by tensor name (<see cref="LsqSteps"/>); null: every step is initialised from the data.</summary>
    public IReadOnlyDictionary<string, float>? LsqSteps { get; init; }
}

/// <summary>Where a quantization run is: layer <paramref name="Layer"/>, stage "weights", "activations" (calibration and search) or "done"; <paramref name="Done"/> of <paramref name="Total"/> weighted layers finished.</summary>
public readonly record struct QuantizeProgress(string Layer, string Stage, int Done, int Total);
