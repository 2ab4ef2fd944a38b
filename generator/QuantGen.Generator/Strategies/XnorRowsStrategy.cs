using System.Collections.Generic;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// The xor/popcount product of <see cref="XnorStrategy"/> over a row-major layout (runtime Xnor.Rows.cs): blocks of 32 rows
/// with byte k of every row together, so each activation byte's nibble tables count 16 rows per byte lookup and no xor is
/// needed. It wins on AVX2, where the word-interleaved product pays an xor and a nibble split per weight vector and plane;
/// the AVX-512 product over the other layout is faster there, and the cost tables say so. Rows pad to 32, so it applies
/// only where that adds at most an eighth to the matrix.
/// </summary>
internal sealed class XnorRowsStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.XnorRows;

    public override bool FusesInput => true;

    public override bool Applies(MatrixRequest m) =>
        XnorStrategy.CodedMultiBinaryProduct(m) && KernelGeometry.XnorRowsBlocks(m.Rows) * KernelGeometry.XnorRowsBlockRows * 8L <= m.Rows * 9L;

    public override double Cost(MatrixRequest m)
    {
        int pairs = m.Weights.MultiBinary.Bits * m.Input!.Bits;
        int rowBytes = 8 * KernelGeometry.XnorRowWords(m.Cols);
        double perBlock = m.Costs.XnorRowsPerBlock + pairs * (m.Costs.XnorRowsPerBlockPair + rowBytes * m.Costs.XnorRowsPerBlockPairByte);
        return m.Costs.PerCall + KernelGeometry.XnorRowsBlocks(m.Rows) * perBlock;
    }

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        int bits = m.Weights.MultiBinary.Bits;
        int rowBytes = 8 * KernelGeometry.XnorRowWords(m.Cols);
        return new[]
        {
            new TensorShape(TensorRole.XnorPlanes, TensorKind.Bytes, KernelGeometry.XnorRowsPlaneBytes(m.Rows, m.Cols, bits),
                $"{m.What}{bits} bit planes of {{-1, +1}}, row-major in blocks of 32 rows, [block][plane][{rowBytes} bytes][32 rows], {m.Shape}"),
            new TensorShape(TensorRole.Coefficients, TensorKind.Floats, KernelGeometry.XnorRowsCoefficientFloats(m.Rows, bits),
                $"{m.What}coefficients, [block of 32 rows][{bits}][32]"),
        };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m) => new[]
    {
        WeightRepacking.XnorRowPlanes(m.Weights.MultiBinary, m.Rows, m.Cols),
        LittleEndian.Floats(WeightRepacking.XnorRowCoefficients(m.Weights.MultiBinary, m.Rows)),
    };

    public override int ScratchFloats(MatrixRequest m) => KernelGeometry.XnorScratchFloats(m.Cols, m.Input!.Bits);

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed)
    {
        QuantizerPlan q = m.Input!;
        return $"xor/popcount over {m.Weights.MultiBinary.Bits} x {q.Bits} plane pairs; the input coded online ({q.Cycles} alternating cycles) inside the kernel; "
            + $"rows in blocks of 32 with byte k of each row together ({8 * KernelGeometry.XnorRowWords(m.Cols)} bytes a row), so each activation byte's two nibble tables count 16 rows per "
            + $"byte lookup (vpshufb) without an xor, two blocks per pass; coefficients x betas applied once per row"
            + (FixedCounts(m.Weights.MultiBinary.Bits).Length > 0 ? "; compiled for this layer's weight planes" : "");
    }

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.Xnor.DenseRows{FixedCounts(m.Bits)}({x}, {y}, QuantGenData.{m.Data}XnorPlanes, weightBits: {m.Bits}, QuantGenData.{m.Data}Coefficients, {bias}, activationBits: {m.Input!.Bits}, cycles: {m.Input.Cycles}, {scratch}"
        + (m.SharedCodes < 0 ? ")" : $", sharedCodes.Slice({m.SharedCodes}, {KernelGeometry.XnorSharedCodesFloats(m.Cols, m.Input.Bits)}))");
}
