using System.Collections.Generic;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Uniform weight codes of up to 8 bits stored one per byte, times a float input (quantized first, when the
/// layer quantizes it): each run of codes widened to float and multiply-added, four rows per pass (runtime
/// ByteCodes); the row's scale and zero point in the epilogue.
/// </summary>
internal sealed class ByteCodesStrategy : KernelStrategy
{
    public override KernelKind Kind => KernelKind.ByteCodes;

    public override bool Applies(MatrixRequest m) => m.Use != MatrixUse.Lookup && m.Weights.CodecCase == Weights.CodecOneofCase.Uniform;

    public override double Cost(MatrixRequest m) =>
        m.Costs.PerCall + (double)m.Rows * (m.Costs.BytePerRow + (KernelGeometry.Int8RowBytes(m.Cols) / 16) * m.Costs.BytePer16);

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        int stride = KernelGeometry.Int8RowBytes(m.Cols);
        var tensors = new List<TensorShape>
        {
            new TensorShape(TensorRole.ByteCodes, TensorKind.Bytes, (long)m.Rows * stride, $"{m.What}signed {m.Weights.Uniform.Bits}-bit codes in bytes{(!m.Weights.Uniform.Signed && m.Weights.Uniform.Bits == 8 ? " (stored code - 128)" : "")}, rows padded to {stride} bytes, {m.Shape}"),
            new TensorShape(TensorRole.ByteScales, TensorKind.Floats, m.Rows, $"{m.What}per-row scale"),
        };
        if (HasOffsets(m.Weights.Uniform.ZeroPoints.Count > 0, m.Weights.Uniform.Signed, m.Weights.Uniform.Bits))
        {
            tensors.Add(new TensorShape(TensorRole.ByteOffsets, TensorKind.Floats, m.Rows, $"{m.What}per-row multiple of sum(x) (-scale x zero point)"));
        }

        return tensors;
    }

    /// <summary>
    /// Whether a row's offset (-scale x zero point, the zero point shifted by 128 for unsigned 8-bit codes, which are stored
    /// as code - 128) can be other than 0. Symmetric codes have none: no tensor, and the kernel skips sum(x).
    /// </summary>
    private static bool HasOffsets(bool zeroPoints, bool signed, int bits) => zeroPoints || (!signed && bits == 8);

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        ByteCodeRows b = WeightRepacking.ByteCodes(m.Weights.Uniform, m.Rows, m.Cols);
        var scales = new float[m.Rows];
        var offsets = new float[m.Rows];
        for (int r = 0; r < m.Rows; r++)
        {
            scales[r] = (float)b.Scales[r];
            offsets[r] = (float)(-b.Scales[r] * b.ZeroPoints[r]);
        }

        return HasOffsets(m.Weights.Uniform.ZeroPoints.Count > 0, m.Weights.Uniform.Signed, m.Weights.Uniform.Bits)
            ? new[] { b.Codes, LittleEndian.Floats(scales), LittleEndian.Floats(offsets) }
            : new[] { b.Codes, LittleEndian.Floats(scales) };
    }

    public override int ScratchFloats(MatrixRequest m) => KernelGeometry.Int8RowBytes(m.Cols);

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed) =>
        $"{m.Weights.Uniform.Bits}-bit codes one per byte, widened to float and multiplied with the {(m.Input is null ? "float" : "quantized")} input, 4 rows per pass; scale and zero point once per row";

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.ByteCodes.Dense({x}, {y}, global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(QuantGenData.{m.Data}ByteCodes), QuantGenData.{m.Data}ByteScales, {(HasOffsets(m.HasZeroPoints, m.Signed, m.Bits) ? $"QuantGenData.{m.Data}ByteOffsets" : "default")}, {bias}, {scratch})";
}
