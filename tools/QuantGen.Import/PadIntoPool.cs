using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>
/// PyTorch exports nn.AvgPool2d with padding and count_include_pad=True (its default) as a zero Pad of the
/// height and width followed by an unpadded AveragePool: the same as one AveragePool with those pads and
/// count_include_pad = 1, which is what this rewrites it to (the Pad goes). Any other Pad stays, and is
/// refused by name.
/// </summary>
internal static class PadIntoPool
{
    private const int IntType = 2;
    private const int IntsType = 7;

    public static OnnxNode[] Fold(OnnxNode[] nodes, Dictionary<string, ConstantTensor> constants)
    {
        var removed = new HashSet<int>();
        foreach (OnnxNode pad in nodes.Where(n => n.OpType == "Pad" && n.Proto.Output.Count == 1))
        {
            OnnxNode[] readers = nodes.Where(n => n.Inputs.Contains(pad.Proto.Output[0])).ToArray();
            long[]? hw = HeightWidthPads(pad, constants);
            if (hw is null || readers.Length != 1 || readers[0].OpType != "AveragePool" || readers[0].Inputs.Count != 1
                || readers[0].GetInts("pads", [0, 0, 0, 0]).Any(p => p != 0) || readers[0].GetString("auto_pad", "NOTSET") != "NOTSET")
            {
                continue;
            }

            OnnxNode pool = readers[0];
            pool.Proto.Input[0] = pad.Inputs[0];
            foreach (AttributeProto old in pool.Proto.Attribute.Where(a => a.Name is "pads" or "count_include_pad").ToArray())
            {
                pool.Proto.Attribute.Remove(old);
            }

            var pads = new AttributeProto { Name = "pads", Type = IntsType };
            pads.Ints.Add(new[] { hw[0], hw[1], hw[0], hw[1] });
            pool.Proto.Attribute.Add(pads);
            pool.Proto.Attribute.Add(new AttributeProto { Name = "count_include_pad", Type = IntType, I = 1 });
            removed.Add(pad.Index);
        }

        return removed.Count == 0 ? nodes : nodes.Where(n => !removed.Contains(n.Index)).ToArray();
    }

    /// <summary>[top, left] of a constant zero Pad of a [batch, channels, height, width] value that pads only height and width, symmetrically; else null.</summary>
    private static long[]? HeightWidthPads(OnnxNode pad, Dictionary<string, ConstantTensor> constants)
    {
        if (pad.GetString("mode", "constant") != "constant" || pad.Inputs.Count < 2 || !constants.TryGetValue(pad.Inputs[1], out ConstantTensor? tensor) || tensor.Count != 8)
        {
            return null;
        }

        if (pad.Inputs.Count > 2 && pad.Inputs[2].Length > 0
            && !(constants.TryGetValue(pad.Inputs[2], out ConstantTensor? value) && value.Count == 1 && IsZero(value)))
        {
            return null;
        }

        long[] p;
        try
        {
            p = tensor.ReadInt64s();
        }
        catch (OnnxImportException)
        {
            return null;
        }

        // ONNX order: the begins of every axis, then the ends.
        bool onlySpatial = p[0] == 0 && p[1] == 0 && p[4] == 0 && p[5] == 0;
        return onlySpatial && p[2] == p[6] && p[3] == p[7] && p[2] >= 0 && p[3] >= 0 ? new[] { p[2], p[3] } : null;
    }

    private static bool IsZero(ConstantTensor value)
    {
        try
        {
            return value.ReadFloats()[0] == 0f;
        }
        catch (OnnxImportException)
        {
            return false;
        }
    }
}
