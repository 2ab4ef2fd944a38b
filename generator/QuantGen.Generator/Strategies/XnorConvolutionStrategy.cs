using System.Collections.Generic;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// A convolution's multi-bit binary weights times its input map coded online by alternating multi-bit quantization,
/// by xor and popcount over all positions at once (runtime ConvolutionKernels.Xnor): the kernel codes the whole map
/// itself, as the layer's quantizer would, and leaves the taps that read padding out of each count (an alternating
/// code has no value 0, so the padding cannot be coded).
/// </summary>
internal sealed class XnorConvolutionStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.XnorConv;

    public override bool FusesInput => true;

    public override bool Applies(MatrixRequest m) =>
        m.Use == MatrixUse.PatchProduct
        && m.Weights.CodecCase == Weights.CodecOneofCase.MultiBinary && m.Weights.MultiBinary.Bits <= 8
        && m.Input is { Kind: QuantizerKind.OnlineMultiBinary, Bits: <= 4 };

    public override bool Batches(MatrixRequest m) => true;

    /// <summary>
    /// The words and masks per input value, then one unit per (position, plane pair, tap and chunk, output channel).
    /// The coding is not counted: the float convolution, the other kernel such a layer can take, runs after the same
    /// quantizer.
    /// </summary>
    public override double Cost(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        long steps = (long)c.KernelH * c.KernelW * KernelGeometry.ConvXnorChunks(c.InChannels);
        long units = (long)KernelGeometry.ConvXnorPaddedPositions(m.Products, c.InChannels) * m.Rows * m.Weights.MultiBinary.Bits * m.Input!.Bits * steps;
        double perUnit = m.Input.Bits <= m.Costs.XnorConvPairsUpTo ? m.Costs.XnorConvPerUnit : m.Costs.XnorConvPerUnitWide;
        return m.Costs.PerCall + (double)c.InChannels * c.Height * c.Width * m.Costs.XnorConvPerValue + units * perUnit;
    }

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        int bits = m.Weights.MultiBinary.Bits;
        int wordBits = 8 * KernelGeometry.ConvXnorWordBytes(c.InChannels);
        return new[]
        {
            new TensorShape(TensorRole.XnorPlanes, TensorKind.Bytes, KernelGeometry.ConvXnorWeightBytes(m.Rows, c.InChannels, c.KernelH * c.KernelW, bits),
                $"{bits} bit planes of {{-1, +1}}, {m.Shape}, [output channel][plane][ky, kx][channels as {wordBits}-bit words]"),
            new TensorShape(TensorRole.Coefficients, TensorKind.Floats, (long)m.Rows * bits, $"coefficients, [output channel][{bits}]"),
        };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        return new[]
        {
            WeightRepacking.ConvXnorPlanes(m.Weights.MultiBinary, m.Rows, c.InChannels, c.KernelH * c.KernelW),
            LittleEndian.Floats(m.Weights.MultiBinary.Coefficients),
        };
    }

    public override int ScratchFloats(MatrixRequest m)
    {
        Conv2d c = m.Convolution!;
        return KernelGeometry.ConvXnorScratchFloats(c.InChannels, c.Height, c.Width, c.KernelH, c.KernelW, c.StrideH, c.StrideW, c.PaddingH, c.PaddingW, m.Input!.Bits);
    }

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed)
    {
        Conv2d c = m.Convolution!;
        QuantizerPlan q = m.Input!;
        int wordBits = 8 * KernelGeometry.ConvXnorWordBytes(c.InChannels);
        return $"xor/popcount over {m.Weights.MultiBinary.Bits} x {q.Bits} plane pairs, all {m.Products} positions in one call: the whole map coded online "
            + $"({q.Cycles} alternating cycles) inside the kernel, channels last as {wordBits}-bit words, {64 * 8 / wordBits} positions per 512-bit vector "
            + "(each weight word broadcast), taps that read padding masked out of the count; coefficients x betas applied once per 16 positions";
    }

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        throw new System.NotSupportedException("the xor/popcount convolution takes the whole map (CallMany)");

    public override string CallMany(MatrixPlan m, string x, string window, string y, string bias, string scratch) =>
        $"{Runtime}.ConvolutionKernels.Xnor({x}, {y}, {window}, QuantGenData.{m.Data}XnorPlanes, weightBits: {m.Bits}, QuantGenData.{m.Data}Coefficients, {bias}, activationBits: {m.Input!.Bits}, cycles: {m.Input.Cycles}, {scratch})";
}
