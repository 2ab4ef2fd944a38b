using System.Collections.Generic;
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
        ? CostModel.PerCall + m.Products * m.Cols * CostModel.Im2ColPerValue + (double)m.Products * m.Weights64 * CostModel.FloatBatchedPerWeight
        : CostModel.PerCall + m.Weights64 * CostModel.FloatPerWeight;

    public override bool Batches(MatrixRequest m) => m.Use == MatrixUse.PatchProduct;

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m) => m.Weights.CodecCase == Weights.CodecOneofCase.Float32
        ? StoredCodes.Layout(m)
        : new[] { new TensorShape(TensorRole.FloatWeights, TensorKind.Floats, m.Weights64, $"{m.What}weights dequantized to float32, {m.Shape}") };

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m) => m.Weights.CodecCase == Weights.CodecOneofCase.Float32
        ? StoredCodes.Pack(m)
        : new[] { LittleEndian.Floats(DequantizedWeights.Of(m.Weights, m.Rows, m.Cols)) };

    public override int ScratchFloats(MatrixRequest m) => 0;

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) =>
        (m.Weights.CodecCase == Weights.CodecOneofCase.Float32 ? "float32 weights" : "weights dequantized to float32 at build time (the reference's values)")
        + (Batches(m) ? $": all {m.Products} positions in one call; stride 1 convolves directly over the zero-padded map (four output channels per pass, each weight broadcast into a shifted run of an input row), other strides lay the patches out once" : ": vector multiply-adds, four rows per pass");

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.DenseKernels.Float({x}, {y}, QuantGenData.{m.Data}FloatWeights, {bias})";

    public override string CallMany(MatrixPlan m, string x, string window, string y, string bias, string scratch) =>
        $"{Runtime}.ConvolutionKernels.Float({x}, {y}, {window}, QuantGenData.{m.Data}FloatWeights, {bias}, {scratch})";
}
