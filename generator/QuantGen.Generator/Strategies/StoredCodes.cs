using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// The tensors of a codec as the description stores them (packed codes, scales, zero points, level table,
/// coefficients): what the kernels that decode rows read, the row-decoding product and the embedding lookup.
/// </summary>
internal static class StoredCodes
{
    public static IReadOnlyList<TensorShape> Layout(MatrixRequest m)
    {
        Weights w = m.Weights;
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Float32:
                return new[] { new TensorShape(TensorRole.FloatWeights, TensorKind.Floats, m.Weights64, $"{m.What}float32 weights, {m.Shape}") };
            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = w.Uniform;
                var shapes = new List<TensorShape>
                {
                    new TensorShape(TensorRole.Codes, TensorKind.Bytes, PackedCodes.ByteLength(m.Weights64, u.Bits), $"{m.What}{(u.Signed ? "signed" : "unsigned")} {u.Bits}-bit codes, {m.Shape}"),
                    new TensorShape(TensorRole.Scales, TensorKind.Floats, u.Scales.Count, $"{m.What}scale{(u.Scales.Count == 1 ? " (per tensor)" : "s (per row)")}"),
                };
                if (u.ZeroPoints.Count > 0)
                {
                    shapes.Add(new TensorShape(TensorRole.ZeroPoints, TensorKind.Int32s, u.ZeroPoints.Count, $"{m.What}zero point{(u.ZeroPoints.Count == 1 ? " (per tensor)" : "s (per row)")}"));
                }

                return shapes;
            }

            case Weights.CodecOneofCase.Levels:
                return new[]
                {
                    new TensorShape(TensorRole.Codes, TensorKind.Bytes, PackedCodes.ByteLength(m.Weights64, w.Levels.Bits), $"{m.What}{w.Levels.Bits}-bit level indices, {m.Shape}"),
                    new TensorShape(TensorRole.Levels, TensorKind.Floats, w.Levels.Levels.Count, $"{m.What}level table"),
                };
            default:
                return new[]
                {
                    new TensorShape(TensorRole.Codes, TensorKind.Bytes, PackedCodes.ByteLength(m.Weights64 * w.MultiBinary.Bits, 1), $"{m.What}{w.MultiBinary.Bits} bit planes of {{-1, +1}}, {m.Shape}"),
                    new TensorShape(TensorRole.Coefficients, TensorKind.Floats, w.MultiBinary.Coefficients.Count, $"{m.What}coefficients, {m.Rows} x {w.MultiBinary.Bits}"),
                };
        }
    }

    public static IReadOnlyList<byte[]> Pack(MatrixRequest m)
    {
        Weights w = m.Weights;
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Float32:
                return new[] { LittleEndian.Floats(w.Float32.Values) };
            case Weights.CodecOneofCase.Uniform:
                return w.Uniform.ZeroPoints.Count > 0
                    ? new[] { w.Uniform.Codes.ToByteArray(), LittleEndian.Floats(w.Uniform.Scales), LittleEndian.Ints(w.Uniform.ZeroPoints) }
                    : new[] { w.Uniform.Codes.ToByteArray(), LittleEndian.Floats(w.Uniform.Scales) };
            case Weights.CodecOneofCase.Levels:
                return new[] { w.Levels.Codes.ToByteArray(), LittleEndian.Floats(w.Levels.Levels) };
            default:
                return new[] { w.MultiBinary.Planes.ToByteArray(), LittleEndian.Floats(w.MultiBinary.Coefficients) };
        }
    }

    /// <summary>The codec-specific arguments after the codes: bits, scales, zero points or levels or coefficients.</summary>
    public static string Arguments(MatrixPlan m, Weights.CodecOneofCase codec)
    {
        string d = "QuantGenData." + m.Data;
        return codec switch
        {
            Weights.CodecOneofCase.Uniform => $"{d}Codes, bits: {m.Bits}, signed: {(m.Signed ? "true" : "false")}, {d}Scales, {(m.HasZeroPoints ? d + "ZeroPoints" : "default")}",
            Weights.CodecOneofCase.Levels => $"{d}Codes, bits: {m.Bits}, {d}Levels",
            _ => $"{d}Codes, bits: {m.Bits}, {d}Coefficients",
        };
    }
}
