using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Conv on [batch, channels, height, width] as nn.Conv2d exports it: weights [out, in, kh, kw] and a bias
/// [out] as constants, dilation 1, symmetric pads (<see cref="Window2d"/>). A Conv2d layer. A grouped or
/// depthwise convolution (group g: W [out, in / g, kh, kw], output channel o reads input group o / (out / g))
/// becomes a full one whose weights are zero outside each output channel's group: the same sums (a zero
/// weight adds exactly 0 for every finite input), g times the weights and the work.
/// </summary>
internal sealed class ConvConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        ImportContext.RequireInputCount(node, 2, 3);
        context.RequireData(node, 0, "X");
        long group = node.GetInt("group", 1);
        ConstantTensor w = context.RequireConstant(node, 1, "W, the weights");
        if (w.Dims.Length != 4)
        {
            throw node.Error($"W has the shape {OnnxText.Shape(w.Dims)}; only 2-D convolutions (W [out, in, kh, kw]) are supported");
        }

        Window2d window = Window2d.Read(node, context, [w.Dims[2], w.Dims[3]]);
        if (group < 1 || window.Channels % group != 0 || w.Dims[0] % group != 0)
        {
            throw node.Error($"group = {group} must be positive and divide both the input channels ({window.Channels}) and the output channels ({w.Dims[0]})");
        }

        if (w.Dims[1] * group != window.Channels || w.Dims[0] <= 0)
        {
            throw node.Error($"W has the shape {OnnxText.Shape(w.Dims)}: with group = {group} it takes {w.Dims[1] * group} channels but the data has {window.Channels}");
        }

        long outChannels = w.Dims[0];
        var conv = new Conv2d
        {
            InChannels = (int)window.Channels, OutChannels = (int)outChannels, Height = (int)window.Height, Width = (int)window.Width,
            KernelH = (int)window.KernelH, KernelW = (int)window.KernelW, StrideH = (int)window.StrideH, StrideW = (int)window.StrideW,
            PaddingH = (int)window.PadH, PaddingW = (int)window.PadW,
            Weights = new Weights { Float32 = new FloatCodec() },
        };
        conv.Weights.Float32.Values.Add(Ungrouped(w.ReadFloats(), outChannels, window.Channels, group, window.KernelH * window.KernelW));
        if (node.Inputs.Count == 3 && node.Inputs[2].Length > 0)
        {
            conv.Bias.Add(BiasVector.Read(node, context.RequireConstant(node, 2, "B, the bias"), outChannels, maxRank: 1, "B"));
        }

        context.AddLayer(node, new Layer { Conv2D = conv });
        context.SetSampleShape(node, [outChannels, window.OutHeight, window.OutWidth]);
    }

    /// <summary>Grouped weights [out, in / group, k] as full ones [out, in, k], zero outside each output channel's group.</summary>
    private static float[] Ungrouped(float[] grouped, long outChannels, long inChannels, long group, long kernel)
    {
        if (group == 1)
        {
            return grouped;
        }

        long perGroup = inChannels / group, outPerGroup = outChannels / group;
        var full = new float[checked(outChannels * inChannels * kernel)];
        for (long o = 0; o < outChannels; o++)
        {
            long first = o / outPerGroup * perGroup;
            System.Array.Copy(grouped, o * perGroup * kernel, full, (o * inChannels + first) * kernel, perGroup * kernel);
        }

        return full;
    }
}
