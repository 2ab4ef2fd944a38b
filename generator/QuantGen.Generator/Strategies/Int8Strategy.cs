using System.Collections.Generic;
using QuantGen.Generator.Layout;
using QuantGen.Generator.Model;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Uniform weight codes of up to 8 bits times a uniform input of up to 8 bits, in integers (runtime Int8):
/// the kernel codes the input to its integer levels itself, and a per-row float epilogue carries the
/// scales, zero points and the input's range. Two layouts, two registered strategies: one signed byte per code, or for
/// codes of up to 4 bits two per byte (<see cref="KernelGeometry.Int4Index"/>; half the bytes, a mask or two per step).
/// </summary>
internal sealed class Int8Strategy(bool nibbles) : KernelStrategy
{
    public override KernelKind Kind => nibbles ? KernelKind.Int4 : KernelKind.Int8;

    public override bool FusesInput => true;

    public override bool Applies(MatrixRequest m) =>
        m.Use == MatrixUse.Product && m.Weights.CodecCase == Weights.CodecOneofCase.Uniform && m.Input is { Kind: QuantizerKind.Uniform, Bits: <= 8 }
        && (!nibbles || m.Weights.Uniform.Bits <= 4);

    public override double Cost(MatrixRequest m) =>
        m.Costs.PerCall + m.Cols * m.Costs.Int8PerColumn + (double)m.Rows * (m.Costs.Int8PerRow + (nibbles
            ? (KernelGeometry.Int8RowBytes(m.Cols) / KernelGeometry.Int4Chunk) * (m.Input!.Bits <= 4 ? m.Costs.Int4Per64Columns : m.Costs.Int4Per64ColumnsWide)
            : (KernelGeometry.Int8RowBytes(m.Cols) / 32) * (m.Input!.Bits == 8 ? m.Costs.Int8Per32BytesWide : m.Costs.Int8Per32Bytes)));

