using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>
/// Buffers for a graph that branches, and what the element-wise, average-pooling and joining layers
/// compute. A chain keeps the two alternating buffers of <see cref="Plan"/>; a graph gives every value a
/// working buffer that stays taken until its last reader has run, so scratch grows with the values alive at
/// once (a residual block: three), not with the layers.
/// </summary>
internal static partial class Planner
{
    /// <summary>Where each layer of a graph reads and writes.</summary>
    /// <param name="Previous">The slot of each layer's (first) input.</param>
    /// <param name="InputLengths">The length of that input.</param>
    /// <param name="Destinations">Where each layer writes (a Flatten without a quantizer: where its input is).</param>
    /// <param name="ReadsOf">Every slot and length each layer reads.</param>
    /// <param name="WorkBuffers">How many working buffers the graph needs at most at once.</param>
    private sealed record GraphBuffers(BufferSlot[] Previous, int[] InputLengths, BufferSlot[] Destinations, LayerRead[][] ReadsOf, int WorkBuffers)
    {
        public int ExtraWorkBuffers => Math.Max(0, WorkBuffers - 2);

        public static GraphBuffers Assign(QuantGen.Schema.Model model, IReadOnlyList<(int[] Input, int[] Output)> shapes)
        {
            int n = model.Layers.Count;
            int[][] sources = LayerGraph.Sources(model);
            int[] lengths = shapes.Select(s => s.Output.Aggregate(1, (a, b) => a * b)).ToArray();
            var readers = new int[n];
            foreach (int s in sources.SelectMany(x => x).Where(s => s != LayerGraph.ModelInput))
            {
                readers[s]++;
            }

            var slots = new BufferSlot[n];
            var previous = new BufferSlot[n];
            var inputLengths = new int[n];
            var reads = new LayerRead[n][];
            var pending = new List<int>();
            var free = new SortedSet<int>();
            for (int i = 0; i < n; i++)
            {
                Layer layer = model.Layers[i];
                reads[i] = sources[i].Select(s => s == LayerGraph.ModelInput
                    ? new LayerRead(BufferSlot.Input, ModelShape.InputLength(model))
                    : new LayerRead(slots[s], lengths[s])).ToArray();
                previous[i] = reads[i][0].Slot;
                inputLengths[i] = reads[i][0].Length;

                BufferSlot destination;
                if (layer.OpCase == Layer.OpOneofCase.Flatten && layer.InputQuantizer is null && i < n - 1)
                {
                    // No arithmetic: the value stays where it is, read under another name.
                    destination = previous[i];
                }
                else if (i == n - 1)
                {
                    destination = BufferSlot.Output;
                }
                else
                {
                    // Taken before the inputs are released, so a layer never writes over what it reads.
                    int k = free.Count > 0 ? free.Min : pending.Count;
                    free.Remove(k);
                    if (k == pending.Count)
                    {
                        pending.Add(0);
                    }

                    destination = new BufferSlot(BufferKind.Work, k);
                }

                slots[i] = destination;
                if (destination.Kind == BufferKind.Work)
                {
                    pending[destination.Index] += readers[i];
                }

                foreach (LayerRead read in reads[i].Append(new LayerRead(destination, 0)))
                {
                    if (read.Slot.Kind == BufferKind.Work && read.Length > 0)
                    {
                        pending[read.Slot.Index]--;
                    }

                    // Released when no reader is left (a value nothing reads is released at once).
                    if (read.Slot.Kind == BufferKind.Work && pending[read.Slot.Index] == 0)
                    {
                        free.Add(read.Slot.Index);
                    }
                }
            }

            return new GraphBuffers(previous, inputLengths, slots, reads, pending.Count);
        }
    }

    /// <summary>Clip's min and max, LeakyRelu's alpha, AvgPool2d's count_include_pad as 1 or 0; empty for other layers.</summary>
    private static EquatableArray<float> ScalarsOf(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Clip => new[] { layer.Clip.Min, layer.Clip.Max }.ToEquatableArray(),
        Layer.OpOneofCase.LeakyRelu => new[] { layer.LeakyRelu.Alpha }.ToEquatableArray(),
        Layer.OpOneofCase.AvgPool2D => new[] { layer.AvgPool2D.CountIncludePad ? 1f : 0f }.ToEquatableArray(),
        _ => default,
    };

    /// <summary>What the element-wise, average-pooling and joining layers compute, and a pooling layer's window.</summary>
    private static (string Reason, RecurrencePlan? Recurrence, EquatableArray<int> Window) PlanElementOrJoin(Layer layer)
    {
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Clip:
                return ($"element-wise min(max(x, {Invariant.Float(layer.Clip.Min)}), {Invariant.Float(layer.Clip.Max)})", null, EquatableArray<int>.Empty);
            case Layer.OpOneofCase.LeakyRelu:
                return ($"element-wise x < 0 ? {Invariant.Float(layer.LeakyRelu.Alpha)} * x : x", null, EquatableArray<int>.Empty);
            case Layer.OpOneofCase.AvgPool2D:
            {
                AvgPool2d p = layer.AvgPool2D;
                var window = new[] { p.Channels, p.Height, p.Width, p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PaddingH, p.PaddingW }.ToEquatableArray();
                return ($"the mean of each window ({(p.CountIncludePad ? "padding counts as zeros" : "over the positions inside the input")})", null, window);
            }

            case Layer.OpOneofCase.GlobalAvgPool2D:
            {
                GlobalAvgPool2d p = layer.GlobalAvgPool2D;
                return ($"the mean of each channel's {(long)p.Height * p.Width} values", null, new[] { p.Channels, p.Height, p.Width }.ToEquatableArray());
            }

            case Layer.OpOneofCase.Add:
                return ($"the element-wise sum of {layer.Inputs.Count} values ({string.Join(", ", layer.Inputs.Select(n => Emit.Literals.Comment(n, 24)))}), left to right", null, EquatableArray<int>.Empty);
            default:
                return ($"{layer.Inputs.Count} values ({string.Join(", ", layer.Inputs.Select(n => Emit.Literals.Comment(n, 24)))}) one after another", null, EquatableArray<int>.Empty);
        }
    }
}
