using System.Collections.Generic;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Multi-bit binary weights times an input coded online by alternating multi-bit quantization: xor and
/// popcount over every pair of weight and input planes (runtime Xnor). The kernel codes the input itself.
/// </summary>
internal sealed class XnorStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.Xnor;

    public override bool FusesInput => true;

    public override bool Applies(MatrixRequest m) => CodedMultiBinaryProduct(m);

    /// <summary>A product of multi-bit binary weights and an input coded online: what both xor/popcount layouts compute.</summary>
    public static bool CodedMultiBinaryProduct(MatrixRequest m) =>
        m.Use == MatrixUse.Product && m.Weights.CodecCase == Weights.CodecOneofCase.MultiBinary && m.Input is { Kind: QuantizerKind.OnlineMultiBinary };

    public override double Cost(MatrixRequest m)
    {
        int pairs = m.Weights.MultiBinary.Bits * m.Input!.Bits;
        int groups = KernelGeometry.XnorGroups(m.Rows);
        double perGroup = m.Costs.XnorPerGroup + pairs * (m.Costs.XnorPerGroupPair + KernelGeometry.XnorRowWords(m.Cols) * m.Costs.XnorPerGroupWordPair);
        return m.Costs.PerCall + groups * perGroup;
    }

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        int bits = m.Weights.MultiBinary.Bits;
        int words = KernelGeometry.XnorRowWords(m.Cols);
        return new[]
        {
            new TensorShape(TensorRole.XnorPlanes, TensorKind.Bytes, KernelGeometry.XnorPlaneBytes(m.Rows, m.Cols, bits),
                $"{m.What}{bits} bit planes of {{-1, +1}} as 64-bit words, [group of 8 rows][plane][{words}][8], {m.Shape}"),
            new TensorShape(TensorRole.Coefficients, TensorKind.Floats, KernelGeometry.XnorCoefficientFloats(m.Rows, bits),
                $"{m.What}coefficients, [group of 8 rows][{bits}][8]"),
        };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m) => new[]
    {
        WeightRepacking.XnorPlanes(m.Weights.MultiBinary, m.Rows, m.Cols),
        LittleEndian.Floats(WeightRepacking.XnorCoefficients(m.Weights.MultiBinary, m.Rows)),
    };

    public override int ScratchFloats(MatrixRequest m) => KernelGeometry.XnorScratchFloats(m.Cols, m.Input!.Bits);

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed)
    {
        QuantizerPlan q = m.Input!;
        int words = KernelGeometry.XnorRowWords(m.Cols);
        return $"xor/popcount over {m.Weights.MultiBinary.Bits} x {q.Bits} plane pairs; the input coded online ({q.Cycles} alternating cycles) inside the kernel; "
            + $"rows of {words} 64-bit words in groups of 8 (a word of the 8 rows is one 512-bit vector or two 256-bit ones, a 64-bit lane per row), each weight vector xored with every "
            + $"activation plane and counted by byte lookups, each pair's count at most {m.Cols}; coefficients x betas applied once per row"
            + (FixedCounts(words, m.Weights.MultiBinary.Bits).Length > 0 ? "; compiled for this layer's row words and weight planes (constant trip counts)" : "");
    }

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.Xnor.Dense{FixedCounts(KernelGeometry.XnorRowWords(m.Cols), m.Bits)}({x}, {y}, global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(QuantGenData.{m.Data}XnorPlanes), weightBits: {m.Bits}, QuantGenData.{m.Data}Coefficients, {bias}, activationBits: {m.Input!.Bits}, cycles: {m.Input.Cycles}, {scratch}"
        + (m.SharedCodes < 0 ? ")" : $", sharedCodes.Slice({m.SharedCodes}, {KernelGeometry.XnorSharedCodesFloats(m.Cols, m.Input.Bits)}))");
}
