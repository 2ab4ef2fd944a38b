using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;
using QuantGen.Runtime;

namespace QuantGen.Generator.Emit;

/// <summary>The forward code of the Conv2d and MaxPool2d layers, and of the Embedding lookup.</summary>
internal static partial class Emitter
{
    /// <summary>
    /// A convolution: the layer's quantizer codes the whole input map once, then each output position's
    /// patch goes through the matrix's kernel and its column of outputs lands in the [channel, y, x] output.
    /// </summary>
    private static void WriteConvolution(SourceWriter w, LayerPlan layer)
    {
        MatrixPlan m = layer.Matrices[0];
        w.Line($"// {layer.Op}: {layer.Reason}.");
        string source = WriteInputQuantizer(w, layer);
        WriteKernelComment(w, m);
        string destination = BufferExpression(layer.Destination, layer.OutputLength);
        string window = $"new {Runtime}.Window({WindowArguments(layer)})";
        if (m.Batched)
        {
            w.Line(KernelRegistry.Get(m.Kernel).CallMany(m, source, window, destination, m.HasBias ? $"QuantGenData.{m.Data}Bias" : "default", $"layerScratch.Slice(0, {Invariant.Int(m.ScratchFloats)})") + ";");
            return;
        }

        // Names carry the layer's index: the forward pass is one scope, and a model may have several convolutions.
        string i = Invariant.Int(layer.Index);
        w.Line($"var window{i} = {window};");
        w.Line($"{Span} patch{i} = layerScratch.Slice(0, {m.Cols});");
        w.Line($"{Span} column{i} = layerScratch.Slice({m.Cols}, {m.Rows});");
        w.Open($"for (int p = 0; p < {m.Products}; p++)");
        w.Line($"{Runtime}.SpatialKernels.Patch({source}, patch{i}, window{i}, p);");
        w.Line(MatrixCall(m, $"patch{i}", $"column{i}") + ";");
        w.Line($"{Runtime}.SpatialKernels.Scatter(column{i}, {destination}, p, {m.Products});");
        w.Close();
    }

    private static void WriteMaxPool(SourceWriter w, LayerPlan layer)
    {
        string source = WriteInputQuantizer(w, layer);
        w.Line($"// {layer.Op}: {layer.Reason}.");
        w.Line($"{Runtime}.SpatialKernels.MaxPool({source}, {BufferExpression(layer.Destination, layer.OutputLength)}, new {Runtime}.Window({WindowArguments(layer)}));");
    }

    private static void WriteEmbedding(SourceWriter w, LayerPlan layer)
    {
        MatrixPlan m = layer.Matrices[0];
        WriteKernelComment(w, m);
        // Only a model's first layer may be an embedding: its input is the token id.
        w.Line($"int token = {Runtime}.EmbeddingLookup.Token(input, {m.Rows});");
        w.Line(MatrixCall(m, "token", BufferExpression(layer.Destination, layer.OutputLength)) + ";");
    }

    private static string WindowArguments(LayerPlan layer) => string.Join(", ", layer.Window.Select(g => Invariant.Int(g)));
}
