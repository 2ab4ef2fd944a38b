using System.Collections.Generic;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Low-bit weights as a sum of {0, 1} bit-planes times a float input (quantized first, when the layer
/// quantizes it): tables of partial sums per 4 columns, one permute per 16 rows (runtime PlaneLut).
/// Uniform codes are their binary digits, multi-bit binary codes their planes, a level table of up to
/// 3 bits its expansion over ANDs of code bits.
/// </summary>
internal sealed class PlaneLutStrategy : KernelStrategy
{
    /// <summary>
    /// The table kernel's cost grows with its plane count (one permute per 4 columns, 16 rows and plane);
    /// past 8 planes (a 4-bit level table expands to 15) decoding each weight is about as cheap.
    /// </summary>
    public const int MaxPlanes = 8;

    public override KernelKind Kind => KernelKind.PlaneLut;

    public override bool Applies(MatrixRequest m) =>
        m.Use != MatrixUse.Lookup && WeightRepacking.LutPlaneCount(m.Weights) is > 0 and <= MaxPlanes;

    public override double Cost(MatrixRequest m) =>
        m.Costs.PerCall + m.Costs.LutPerCall + (m.Cols + 3) / 4 * m.Costs.LutPerTable
        + (double)KernelGeometry.LutBlocks(m.Rows) * (m.Costs.LutPerBlock + Planes(m) * (m.Costs.LutPerBlockPlane + KernelGeometry.LutGroups(m.Cols) * m.Costs.LutPerBlockGroup));

    public override int Planes(MatrixRequest m) => WeightRepacking.LutPlaneCount(m.Weights);

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        int planes = Planes(m);
        return new[]
        {
            new TensorShape(TensorRole.LutPlanes, TensorKind.Bytes, KernelGeometry.LutPlaneBytes(m.Rows, m.Cols, planes), $"{m.What}{planes} {{0, 1}} planes, [16-row block][plane][8-column group][row], {m.Shape}"),
            new TensorShape(TensorRole.LutPlaneScales, TensorKind.Floats, KernelGeometry.LutPlaneScaleFloats(m.Rows, planes), $"{m.What}plane scales, [16-row block][plane][row]"),
            new TensorShape(TensorRole.LutSumScales, TensorKind.Floats, KernelGeometry.LutSumScaleFloats(m.Rows), $"{m.What}per-row multiple of sum(x)"),
        };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        LutWeights lut = WeightRepacking.Lut(m.Weights, m.Rows, m.Cols);
        return new[] { lut.Bits, LittleEndian.Floats(lut.PlaneScales), LittleEndian.Floats(lut.SumScales) };
    }

    public override int ScratchFloats(MatrixRequest m) => KernelGeometry.LutTableFloats(m.Cols);

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed)
    {
        Weights w = m.Weights;
        string planesAre = w.CodecCase switch
        {
            Weights.CodecOneofCase.Uniform => $"the codes' binary digits{(w.Uniform.Signed ? " (sign digit -2^" + (w.Uniform.Bits - 1) + ")" : "")} times the scale, zero point folded into a multiple of sum(x)",
            Weights.CodecOneofCase.MultiBinary => "the sign planes as (+-1 + 1) / 2, scaled by 2c, minus sum(c) sum(x)",
            _ => "the level table's expansion over ANDs of code bits (Moebius coefficients), levels[0] times sum(x)",
        };
        string input = m.Input is null ? "float input" : $"the quantized input ({m.Input.Kind} values)";
        return $"bit-plane table lookup: {Planes(m)} planes ({planesAre}) times {input}; per input, 16 partial sums for every 4 columns ({KernelGeometry.LutTableFloats(m.Cols)} floats); "
            + "one permute gives 16 rows x 4 columns of a plane; plane scales applied once per block";
    }

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.PlaneLut.Dense({x}, {y}, QuantGenData.{m.Data}LutPlanes, planeCount: {m.Planes}, QuantGenData.{m.Data}LutPlaneScales, QuantGenData.{m.Data}LutSumScales, {bias}, {scratch})";
}
