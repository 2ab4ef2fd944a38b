using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

/// <summary>The GRU whose reset comes before the recurrent product (ONNX's linear_before_reset = 0).</summary>
internal static partial class Emitter
{
    /// <summary>
    /// r * h, quantized for the recurrent matrix as h would be, then U (r * h) + d through the same kernel;
    /// its n rows are the reset term. The working memory from <paramref name="offset"/> holds r * h, its
    /// quantized copy and the product (the planner sized it). Returns the reset term's span.
    /// </summary>
    private static string WriteResetBeforeProduct(SourceWriter w, LayerPlan layer, string gx, string gh, string h, int offset)
    {
        RecurrencePlan r = layer.Recurrence!;
        MatrixPlan recurrent = layer.Matrices[1];
        int n = r.Hidden;
        string resetHidden = $"layerScratch.Slice({offset}, {n})";
        string product = $"layerScratch.Slice({offset + 2 * n}, {r.Gates * n})";
        w.Line("// The reset before the product: r * h, then U (r * h) + d; its n rows are the reset term.");
        w.Line($"{Runtime}.RecurrentCells.GruResetHidden({gx}, {gh}, {h}, {resetHidden});");
        string input = resetHidden;
        if (r.RecurrentQuantizer is QuantizerPlan rq && !recurrent.FusesInput)
        {
            input = $"layerScratch.Slice({offset + n}, {n})";
            w.Line($"// r * h quantized for the recurrent product, as h is: {rq.Summary}.");
            w.Line(QuantizerCall(rq, layer.Index, resetHidden, input, n, "Recurrent") + ";");
        }

        w.Line(MatrixCall(recurrent, input, product) + ";");
        return $"layerScratch.Slice({offset + 2 * n + 2 * n}, {n})";
    }
}
