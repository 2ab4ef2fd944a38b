using System.Linq;
using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

/// <summary>
/// The forward code where a graph branches and joins (Add, Concat, the working buffers beyond a and b that
/// the values still to be read need) and of the average-pooling layers.
/// </summary>
internal static partial class Emitter
{
    /// <summary>Working buffer 0 and 1 are a chain's a and b; a graph's further ones are work2, work3, ...</summary>
    private static string WorkBufferName(int index) => index switch
    {
        0 => "a",
        1 => "b",
        _ => "work" + Invariant.Int(index),
    };

    /// <summary>The working buffers a graph needs beyond a and b, after them in the scratch; returns the next offset.</summary>
    private static int WriteExtraWorkBuffers(SourceWriter w, ModelPlan plan, int at)
    {
        if (plan.ExtraWorkBuffers == 0)
        {
            return at;
        }

        w.Line($"// The graph branches: a value stays in its buffer until its last reader has run, so {2 + plan.ExtraWorkBuffers} buffers in all.");
        for (int k = 2; k < 2 + plan.ExtraWorkBuffers; k++)
        {
            w.Line($"{Span} {WorkBufferName(k)} = scratch.Slice({at}, {plan.WorkLength});");
            at += plan.WorkLength;
        }

        return at;
    }

    /// <summary>Add: the float32 sum of the inputs, left to right; Concat: the inputs copied one after another.</summary>
    private static void WriteJoin(SourceWriter w, LayerPlan layer)
    {
        w.Line($"// {layer.Op}: {layer.Reason}.");
        string destination = BufferExpression(layer.Destination, layer.OutputLength);
        string[] reads = layer.Reads.Select(r => BufferExpression(r.Slot, r.Length)).ToArray();
        if (layer.Op == LayerOp.Add)
        {
            w.Line($"{Runtime}.Activations.Add({reads[0]}, {reads[1]}, {destination});");
            foreach (string more in reads.Skip(2))
            {
                w.Line($"{Runtime}.Activations.Add({destination}, {more}, {destination});");
            }

            return;
        }

        int at = 0;
        for (int k = 0; k < reads.Length; k++)
        {
            w.Line($"{reads[k]}.CopyTo({destination}.Slice({Invariant.Int(at)}, {Invariant.Int(layer.Reads[k].Length)}));");
            at += layer.Reads[k].Length;
        }
    }

    private static void WriteAveragePool(SourceWriter w, LayerPlan layer)
    {
        string source = WriteInputQuantizer(w, layer);
        w.Line($"// {layer.Op}: {layer.Reason}.");
        string destination = BufferExpression(layer.Destination, layer.OutputLength);
        if (layer.Op == LayerOp.GlobalAvgPool2d)
        {
            w.Line($"{Runtime}.AveragePooling.GlobalAvgPool({source}, {destination}, channels: {Invariant.Int(layer.Window[0])}, positions: {Invariant.Int(layer.Window[1] * layer.Window[2])});");
            return;
        }

        string countIncludePad = layer.Scalars[0] != 0f ? "true" : "false";
        w.Line($"{Runtime}.AveragePooling.AvgPool({source}, {destination}, new {Runtime}.Window({WindowArguments(layer)}), countIncludePad: {countIncludePad});");
    }
}
