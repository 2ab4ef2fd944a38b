using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>An embedding table in any codec: the token's row, decoded (runtime EmbeddingLookup). No arithmetic to speed up.</summary>
internal sealed class LookupStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.Lookup;

    public override bool Applies(MatrixRequest m) => m.Use == MatrixUse.Lookup;

    public override double Cost(MatrixRequest m) => m.Costs.PerCall + m.Cols;

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m) => StoredCodes.Layout(m);

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m) => StoredCodes.Pack(m);

    /// <summary>The multi-bit binary lookup decodes a plane's row at a time.</summary>
    public override int ScratchFloats(MatrixRequest m) => m.Weights.CodecCase == Weights.CodecOneofCase.MultiBinary ? m.Cols : 0;

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) => "decode the token's row of the table";

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) => m.Codec switch
    {
        Weights.CodecOneofCase.Float32 => $"{Runtime}.EmbeddingLookup.Float({x}, {y}, QuantGenData.{m.Data}FloatWeights)",
        Weights.CodecOneofCase.Uniform => $"{Runtime}.EmbeddingLookup.Uniform({x}, {y}, {StoredCodes.Arguments(m, m.Codec)})",
        Weights.CodecOneofCase.Levels => $"{Runtime}.EmbeddingLookup.Levels({x}, {y}, {StoredCodes.Arguments(m, m.Codec)})",
        _ => $"{Runtime}.EmbeddingLookup.MultiBinary({x}, {y}, QuantGenData.{m.Data}Codes, bits: {m.Bits}, rows: {m.Rows}, QuantGenData.{m.Data}Coefficients, {scratch})",
    };
}
