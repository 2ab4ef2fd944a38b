using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Float32 weights: vector multiply-adds, four rows per pass (runtime DenseKernels.Float), and for a
/// convolution all positions at once (ConvolutionKernels.Float). A convolution's quantized
/// weights take this kernel too when it is cheapest: dequantized to float32 at build time (the values the
/// reference multiplies by), since its few weights are reused at every position and the batched product
/// beats any per-patch kernel.
/// </summary>
internal sealed class FloatStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.Float;

    public override bool Applies(MatrixRequest m) =>
        m.Use != MatrixUse.Lookup && (m.Weights.CodecCase == Weights.CodecOneofCase.Float32 || m.Use == MatrixUse.PatchProduct);

    public override double Cost(MatrixRequest m) => Batches(m)
        ? m.Costs.PerCall + m.Products * m.Cols * m.Costs.PanelPerValue + (double)m.Products * m.Weights64 * m.Costs.FloatBatchedPerWeight
        : m.Costs.PerCall + m.Weights64 * m.Costs.FloatPerWeight;

    public override bool Batches(MatrixRequest m) => m.Use == MatrixUse.PatchProduct;

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        if (Batches(m))
        {
            long floats = (long)KernelGeometry.ConvBlockedChannels(m.Rows) * m.Cols;
            string what = m.Weights.CodecCase == Weights.CodecOneofCase.Float32 ? "float32 weights" : "weights dequantized to float32";
            return new[] { new TensorShape(TensorRole.FloatWeights, TensorKind.Floats, floats, $"{m.What}{what}, {m.Shape}, in blocks of {KernelGeometry.ConvChannelBlock} output channels") };
        }

        return m.Weights.CodecCase == Weights.CodecOneofCase.Float32
            ? StoredCodes.Layout(m)
            : new[] { new TensorShape(TensorRole.FloatWeights, TensorKind.Floats, m.Weights64, $"{m.What}weights dequantized to float32, {m.Shape}") };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        if (Batches(m))
        {
            float[] values = m.Weights.CodecCase == Weights.CodecOneofCase.Float32
                ? m.Weights.Float32.Values.ToArray()
                : DequantizedWeights.Of(m.Weights, m.Rows, m.Cols);
            return new[] { LittleEndian.Floats(WeightRepacking.ConvBlocked(values, m.Rows, m.Cols)) };
        }

        return m.Weights.CodecCase == Weights.CodecOneofCase.Float32
            ? StoredCodes.Pack(m)
            : new[] { LittleEndian.Floats(DequantizedWeights.Of(m.Weights, m.Rows, m.Cols)) };
    }

    public override int ScratchFloats(MatrixRequest m)
    {
        if (!Batches(m))
        {
            return 0;
        }

        Conv2d c = m.Convolution!;
        return KernelGeometry.ConvScratchFloats(c.InChannels, c.Height, c.Width, c.KernelH, c.KernelW, c.PaddingH, c.PaddingW);
    }

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) =>
        (m.Weights.CodecCase == Weights.CodecOneofCase.Float32 ? "float32 weights" : "weights dequantized to float32 at build time (the reference's values)")
        + (Batches(m) ? $": all {m.Products} positions in one call over the zero-padded map, vectorised along the positions (a panel of each (channel, ky, kx)'s input for up to 16 positions, then eight output channels per pass, each weight broadcast)" : ": vector multiply-adds, four rows per pass");

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.DenseKernels.Float({x}, {y}, QuantGenData.{m.Data}FloatWeights, {bias})";

    public override string CallMany(MatrixPlan m, string x, string y, string count, string scratch) =>
        $"{Runtime}.DenseKernels.FloatMany({x}, {y}, {count}, QuantGenData.{m.Data}FloatWeights, {(m.HasBias ? $"QuantGenData.{m.Data}Bias" : "default")})";

    public override bool SplitsRows => true;

    public override string CallRows(MatrixPlan m, string x, string y, string first, string scratch) =>
        $"{Runtime}.DenseKernels.Float({x}, {y}, QuantGenData.{m.Data}FloatWeights.Slice({first} * {m.Cols}, {y}.Length * {m.Cols}), {RowSlice(m.HasBias, $"QuantGenData.{m.Data}Bias", first, y)})";

    public override string CallMany(MatrixPlan m, string x, string window, string y, string bias, string scratch) =>
        $"{Runtime}.ConvolutionKernels.Float({x}, {y}, {window}, QuantGenData.{m.Data}FloatWeights, {bias}, {scratch})";
}
