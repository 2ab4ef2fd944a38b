using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>
/// Which xor/popcount kernels share a coded input across steps. An LSTM's or GRU's h(t) is coded twice when both the
/// next layer and the layer's own recurrent product code it online: by the next layer at step t and by the recurrent
/// product at step t + 1, with the same quantizer, so the same codes. The two kernels get one slot in the state's
/// working memory (runtime Xnor.Dense with sharedCodes): the first codes h into it, the second finds h equal to the
/// slot's key and multiplies with its codes. On the 2 x 256 language model at 2 bits that is two codings of 256 values
/// fewer per step out of five.
/// </summary>
internal static class SharedCodes
{
    /// <summary>
    /// Gives each such pair of matrices in a chain of layers one slot and returns the floats of all slots (0 when there is
    /// none). A model with a backward layer runs whole sequences layer by layer, where the pair never meets, so it gets none.
    /// </summary>
    public static int Assign(List<LayerPlan> layers, QuantGen.Schema.Model model)
    {
        if (model.Layers.Any(LayerShapes.IsReverse))
        {
            return 0;
        }

        int length = 0;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            LayerPlan layer = layers[i], next = layers[i + 1];
            if (layer.Recurrence is not { ResetBeforeProduct: false } || layer.Matrices.Count < 2 || next.Matrices.Count == 0 || next.Source != layer.Destination)
            {
                continue;
            }

            MatrixPlan recurrent = layer.Matrices[1], reader = next.Matrices[0];
            if (!CodesOnline(recurrent) || !CodesOnline(reader) || reader.Part == "Recurrent" || recurrent.Cols != reader.Cols
                || recurrent.Input!.Bits != reader.Input!.Bits || recurrent.Input.Cycles != reader.Input.Cycles)
            {
                continue;
            }

            layers[i] = layer with { Matrices = Replace(layer.Matrices, 1, recurrent with { SharedCodes = length }) };
            layers[i + 1] = next with { Matrices = Replace(next.Matrices, 0, reader with { SharedCodes = length }) };
            length += KernelGeometry.XnorSharedCodesFloats(recurrent.Cols, recurrent.Input.Bits);
        }

        return length;
    }

    /// <summary>An xor/popcount kernel that codes its input itself with the alternating quantizer.</summary>
    private static bool CodesOnline(MatrixPlan m) =>
        m.Kernel == KernelKind.Xnor && m.FusesInput && m.Input is { Kind: QuantizerKind.OnlineMultiBinary };

    private static EquatableArray<MatrixPlan> Replace(EquatableArray<MatrixPlan> matrices, int index, MatrixPlan matrix) =>
        matrices.Select((m, k) => k == index ? matrix : m).ToEquatableArray();
}
