using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>Float32 weights: vector multiply-adds, four rows per pass (runtime DenseKernels.Float).</summary>
internal sealed class FloatStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.Float;

    public override bool Applies(MatrixRequest m) => m.Use != MatrixUse.Lookup && m.Weights.CodecCase == Weights.CodecOneofCase.Float32;

    public override double Cost(MatrixRequest m) => CostModel.PerCall + m.Weights64 * CostModel.FloatPerWeight;

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m) => StoredCodes.Layout(m);

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m) => StoredCodes.Pack(m);

    public override int ScratchFloats(MatrixRequest m) => 0;

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) => "float32 weights: vector multiply-adds, four rows per pass";

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.DenseKernels.Float({x}, {y}, QuantGenData.{m.Data}FloatWeights, {bias})";
}
