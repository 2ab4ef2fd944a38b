using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>The question the planner puts to the kernel registry for each weight matrix of a layer.</summary>
internal static class MatrixRequests
{
    public static IReadOnlyList<MatrixRequest> Of(Layer layer, int index) => Of(layer, index, CostModel.Portable);

    /// <param name="costs">The cost table the registry compares the kernels by.</param>
    public static IReadOnlyList<MatrixRequest> Of(Layer layer, int index, CostModel costs)
    {
        var requests = new List<MatrixRequest>();
        QuantizerPlan? input = layer.InputQuantizer is null ? null : QuantizerPlans.Of(layer.InputQuantizer);
        RecurrentOptions? options = LayerShapes.Options(layer);
        foreach (LayerMatrix m in LayerShapes.Matrices(layer))
        {
            (QuantizerPlan? feeding, MatrixUse use) = layer.OpCase switch
            {
                Layer.OpOneofCase.Embedding => (null, MatrixUse.Lookup),
                Layer.OpOneofCase.Conv2D => (input, MatrixUse.PatchProduct),
                Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru when m.Part == "Recurrent" => (RecurrentInput(options!), MatrixUse.Product),
                _ => (input, MatrixUse.Product),
            };
            bool onGrid = m.Part == "Recurrent" && options!.RecurrentQuantizer is null && feeding is not null;
            int products = layer.OpCase == Layer.OpOneofCase.Conv2D ? (int)(LayerShapes.OutputLength(layer) / layer.Conv2D.OutChannels) : 1;
            requests.Add(new MatrixRequest(index, m, feeding, use, costs, onGrid, products, layer.OpCase == Layer.OpOneofCase.Conv2D ? layer.Conv2D : null));
        }

        return requests;
    }

    /// <summary>
    /// What feeds U h: the recurrent quantizer when there is one; else, when the hidden quantizer is uniform,
    /// h itself is on that quantizer's grid (it is quantized at the end of every step).
    /// </summary>
    private static QuantizerPlan? RecurrentInput(RecurrentOptions options) =>
        options.RecurrentQuantizer is not null ? QuantizerPlans.Of(options.RecurrentQuantizer)
        : options.HiddenQuantizer?.KindCase == ActivationQuantizer.KindOneofCase.Uniform ? QuantizerPlans.Of(options.HiddenQuantizer)
        : null;
}
