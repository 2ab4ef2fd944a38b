using QuantGen.Schema;

namespace QuantGen.Generator.Strategies;

/// <summary>What a codec is, in the words of the generated header and comments, and its bit width.</summary>
internal static class CodecText
{
    public static string Summary(Weights w) => w.CodecCase switch
    {
        Weights.CodecOneofCase.Float32 => "Float32",
        Weights.CodecOneofCase.Uniform => $"Uniform {w.Uniform.Bits}-bit {(w.Uniform.Signed ? "signed" : "unsigned")}, {(w.Uniform.Scales.Count == 1 ? "per-tensor" : "per-row")} scale{(w.Uniform.ZeroPoints.Count == 0 ? "" : ", zero point")}",
        Weights.CodecOneofCase.Levels => $"Levels {w.Levels.Bits}-bit, {w.Levels.Levels.Count} levels",
        _ => $"MultiBinary {w.MultiBinary.Bits}-bit, per-row coefficients",
    };

    public static int Bits(Weights w) => w.CodecCase switch
    {
        Weights.CodecOneofCase.Uniform => w.Uniform.Bits,
        Weights.CodecOneofCase.Levels => w.Levels.Bits,
        Weights.CodecOneofCase.MultiBinary => w.MultiBinary.Bits,
        _ => 0,
    };
}
