using System;

namespace QuantGen.Quantizer;

/// <summary>
/// Activations whose quantizer is calibrated on data (a range, a LogQuant search) were asked for without
/// calibration rows. A front end that knows how the user gives those rows (the command line's
/// <c>--calibration</c>) says so from <see cref="Spec"/> and <see cref="Layer"/>.
/// </summary>
public sealed class MissingCalibrationException(MethodSpec spec, string layer)
    : ArgumentException($"activations '{spec}' on layer '{layer}' need calibration data, and none was given.")
{
    /// <summary>The activation method that needs the data.</summary>
    public MethodSpec Spec { get; } = spec;

    /// <summary>The first layer whose input it quantizes.</summary>
    public string Layer { get; } = layer;
}
