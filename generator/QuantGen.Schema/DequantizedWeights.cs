using System;

namespace QuantGen.Schema;

/// <summary>
/// Turns any weight codec back into plain float values, one value at a time, straight from the schema's
/// definition: what the reference interpreter multiplies by, and what the generator stores for a kernel that
/// reads float weights (a convolution's few weights, reused at every position).
/// </summary>
public static class DequantizedWeights
{
    /// <summary>The rows x cols values of <paramref name="weights"/>, row-major.</summary>
    public static float[] Of(Weights weights, int rows, int cols)
    {
        long count = (long)rows * cols;
        var values = new float[count];
        switch (weights.CodecCase)
        {
            case Weights.CodecOneofCase.Float32:
                weights.Float32.Values.CopyTo(values, 0);
                break;

            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = weights.Uniform;
                ReadOnlySpan<byte> codes = u.Codes.Span;
                for (long i = 0; i < count; i++)
                {
                    int r = (int)(i / cols);
                    int q = u.Signed ? PackedCodes.ReadSigned(codes, i, u.Bits) : PackedCodes.Read(codes, i, u.Bits);
                    int zeroPoint = u.ZeroPoints.Count == 0 ? 0 : u.ZeroPoints[u.ZeroPoints.Count == 1 ? 0 : r];
                    float scale = u.Scales[u.Scales.Count == 1 ? 0 : r];
                    values[i] = scale * (q - zeroPoint);
                }

                break;
            }

            case Weights.CodecOneofCase.Levels:
            {
                LevelsCodec l = weights.Levels;
                ReadOnlySpan<byte> codes = l.Codes.Span;
                for (long i = 0; i < count; i++)
                {
                    values[i] = l.Levels[PackedCodes.Read(codes, i, l.Bits)];
                }

                break;
            }

            case Weights.CodecOneofCase.MultiBinary:
            {
                MultiBinaryCodec m = weights.MultiBinary;
                ReadOnlySpan<byte> planes = m.Planes.Span;
                for (long i = 0; i < count; i++)
                {
                    long r = i / cols;
                    long c = i % cols;
                    float sum = 0f;
                    for (int j = 0; j < m.Bits; j++)
                    {
                        int bit = PackedCodes.Read(planes, (j * rows + r) * cols + c, 1);
                        float coefficient = m.Coefficients[(int)(r * m.Bits + j)];
                        sum += bit == 1 ? coefficient : -coefficient;
                    }

                    values[i] = sum;
                }

                break;
            }

            default:
                throw new ArgumentException("weights without a codec", nameof(weights));
        }

        return values;
    }
}