    public override IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        UniformCodec u = m.Weights.Uniform;
        int stride = KernelGeometry.Int8RowBytes(m.Cols);
        return new[]
        {
            nibbles
                ? new TensorShape(TensorRole.Int4Codes, TensorKind.Bytes, KernelGeometry.Int4WeightBytes(m.Rows, m.Cols), $"{m.What}{u.Bits}-bit codes{(!u.Signed && u.Bits == 4 ? " - 8" : "")} two per byte (low nibbles + 8, high nibbles two's complement), rows padded to {stride} columns, blocks of {KernelGeometry.Int8BlockRows} rows interleaved in {KernelGeometry.Int8Chunk}-byte runs of {KernelGeometry.Int4Chunk} columns, {m.Shape}")
                : new TensorShape(TensorRole.Int8Codes, TensorKind.Bytes, KernelGeometry.Int8WeightBytes(m.Rows, m.Cols), $"{m.What}signed {u.Bits}-bit codes in bytes{(!u.Signed && u.Bits == 8 ? " (stored code - 128)" : "")}, rows padded to {stride} bytes, blocks of {KernelGeometry.Int8BlockRows} rows interleaved in {KernelGeometry.Int8Chunk}-byte runs, {m.Shape}"),
            new TensorShape(TensorRole.Int8Product, TensorKind.Floats, m.Rows, $"{m.What}per-row scale x input step"),
            new TensorShape(TensorRole.Int8Constant, TensorKind.Floats, m.Rows, $"{m.What}per-row constant (input offset, zero point)"),
            new TensorShape(TensorRole.Int8PerSum, TensorKind.Floats, m.Rows, $"{m.What}per-row multiple of the sum of input codes"),
        };
    }

    public override IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        Int8Weights w = WeightRepacking.Int8(m.Weights.Uniform, m.Rows, m.Cols, m.Input!.Bits, m.Input.Lo, m.Input.Hi, nibbles);
        return new[] { w.Codes, LittleEndian.Floats(w.Product), LittleEndian.Floats(w.Constant), LittleEndian.Floats(w.PerSum) };
    }

    public override int ScratchFloats(MatrixRequest m) => KernelGeometry.Int8ScratchFloats(m.Cols);

    public override string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed)
    {
        QuantizerPlan q = m.Input!;
        long bound = Bound(packed[0], m.Rows, m.Cols, q.Bits);
        return $"integer dot products of the weight codes and the input's {q.Bits}-bit codes (coded inside the kernel; AVX-VNNI vpdpbusd or widening multiply-add), 4 interleaved rows per pass (one sequential read){(nibbles ? ", the codes two per byte (half the bytes of one per byte; a mask or two per step)" : "")}; "
            + $"the largest possible |dot| from these weights is {bound}, {(bound <= short.MaxValue ? "within 16 bits" : "beyond 16 bits")}, so 32-bit accumulators (exact); scales, zero points and the input range in a per-row float epilogue";
    }

    public override string Call(MatrixPlan m, string x, string y, string bias, string scratch) =>
        $"{Runtime}.Int8.{Dense}({x}, {y}, {Codes(m)}, activationBits: {m.Input!.Bits}, lo: {Emit.Literals.Float(m.Input.Lo)}, hi: {Emit.Literals.Float(m.Input.Hi)}, QuantGenData.{m.Data}Int8Product, QuantGenData.{m.Data}Int8Constant, QuantGenData.{m.Data}Int8PerSum, {bias}, {scratch})";

    /// <summary>Runtime Int8.DenseMany: the tile's inputs coded into <paramref name="codes"/>, a block of four rows times
    /// four inputs per pass.</summary>
    public override string CallMany(MatrixPlan m, string x, string y, string count, string codes) =>
        $"{Runtime}.Int8.{DenseMany}({x}, {y}, {count}, {Codes(m)}, activationBits: {m.Input!.Bits}, lo: {Emit.Literals.Float(m.Input.Lo)}, hi: {Emit.Literals.Float(m.Input.Hi)}, QuantGenData.{m.Data}Int8Product, QuantGenData.{m.Data}Int8Constant, QuantGenData.{m.Data}Int8PerSum, {(m.HasBias ? $"QuantGenData.{m.Data}Bias" : "default")}, {codes})";

    public override int ManyScratchFloats(MatrixPlan m, int tile) => tile * KernelGeometry.Int8ScratchFloats(m.Cols);

    public override bool SplitsRows => true;

    public override string CallRows(MatrixPlan m, string x, string y, string first, string scratch)
    {
        int stride = nibbles ? KernelGeometry.Int4RowBytes(m.Cols) : KernelGeometry.Int8RowBytes(m.Cols);
        string Rows(string tensor) => RowSlice(true, $"QuantGenData.{m.Data}{tensor}", first, y);
        return $"{Runtime}.Int8.{Dense}({x}, {y}, {Codes(m)}.Slice({first} * {stride}), activationBits: {m.Input!.Bits}, lo: {Emit.Literals.Float(m.Input.Lo)}, hi: {Emit.Literals.Float(m.Input.Hi)}, "
            + $"{Rows("Int8Product")}, {Rows("Int8Constant")}, {Rows("Int8PerSum")}, {RowSlice(m.HasBias, $"QuantGenData.{m.Data}Bias", first, y)}, {scratch})";
    }

    private string Dense => nibbles ? "DenseNibbles" : "Dense";

    private string DenseMany => nibbles ? "DenseManyNibbles" : "DenseMany";

    /// <summary>The weight codes as the kernel takes them: the nibble layout's bytes, or the byte layout's as signed bytes.</summary>
    private string Codes(MatrixPlan m) =>
        nibbles ? $"QuantGenData.{m.Data}Int4Codes" : $"global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(QuantGenData.{m.Data}Int8Codes)";

    /// <summary>The bound the generator knows from the actual codes: the largest |dot| any input can give, (2^bits - 1) * sum |q_w| of the worst row.</summary>
    private long Bound(byte[] codes, int rows, int cols, int inputBits)
    {
        long worst = 0;
        for (int r = 0; r < rows; r++)
        {
            long magnitude = 0;
            for (int c = 0; c < cols; c++)
            {
                magnitude += System.Math.Abs(nibbles ? Nibble(codes[KernelGeometry.Int4Index(r, c, cols)], KernelGeometry.Int4High(c)) : unchecked((sbyte)codes[KernelGeometry.Int8Index(r, c, cols)]));
            }

            worst = System.Math.Max(worst, magnitude);
        }

        return ((1L << inputBits) - 1) * worst;
    }

    /// <summary>The code a nibble of the layout holds (<see cref="KernelGeometry.Int4Nibble"/> undone).</summary>
    private static int Nibble(byte b, bool high) => high ? unchecked((sbyte)(b & 0xF0)) >> 4 : (b & 0x0F) - 8;
}
