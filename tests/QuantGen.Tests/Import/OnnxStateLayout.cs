using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Tests.Import;

/// <summary>
/// A step graph's state inputs (h, then c for an LSTM; each [layers, 1, hidden]) in the layout of the
/// generated state (RecurrentState.Values: for each recurrent layer its h, then an LSTM's c), as
/// docs/onnx-import.md describes it for users.
/// </summary>
internal static class OnnxStateLayout
{
    public static float[] ToGenerated(Model model, IReadOnlyList<float[]> onnxState)
    {
        var values = new List<float>();
        Layer[] recurrent = model.Layers.Where(l => l.OpCase is Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru).ToArray();
        for (int k = 0; k < recurrent.Length; k++)
        {
            int hidden = LayerShapes.Hidden(recurrent[k]);
            values.AddRange(onnxState[0].Skip(k * hidden).Take(hidden));
            if (recurrent[k].OpCase == Layer.OpOneofCase.Lstm)
            {
                values.AddRange(onnxState[1].Skip(k * hidden).Take(hidden));
            }
        }

        return values.ToArray();
    }
}
