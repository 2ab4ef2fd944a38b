using System;
using QuantGen.Quantizer.Methods;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>
/// The hidden state of an LSTM or GRU layer, quantized by the same activation method as the layer's input:
/// a method that codes at run time (alternating) codes h before the recurrent product every step, as the
/// alternating multi-bit paper quantizes h and x online; any other method becomes the hidden-state
/// quantizer on every new h (bit-RNN's placement, also on the GRU's reset product), calibrated on everything it
/// quantizes: the new h values and, in a GRU, the reset products r * (U_n h + d_n), which are not bounded by 1. Whether the cell uses sigmoid in place of tanh is a property of how the
/// model was trained, so it is left as the description has it.
/// </summary>
internal static class RecurrentQuantization
{
    public static void QuantizeHidden(Layer layer, IActivationQuantizer method, float[] hiddenSamples)
    {
        RecurrentOptions? existing = LayerShapes.Options(layer);
        if (existing is null)
        {
            return;
        }

        var options = existing.Clone();
        ActivationQuantizer quantizer = method.Calibrate(layer.Name + ".hidden", hiddenSamples);
        if (quantizer.KindCase == ActivationQuantizer.KindOneofCase.OnlineMultiBinary)
        {
            options.RecurrentQuantizer = quantizer;
        }
        else
        {
            options.HiddenQuantizer = quantizer;
        }

        if (layer.OpCase == Layer.OpOneofCase.Lstm)
        {
            layer.Lstm.Options = options;
        }
        else
        {
            layer.Gru.Options = options;
        }
    }
}
