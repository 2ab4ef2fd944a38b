using System.Collections.Generic;
using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>
/// The sliding-window attributes Conv and MaxPool share, limited to what Conv2d and MaxPool2d layers hold:
/// a [channels, height, width] sample, explicit symmetric zero pads (pads = [top, left, bottom, right] with
/// top = bottom and left = right, as PyTorch exports padding=(p, q)), strides, no dilation.
/// </summary>
internal sealed record Window2d(long Channels, long Height, long Width, long KernelH, long KernelW, long StrideH, long StrideW, long PadH, long PadW)
{
    public long OutHeight => (Height + 2 * PadH - KernelH) / StrideH + 1;

    public long OutWidth => (Width + 2 * PadW - KernelW) / StrideW + 1;

    /// <summary>A pooling window: the kernel from kernel_shape, and pads of at most half the kernel (a window of only padding has no value).</summary>
    public static Window2d ReadPool(OnnxNode node, ImportContext context)
    {
        long[] kernel = [.. node.GetInts("kernel_shape")];
        Window2d window = Read(node, context, kernel);
        if (window.PadH * 2 > window.KernelH || window.PadW * 2 > window.KernelW)
        {
            throw node.Error($"pads [{window.PadH}, {window.PadW}] are more than half the kernel [{window.KernelH}, {window.KernelW}]; a window could hold only padding");
        }

        return window;
    }

    /// <summary>Reads the attributes; <paramref name="kernel"/> is [kh, kw] (for Conv, from the weights).</summary>
    public static Window2d Read(OnnxNode node, ImportContext context, long[] kernel)
    {
        long[] sample = context.SampleShape;
        if (sample.Length != 3)
        {
            throw node.Error($"the data has the shape {OnnxText.BatchShape(sample)}; only 2-D inputs [batch, channels, height, width] are supported");
        }

        string autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad != "NOTSET")
        {
            throw node.Error($"auto_pad = {OnnxText.Quote(autoPad)} is not supported; only explicit pads (NOTSET, as PyTorch exports) are");
        }

        IReadOnlyList<long> shape = node.GetInts("kernel_shape", kernel);
        if (!shape.SequenceEqual(kernel) || kernel.Length != 2)
        {
            throw node.Error($"kernel_shape = [{string.Join(", ", shape)}] is not supported; it must be 2-D{(kernel.Length == 2 ? $" and match the weights ([{kernel[0]}, {kernel[1]}])" : "")}");
        }

        IReadOnlyList<long> dilations = node.GetInts("dilations", [1, 1]);
        if (!dilations.SequenceEqual([1L, 1L]))
        {
            throw node.Error($"dilations = [{string.Join(", ", dilations)}] are not supported; only [1, 1] is");
        }

        IReadOnlyList<long> strides = node.GetInts("strides", [1, 1]);
        if (strides.Count != 2 || strides.Any(s => s <= 0 || s > QuantGen.Schema.DescriptionValidator.MaxActivationLength))
        {
            throw node.Error($"strides = [{string.Join(", ", strides)}] are not supported; they must be two positive numbers within a sample's size");
        }

        IReadOnlyList<long> pads = node.GetInts("pads", [0, 0, 0, 0]);
        if (pads.Count != 4 || pads[0] != pads[2] || pads[1] != pads[3] || pads.Any(p => p < 0 || p > QuantGen.Schema.DescriptionValidator.MaxActivationLength))
        {
            throw node.Error($"pads = [{string.Join(", ", pads)}] are not supported; they must be symmetric [top, left, bottom, right] with top = bottom and left = right, none negative or beyond a sample's size");
        }

        var window = new Window2d(sample[0], sample[1], sample[2], kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1]);
        if (kernel.Any(k => k <= 0) || window.Height + 2 * window.PadH < window.KernelH || window.Width + 2 * window.PadW < window.KernelW)
        {
            throw node.Error($"the kernel [{kernel[0]}, {kernel[1]}] with pads [{pads[0]}, {pads[1]}] does not fit the input {OnnxText.BatchShape(sample)}");
        }

        return window;
    }
}
