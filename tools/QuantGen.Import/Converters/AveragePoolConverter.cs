using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// AveragePool (nn.AvgPool2d) and GlobalAveragePool (nn.AdaptiveAvgPool2d(1)) on [batch, channels, height,
/// width]: avgPool2d and globalAvgPool2d layers. AveragePool takes the window attributes of
/// <see cref="Window2d"/>, ceil_mode 0 and count_include_pad (PyTorch exports 1, its default, whenever it pads).
/// </summary>
internal sealed class AveragePoolConverter : IOpConverter
{
    private readonly bool _global;

    public AveragePoolConverter(bool global) => _global = global;

    public void Convert(OnnxNode node, ImportContext context)
    {
        ImportContext.RequireInputCount(node, 1, 1);
        context.RequireData(node, 0, "X");
        if (_global)
        {
            node.AllowOnlyAttributes();
            long[] sample = context.SampleShape;
            if (sample.Length != 3)
            {
                throw node.Error($"the data has the shape {OnnxText.BatchShape(sample)}; only 2-D inputs [batch, channels, height, width] are supported");
            }

            context.AddLayer(node, new Layer { GlobalAvgPool2D = new GlobalAvgPool2d { Channels = (int)sample[0], Height = (int)sample[1], Width = (int)sample[2] } });
            context.SetSampleShape(node, [sample[0], 1, 1]);
            return;
        }

        node.AllowOnlyAttributes("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides");
        long ceilMode = node.GetInt("ceil_mode", 0);
        if (ceilMode != 0)
        {
            throw node.Error($"ceil_mode = {ceilMode} is not supported; it must be 0 (nn.AvgPool2d's default ceil_mode=False)");
        }

        long countIncludePad = node.GetInt("count_include_pad", 0);
        if (countIncludePad is not (0 or 1))
        {
            throw node.Error($"count_include_pad = {countIncludePad} is not supported; it must be 0 or 1");
        }

        Window2d window = Window2d.ReadPool(node, context);

        var pool = new AvgPool2d
        {
            Channels = (int)window.Channels, Height = (int)window.Height, Width = (int)window.Width,
            KernelH = (int)window.KernelH, KernelW = (int)window.KernelW, StrideH = (int)window.StrideH, StrideW = (int)window.StrideW,
            PaddingH = (int)window.PadH, PaddingW = (int)window.PadW, CountIncludePad = countIncludePad == 1,
        };
        context.AddLayer(node, new Layer { AvgPool2D = pool });
        context.SetSampleShape(node, [window.Channels, window.OutHeight, window.OutWidth]);
    }
}
