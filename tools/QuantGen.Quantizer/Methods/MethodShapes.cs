using System;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>A float weight tensor of <paramref name="Rows"/> x <paramref name="Cols"/> values, row-major, named <c>LAYER.weights</c> (the key of LSQ side files and of error messages).</summary>
public sealed record WeightTensor(string Name, float[] Values, int Rows, int Cols);

/// <summary>A weight method: float tensor -> one codec of the schema.</summary>
public interface IWeightQuantizer
{
    Weights Quantize(WeightTensor tensor);
}

/// <summary>An activation method: what a layer's input looked like on calibration data -> the run-time quantizer of that input.</summary>
public interface IActivationQuantizer
{
    /// <summary>False when the quantizer is fixed (DoReFa's [0, 1]) or computed at run time (online codes).</summary>
    bool NeedsCalibration { get; }

    /// <summary>True when calibration data, if given, is read (LSQ with a learned step still reads the data's sign).</summary>
    bool UsesCalibration => NeedsCalibration;

    /// <param name="layer">The layer whose input this is (LSQ side files key its step as <c>LAYER.input</c>).</param>
    /// <param name="samples">Every value the layer's input took on the calibration data; empty when <see cref="NeedsCalibration"/> is false and none was given.</param>
    ActivationQuantizer Calibrate(string layer, ReadOnlySpan<float> samples);
}
