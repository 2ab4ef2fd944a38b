using System;
using QuantGen.Schema;

namespace QuantGen.Reference;

/// <summary>Where in a layer an activation quantizer sits (the schema's fields of that name).</summary>
public enum QuantizerSite
{
    /// <summary>The layer's input_quantizer, on the values the layer receives.</summary>
    Input,

    /// <summary>A recurrent layer's recurrent_quantizer, on h right before U h.</summary>
    Recurrent,

    /// <summary>A recurrent layer's hidden_quantizer on the new h'.</summary>
    Hidden,

    /// <summary>A GRU's hidden_quantizer on the product r * (U_n h + d_n), before it enters n.</summary>
    ResetProduct,
}

/// <summary>How a <see cref="ReferenceInterpreter"/> runs beyond the description's own semantics.</summary>
public sealed class ReferenceOptions
{
    /// <summary>
    /// Online alternating codes on the scalar path only (<c>AlternatingQuantizer.QuantizePortable</c>), so every
    /// value is the same on every machine: what an offline quantizer tracing calibration data needs. Off, the
    /// interpreter codes as the generated code does (the fast path of the machine), which the differential
    /// tests compare with.
    /// </summary>
    public bool Portable { get; init; }

    /// <summary>
    /// Called at every quantizer site of every step with the layer index, the site, and the values that reach it,
    /// before the quantizer (if the layer has one there) changes them: what calibration measures a range on.
    /// The array is the interpreter's own: copy what you keep.
    /// </summary>
    public Action<int, QuantizerSite, float[]>? Observe { get; init; }
}

public sealed partial class ReferenceInterpreter
{
    /// <summary>One quantizer site: shows <paramref name="x"/> to the observer, then applies <paramref name="quantizer"/> when there is one.</summary>
    private void Site(int layer, QuantizerSite site, ActivationQuantizer? quantizer, float[] x)
    {
        _options.Observe?.Invoke(layer, site, x);
        if (quantizer is not null)
        {
            ReferenceQuantizers.Apply(quantizer, x, _options.Portable);
        }
    }
}
