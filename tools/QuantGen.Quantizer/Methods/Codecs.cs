using System;
using Google.Protobuf;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>Builds the schema's codecs from codes, so each method only decides the codes.</summary>
internal static class Codecs
{
    /// <summary>Uniform codes w = scale * (q - zero point), one scale (and zero point) per tensor or per row.</summary>
    public static Weights Uniform(int bits, bool signed, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints, ReadOnlySpan<int> codes)
    {
        var codec = new UniformCodec { Bits = bits, Signed = signed, Codes = ByteString.CopyFrom(PackedCodes.Pack(codes, bits)) };
        foreach (float s in scales)
        {
            codec.Scales.Add(s);
        }

        bool anyZeroPoint = false;
        foreach (int z in zeroPoints)
        {
            anyZeroPoint |= z != 0;
        }

        // All-zero zero points are left out: the schema reads none as zero.
        if (anyZeroPoint)
        {
            foreach (int z in zeroPoints)
            {
                codec.ZeroPoints.Add(z);
            }
        }

        return new Weights { Uniform = codec };
    }

    /// <summary>Indices into a level table: w = levels[q].</summary>
    public static Weights Levels(int bits, ReadOnlySpan<float> levels, ReadOnlySpan<int> indices)
    {
        var codec = new LevelsCodec { Bits = bits, Codes = ByteString.CopyFrom(PackedCodes.Pack(indices, bits)) };
        foreach (float level in levels)
        {
            codec.Levels.Add(level);
        }

        return new Weights { Levels = codec };
    }

    /// <summary>
    /// Multi-bit binary codes: <paramref name="codes"/>[r * cols + c] has bit j set when b_j = +1, and
    /// <paramref name="coefficients"/> holds rows x bits values (row r's at [r * bits, (r + 1) * bits)).
    /// </summary>
    public static Weights MultiBinary(int rows, int cols, int bits, ReadOnlySpan<float> coefficients, ReadOnlySpan<byte> codes)
    {
        var planes = new int[bits * rows * cols];
        for (int j = 0; j < bits; j++)
        {
            for (int i = 0; i < rows * cols; i++)
            {
                planes[j * rows * cols + i] = codes[i] >> j & 1;
            }
        }

        var codec = new MultiBinaryCodec { Bits = bits, Planes = ByteString.CopyFrom(PackedCodes.Pack(planes, 1)) };
        foreach (float a in coefficients)
        {
            codec.Coefficients.Add(a);
        }

        return new Weights { MultiBinary = codec };
    }
}
