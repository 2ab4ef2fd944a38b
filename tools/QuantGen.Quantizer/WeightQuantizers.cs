using System;
using Google.Protobuf;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Quantizer;

/// <summary>Float weight matrices (rows x cols, row-major) -> a weight codec of the schema.</summary>
public static class WeightQuantizers
{
    /// <summary>
    /// Symmetric uniform quantization per row: scale = max|w_row| / (2^(k-1) - 1),
    /// q = clamp(round_half_even(w / scale), -(2^(k-1) - 1), 2^(k-1) - 1), stored as signed k-bit codes.
    /// The grid is symmetric (the most negative code is unused), so k = 2 gives ternary weights.
    /// </summary>
    public static Weights UniformSymmetric(ReadOnlySpan<float> w, int rows, int cols, int bits)
    {
        if (bits < 2 || bits > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "Symmetric uniform quantization needs 2 to 8 bits.");
        }

        int qmax = (1 << (bits - 1)) - 1;
        var codes = new int[rows * cols];
        var codec = new UniformCodec { Bits = bits, Signed = true };
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = w.Slice(r * cols, cols);
            float max = 0f;
            foreach (float v in row)
            {
                max = Math.Max(max, Math.Abs(v));
            }

            // An all-zero row keeps scale 1: every code is 0 either way.
            float scale = max > 0f ? max / qmax : 1f;
            codec.Scales.Add(scale);
            for (int c = 0; c < cols; c++)
            {
                float q = MathF.Round(row[c] / scale, MidpointRounding.ToEven);
                codes[r * cols + c] = (int)Math.Clamp(q, -qmax, qmax);
            }
        }

        codec.Codes = ByteString.CopyFrom(PackedCodes.Pack(codes, bits));
        return new Weights { Uniform = codec };
    }

    /// <summary>
    /// Alternating multi-bit quantization per row (Xu et al., ICLR 2018): each row ~ sum_j alpha_j b_j
    /// with b_j in {-1, +1}, from the greedy start and <paramref name="cycles"/> alternating cycles.
    /// </summary>
    public static Weights Alternating(ReadOnlySpan<float> w, int rows, int cols, int bits, int cycles = 2)
    {
        var codec = new MultiBinaryCodec { Bits = bits };
        var planes = new int[bits * rows * cols];
        var alphas = new float[bits];
        var reconstruction = new float[cols];
        var codes = new byte[cols];
        for (int r = 0; r < rows; r++)
        {
            AlternatingQuantizer.Quantize(w.Slice(r * cols, cols), bits, cycles, alphas, reconstruction, codes);
            codec.Coefficients.Add(alphas);
            for (int j = 0; j < bits; j++)
            {
                for (int c = 0; c < cols; c++)
                {
                    planes[((long)j * rows + r) * cols + c] = codes[c] >> j & 1;
                }
            }
        }

        codec.Planes = ByteString.CopyFrom(PackedCodes.Pack(planes, 1));
        return new Weights { MultiBinary = codec };
    }
}
