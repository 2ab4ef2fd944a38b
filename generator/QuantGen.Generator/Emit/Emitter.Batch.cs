using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;

namespace QuantGen.Generator.Emit;

/// <summary>
/// A batch through a chain of fully connected and element-wise layers, up to <see cref="ModelPlan.BatchTile"/> inputs
/// at a time (the last tile takes what is left): each float32 or integer product takes the whole tile in one call
/// (DenseKernels.FloatMany, Int8.DenseMany: every weight load reused by the tile's inputs), every other step runs
/// per input as <c>Forward</c> runs it. FloatMany equals Float and DenseMany equals Dense per input bit for bit, so a
/// batch gives exactly what one Predict per input gives.
/// </summary>
internal static partial class Emitter
{
    /// <summary>The batch overload's body: tiles of up to <see cref="ModelPlan.BatchTile"/> inputs through ForwardTile.</summary>
    private static void WriteBatchLoop(SourceWriter w, ModelPlan plan)
    {
        int tile = plan.BatchTile;
        int total = plan.ScratchLength + plan.BatchScratchLength;
        if (total <= Planner.MaxStackFloats)
        {
            w.Line($"// {Invariant.Grouped(total * 4L)} bytes of working memory (a tile of {tile} inputs' layer outputs included): small enough for the stack.");
            w.Line($"{Span} scratch = stackalloc float[{total}];");
        }
        else
        {
            w.Line($"// {Invariant.Grouped(total * 4L)} bytes of working memory (a tile of {tile} inputs' layer outputs included): a buffer per thread.");
            w.Line($"{Span} scratch = {Runtime}.ScratchBuffer.Get({total});");
        }

        w.Open($"for (int i = 0; i < batchSize; i += {tile})");
        w.Line($"int count = global::System.Math.Min({tile}, batchSize - i);");
        w.Line($"ForwardTile(inputs.Slice(i * {plan.InputLength}, count * {plan.InputLength}), outputs.Slice(i * {plan.OutputLength}, count * {plan.OutputLength}), count, scratch);");
        w.Close();
    }

    /// <summary>ForwardTile: <see cref="ModelPlan.BatchTile"/> inputs (and outputs) stored one after another.</summary>
    private static void WriteForwardTile(SourceWriter w, ModelPlan plan)
    {
        int tile = plan.BatchTile;
        w.Line();
        w.Line($"/// <summary>Runs count (1 to {tile}) inputs through the layers together: each float32 or integer product in one batched call, the other steps per input.</summary>");
        w.Open($"private static void ForwardTile({ReadOnlySpan} inputs, {Span} outputs, int count, {Span} scratch)");
        WriteBuffers(w, plan);
        w.Line($"// The tile's layer outputs, after the per-input working memory.");
        w.Line($"{Span} at = scratch.Slice({plan.ScratchLength}, {tile * plan.WorkLength});");
        w.Line($"{Span} bt = scratch.Slice({plan.ScratchLength + (tile * plan.WorkLength)}, {tile * plan.WorkLength});");
        if (plan.BatchKernelLength > 0)
        {
            w.Line($"// The batched kernels' working memory for the tile (the integer products' input codes).");
            w.Line($"{Span} ct = scratch.Slice({plan.ScratchLength + (2 * tile * plan.WorkLength)}, {plan.BatchKernelLength});");
        }

        foreach (LayerPlan layer in plan.Layers)
        {
            w.Line();
            WriteTileLayer(w, layer);
        }

        w.Close();
    }

    private static void WriteTileLayer(SourceWriter w, LayerPlan layer)
    {
        int input = layer.InputLength, output = layer.OutputLength;
        string source = TileBuffer(layer.PreviousOutput, input);
        string destination = TileBuffer(layer.Destination, output);
        w.Line($"// Layer {layer.Index}: {layer.Op} {input} -> {output}, the tile's inputs.");
        if (ModelPlan.TakesBatch(layer))
        {
            w.Line(KernelRegistry.Get(layer.Matrices[0].Kernel).CallMany(layer.Matrices[0], source, destination, "count", "ct") + ";");
            return;
        }

        w.Open("for (int t = 0; t < count; t++)");
        string x = $"{source}.Slice(t * {input}, {input})";
        string y = $"{destination}.Slice(t * {output}, {output})";
        bool fused = layer.Op == LayerOp.Dense && layer.Matrices[0].FusesInput;
        if (layer.Quantizer is QuantizerPlan quantizer && !fused)
        {
            w.Line(QuantizerCall(quantizer, layer.Index, x, $"q.Slice(0, {input})", input) + ";");
            x = $"q.Slice(0, {input})";
        }

        string call = layer.Op == LayerOp.Dense ? MatrixCall(layer.Matrices[0], x, y)
            : layer.Op == LayerOp.Flatten ? (source == destination ? "" : $"{x}.CopyTo({y})")
            : ElementwiseCall(layer, x, y);
        if (call.Length > 0)
        {
            w.Line(call + ";");
        }

        w.Close();
    }

    /// <summary>A tile's buffer: the batch's inputs or outputs, or the tile's own copy of work buffer a or b.</summary>
    private static string TileBuffer(BufferSlot slot, int length) => slot.Kind switch
    {
        BufferKind.Input => "inputs",
        BufferKind.Output => "outputs",
        BufferKind.Work => $"{(slot.Index == 0 ? "at" : "bt")}.Slice(0, count * {length})",
        _ => throw new System.InvalidOperationException("a batched layer reads or writes " + slot.Kind),
    };
}
