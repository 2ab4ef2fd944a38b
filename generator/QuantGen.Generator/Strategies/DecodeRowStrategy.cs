using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Any codec as the description stores it: decode a row to float, one dot product, then the row's scale,
/// zero point or coefficients (runtime DenseKernels). Slow, but it serves every matrix no faster kernel takes.
/// </summary>
internal sealed class DecodeRowStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.DecodeRow;

    public override bool Applies(MatrixRequest m) => m.Use != MatrixUse.Lookup && m.Weights.CodecCase != Weights.CodecOneofCase.Float32;

    public override double Cost(MatrixRequest m) => m.Costs.PerCall + m.Weights64 * m.Costs.DecodePerWeight * (m.Weights.CodecCase == Weights.CodecOneofCase.MultiBinary ? m.Weights.MultiBinary.Bits : 1);

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m) => StoredCodes.Layout(m);

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m) => StoredCodes.Pack(m);

    public override int ScratchFloats(MatrixRequest m) => m.Cols;

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) => m.Weights.CodecCase switch
    {
        Weights.CodecOneofCase.Uniform => $"decode a row of {m.Weights.Uniform.Bits}-bit codes to float, one dot product, then scale (and zero point) per row",
        Weights.CodecOneofCase.Levels => $"look up a row of {m.Weights.Levels.Bits}-bit indices in the level table, then one dot product",
        _ => "per bit plane, a row of signs dotted with the input, times the row's coefficient",
    } + "; the cheapest kernel for this matrix by the cost model (no other takes these weights, or they are too few for another's fixed costs)";

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) => m.Codec switch
    {
        Weights.CodecOneofCase.Uniform => $"{Runtime}.DenseKernels.Uniform({x}, {y}, {StoredCodes.Arguments(m, m.Codec)}, {bias}, {scratch})",
        Weights.CodecOneofCase.Levels => $"{Runtime}.DenseKernels.Levels({x}, {y}, {StoredCodes.Arguments(m, m.Codec)}, {bias}, {scratch})",
        _ => $"{Runtime}.DenseKernels.MultiBinary({x}, {y}, {StoredCodes.Arguments(m, m.Codec)}, {bias}, {scratch})",
    };
}
