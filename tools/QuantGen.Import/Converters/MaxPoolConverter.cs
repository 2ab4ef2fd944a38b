using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// MaxPool on [batch, channels, height, width] as nn.MaxPool2d exports it: kernel_shape, strides, symmetric
/// pads, no dilation, ceil_mode 0, row-major storage; the Indices output must be unused (the walk checks).
/// A MaxPool2d layer, whose padding never wins, as in ONNX and PyTorch.
/// </summary>
internal sealed class MaxPoolConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides");
        ImportContext.RequireInputCount(node, 1, 1);
        context.RequireData(node, 0, "X");
        long ceilMode = node.GetInt("ceil_mode", 0);
        long storageOrder = node.GetInt("storage_order", 0);
        if (ceilMode != 0 || storageOrder != 0)
        {
            throw node.Error($"ceil_mode = {ceilMode} and storage_order = {storageOrder} are not supported; both must be 0 (nn.MaxPool2d's default ceil_mode=False)");
        }

        Window2d window = Window2d.ReadPool(node, context);

        var pool = new MaxPool2d
        {
            Channels = (int)window.Channels, Height = (int)window.Height, Width = (int)window.Width,
            KernelH = (int)window.KernelH, KernelW = (int)window.KernelW, StrideH = (int)window.StrideH, StrideW = (int)window.StrideW,
            PaddingH = (int)window.PadH, PaddingW = (int)window.PadW,
        };
        context.AddLayer(node, new Layer { MaxPool2D = pool });
        context.SetSampleShape(node, [window.Channels, window.OutHeight, window.OutWidth]);
    }
}
