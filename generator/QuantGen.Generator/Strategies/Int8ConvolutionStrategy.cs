using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// A convolution's uniform weight codes of up to 8 bits (no zero point) times its uniform input of up to 8 bits
/// on [0, hi] (a ReLU's output, as quantgen calibrates it), in integers over all positions at once (runtime
/// ConvolutionKernels.Integer): the kernel codes the whole map itself, padding takes code 0 (the value 0), and
/// a per-channel float product carries the weight scale and the input step.
/// </summary>
internal sealed class Int8ConvolutionStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.Int8Conv;

    public override bool FusesInput => true;

    public override bool Applies(MatrixRequest m) =>
        m.Use == MatrixUse.PatchProduct
        && m.Weights.CodecCase == Weights.CodecOneofCase.Uniform
        && m.Weights.Uniform is { Bits: <= 8 } u && (u.Signed || u.Bits < 8) && u.ZeroPoints.All(z => z == 0)
        && m.Input is { Kind: QuantizerKind.Uniform, Bits: <= 8, Lo: 0f };

    public override bool Batches(MatrixRequest m) => true;

    public override double Cost(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        long weights = (long)KernelGeometry.ConvInt8OutChannels(m.Rows) * c.KernelH * c.KernelW * KernelGeometry.ConvInt8Channels(c.InChannels);
        return m.Costs.PerCall + (double)c.InChannels * c.Height * c.Width * m.Costs.Int8ConvPerValue + (double)m.Products * weights * (m.Input!.Bits == 8 ? m.Costs.Int8ConvPerWeightWide : m.Costs.Int8ConvPerWeight);
    }

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        return new[]
        {
            new TensorShape(TensorRole.Int8Codes, TensorKind.Bytes, KernelGeometry.ConvInt8WeightBytes(m.Rows, c.InChannels, c.KernelH * c.KernelW),
                $"{m.Weights.Uniform.Bits}-bit codes in signed bytes, {m.Shape}, channels last in groups of 4, output channels in blocks of {KernelGeometry.ConvChannelBlock}"),
            new TensorShape(TensorRole.Int8Product, TensorKind.Floats, m.Rows, "per-channel scale x input step"),
        };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        ByteCodeRows b = WeightRepacking.ByteCodes(m.Weights.Uniform, m.Rows, m.Cols);
        double step = (double)m.Input!.Hi / ((1 << m.Input.Bits) - 1);
        float[] product = b.Scales.Select(s => (float)(s * step)).ToArray();
        return new[] { WeightRepacking.ConvInt8(b.Codes, KernelGeometry.Int8RowBytes(m.Cols), m.Rows, c.InChannels, c.KernelH, c.KernelW), LittleEndian.Floats(product) };
    }

    public override int ScratchFloats(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        return KernelGeometry.ConvInt8ScratchFloats(c.InChannels, c.Height, c.Width, c.PaddingH, c.PaddingW);
    }

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) =>
        $"integer dot products of the weight codes and the input's {m.Input!.Bits}-bit codes (the whole map coded inside the kernel, channels last, "
        + $"padding code 0 = the value 0), all {m.Products} positions in one call: AVX-VNNI vpdpbusd on four channels at a time, 16 output channels at 6 positions per pass; "
        + "32-bit sums (exact), then scale x step and the bias in float";

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        throw new System.NotSupportedException("the integer convolution takes the whole map (CallMany)");

    public override string CallMany(MatrixPlan m, string x, string window, string y, string bias, string scratch) =>
        $"{Runtime}.ConvolutionKernels.Integer({x}, {y}, {window}, global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(QuantGenData.{m.Data}Int8Codes), activationBits: {m.Input!.Bits}, hi: {Emit.Literals.Float(m.Input.Hi)}, QuantGenData.{m.Data}Int8Product, {bias}, {scratch})";
}
