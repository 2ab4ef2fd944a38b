using System;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator.Layout;

/// <summary>
/// The weight formats the fast runtime kernels read, made once while planning from a description's codes
/// (the blob then holds these instead of the description's stream). Their geometry (padding, blocks,
/// groups) is <see cref="KernelGeometry"/>, the one file the runtime's kernels are compiled from too.
/// </summary>
internal static class WeightRepacking
{
    /// <summary>A level table of more bits than this expands to too many AND-planes (2^bits - 1) to beat decoding.</summary>
    public const int MaxLevelBitsForLut = 3;

    /// <summary>How many {0, 1} planes the weights decompose into for the table kernel, or 0 when they do not fit it.</summary>
    public static int LutPlaneCount(Weights w) => w.CodecCase switch
    {
        Weights.CodecOneofCase.Uniform => w.Uniform.Bits,
        Weights.CodecOneofCase.MultiBinary => w.MultiBinary.Bits,
        Weights.CodecOneofCase.Levels when w.Levels.Bits <= MaxLevelBitsForLut => (1 << w.Levels.Bits) - 1,
        _ => 0,
    };

    /// <summary>
    /// The weights as a sum of {0, 1} planes: W[r, c] = sum_p scale[r, p] * bit_p(r, c) + offset[r].
    /// Uniform: the code's binary digits (two's complement: the top digit weighs -2^(k-1)), times the
    /// row's scale; offset -scale * zeroPoint. MultiBinary: +-1 = 2b - 1, so scale 2c and offset -sum c.
    /// Levels: the multilinear (Moebius) expansion of the table over the code bits, one plane per
    /// subset S of bits (bit = AND of those bits), scale sum_{T in S} (-1)^|S - T| levels[T]; offset levels[0].
    /// </summary>
    public static LutWeights Lut(Weights w, int rows, int cols)
    {
        int planes = LutPlaneCount(w);
        var scales = new double[rows, planes];
        var offsets = new double[rows];
        Func<int, int, int> planeBit;
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = w.Uniform;
                byte[] codes = u.Codes.ToByteArray();
                for (int r = 0; r < rows; r++)
                {
                    double scale = u.Scales[u.Scales.Count == 1 ? 0 : r];
                    int zeroPoint = u.ZeroPoints.Count == 0 ? 0 : u.ZeroPoints[u.ZeroPoints.Count == 1 ? 0 : r];
                    for (int p = 0; p < planes; p++)
                    {
                        double weight = u.Signed && p == planes - 1 ? -Math.Pow(2, p) : Math.Pow(2, p);
                        scales[r, p] = scale * weight;
                    }

                    offsets[r] = -scale * zeroPoint;
                }

                planeBit = (i, p) => PackedCodes.Read(codes, i, u.Bits) >> p & 1;
                break;
            }

            case Weights.CodecOneofCase.MultiBinary:
            {
                MultiBinaryCodec m = w.MultiBinary;
                byte[] bits = m.Planes.ToByteArray();
                for (int r = 0; r < rows; r++)
                {
                    double sum = 0;
                    for (int p = 0; p < planes; p++)
                    {
                        double c = m.Coefficients[r * m.Bits + p];
                        scales[r, p] = 2 * c;
                        sum += c;
                    }

                    offsets[r] = -sum;
                }

                long planeSize = (long)rows * cols;
                planeBit = (i, p) => bits[(int)((p * planeSize + i) >> 3)] >> (int)((p * planeSize + i) & 7) & 1;
                break;
            }

            case Weights.CodecOneofCase.Levels:
            {
                LevelsCodec l = w.Levels;
                byte[] codes = l.Codes.ToByteArray();
                int count = 1 << l.Bits;
                var coefficient = new double[count];
                for (int s = 0; s < count; s++)
                {
                    // Moebius inversion over the subsets t of s; codes past the table never occur (validated), count them as 0.
                    double a = 0;
                    for (int t = s; ; t = (t - 1) & s)
                    {
                        double level = t < l.Levels.Count ? l.Levels[t] : 0.0;
                        a += (Popcount(s) - Popcount(t)) % 2 == 0 ? level : -level;
                        if (t == 0)
                        {
                            break;
                        }
                    }

                    coefficient[s] = a;
                }

                for (int r = 0; r < rows; r++)
                {
                    for (int p = 0; p < planes; p++)
                    {
                        scales[r, p] = coefficient[p + 1];
                    }

                    offsets[r] = coefficient[0];
                }

                // Plane p stands for the bit subset p + 1: set when the code has every bit of it.
                planeBit = (i, p) => (PackedCodes.Read(codes, i, l.Bits) & (p + 1)) == p + 1 ? 1 : 0;
                break;
            }

            default:
                throw new ArgumentException("float weights have no plane decomposition", nameof(w));
        }

        return new LutWeights(planes, PackPlanes(rows, cols, planes, planeBit), ScaleBlocks(rows, planes, scales), Padded(rows, offsets));
    }

    /// <summary>Multi-bit binary planes as 64-bit words in the xor/popcount layout (<see cref="KernelGeometry.XnorWordIndex"/>:
    /// groups of 8 rows interleaved word by word), zero-padded, little-endian bytes.</summary>
    public static byte[] XnorPlanes(MultiBinaryCodec m, int rows, int cols)
    {
        int words = KernelGeometry.XnorRowWords(cols);
        var result = new byte[KernelGeometry.XnorPlaneBytes(rows, cols, m.Bits)];
        byte[] bits = m.Planes.ToByteArray();
        long planeSize = (long)rows * cols;
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < m.Bits; p++)
            {
                for (int c = 0; c < cols; c++)
                {
                    long source = p * planeSize + (long)r * cols + c;
                    if ((bits[source >> 3] >> (int)(source & 7) & 1) != 0)
                    {
                        long target = KernelGeometry.XnorWordIndex(r, p, c / 64, m.Bits, words) * 64 + c % 64;
                        result[target >> 3] |= (byte)(1 << (int)(target & 7));
                    }
                }
            }
        }

        return result;
    }

    /// <summary>The per-row plane coefficients in the xor/popcount layout (<see cref="KernelGeometry.XnorCoefficientIndex"/>),
    /// zero past the last row.</summary>
    public static float[] XnorCoefficients(MultiBinaryCodec m, int rows) =>
        PlaneCoefficients(m, rows, KernelGeometry.XnorCoefficientFloats(rows, m.Bits), KernelGeometry.XnorCoefficientIndex);

    /// <summary>The codec's per-row plane coefficients placed by <paramref name="index"/> (row, plane, planes) in an array of
    /// <paramref name="length"/> floats, zero elsewhere.</summary>
    private static float[] PlaneCoefficients(MultiBinaryCodec m, int rows, int length, Func<int, int, int, int> index)
    {
        var result = new float[length];
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < m.Bits; p++)
            {
                result[index(r, p, m.Bits)] = m.Coefficients[r * m.Bits + p];
            }
        }

        return result;
    }

    /// <summary>Multi-bit binary planes in the row-major xor/popcount layout (<see cref="KernelGeometry.XnorRowsByteIndex"/>:
    /// blocks of 32 rows, byte k of every row of a block together): the word layout's bytes, moved.</summary>
    public static byte[] XnorRowPlanes(MultiBinaryCodec m, int rows, int cols)
    {
        int words = KernelGeometry.XnorRowWords(cols);
        byte[] interleaved = XnorPlanes(m, rows, cols);
        var result = new byte[KernelGeometry.XnorRowsPlaneBytes(rows, cols, m.Bits)];
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < m.Bits; p++)
            {
                for (int k = 0; k < 8 * words; k++)
                {
                    result[KernelGeometry.XnorRowsByteIndex(r, p, k, m.Bits, words)] = interleaved[(KernelGeometry.XnorWordIndex(r, p, k / 8, m.Bits, words) * 8) + (k % 8)];
                }
            }
        }

        return result;
    }

    /// <summary>The per-row plane coefficients in the row-major xor/popcount layout (<see cref="KernelGeometry.XnorRowsCoefficientIndex"/>),
    /// zero past the last row.</summary>
    public static float[] XnorRowCoefficients(MultiBinaryCodec m, int rows) =>
        PlaneCoefficients(m, rows, KernelGeometry.XnorRowsCoefficientFloats(rows, m.Bits), KernelGeometry.XnorRowsCoefficientIndex);

    /// <summary>
    /// A convolution's multi-bit binary planes [plane][out channel][channel, ky, kx] (the codec's order) in the xor/popcount
    /// convolution's layout (<see cref="KernelGeometry.ConvXnorWordIndex"/>): per output channel, plane and tap, the
    /// channels as bits of little-endian words, zero past the last channel.
    /// </summary>
    public static byte[] ConvXnorPlanes(MultiBinaryCodec m, int rows, int channels, int taps)
    {
        int wordBytes = KernelGeometry.ConvXnorWordBytes(channels), wordBits = 8 * wordBytes, chunks = KernelGeometry.ConvXnorChunks(channels);
        var result = new byte[KernelGeometry.ConvXnorWeightBytes(rows, channels, taps, m.Bits)];
        byte[] bits = m.Planes.ToByteArray();
        long cols = (long)channels * taps;
        for (int p = 0; p < m.Bits; p++)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < channels; c++)
                {
                    for (int t = 0; t < taps; t++)
                    {
                        long source = (p * (long)rows + r) * cols + (long)c * taps + t;
                        if ((bits[source >> 3] >> (int)(source & 7) & 1) != 0)
                        {
                            long word = KernelGeometry.ConvXnorWordIndex(r, p, t, c / wordBits, m.Bits, taps, chunks);
                            int bit = c % wordBits;
                            result[word * wordBytes + bit / 8] |= (byte)(1 << (bit % 8));
                        }
                    }
                }
            }
        }

        return result;
    }

    /// <summary>A convolution's float weights [out channel][channel, ky, kx] in the float convolution's blocked layout
    /// (<see cref="KernelGeometry.ConvBlockedIndex"/>), the channels past the last zero.</summary>
    public static float[] ConvBlocked(float[] weights, int rows, int cols)
    {
        var blocked = new float[(long)KernelGeometry.ConvBlockedChannels(rows) * cols];
        for (int o = 0; o < rows; o++)
        {
            for (int k = 0; k < cols; k++)
            {
                blocked[KernelGeometry.ConvBlockedIndex(o, k, cols)] = weights[(long)o * cols + k];
            }
        }

        return blocked;
    }

    /// <summary>
    /// Uniform weights of up to 8 bits for the integer kernel with a uniform input of <paramref name="inputBits"/>
    /// bits over [lo, hi]: signed codes, rows zero-padded to KernelGeometry.Int8RowBytes, in the kernel's blocks of
    /// interleaved rows (<see cref="Int8Blocks"/>; 8-bit unsigned codes shifted by -128 to fit a signed byte, the
    /// shift folded into the zero point), and the
    /// per-row epilogue. With w = s (q_w - z), a = lo + d q_a, d = (hi - lo) / (2^inputBits - 1):
    /// y = s d * dot(q_w, q_a) + s (lo sum(q_w) - z cols lo) - s z d * sum(q_a).
    /// </summary>
    /// <remarks>With <paramref name="nibbles"/> (codes of up to 4 bits) the codes are stored two per byte (<see cref="Int4Blocks"/>),
    /// 4-bit unsigned codes shifted by -8 as 8-bit ones are by -128.</remarks>
    public static Int8Weights Int8(UniformCodec u, int rows, int cols, int inputBits, float lo, float hi, bool nibbles = false)
    {
        ByteCodeRows b = ByteCodes(u, rows, cols, nibbles ? 4 : 8);
        var product = new float[rows];
        var constant = new float[rows];
        var perSum = new float[rows];
        double d = ((double)hi - lo) / ((1 << inputBits) - 1);
        for (int r = 0; r < rows; r++)
        {
            product[r] = (float)(b.Scales[r] * d);
            constant[r] = (float)(b.Scales[r] * ((double)lo * b.Sums[r] - b.ZeroPoints[r] * cols * lo));
            perSum[r] = (float)(-b.Scales[r] * b.ZeroPoints[r] * d);
        }

        return new Int8Weights(nibbles ? Int4Blocks(b.Codes, rows, cols) : Int8Blocks(b.Codes, rows, cols), product, constant, perSum);
    }

    /// <summary>Row-major codes of -8..7 (rows of KernelGeometry.Int8RowBytes signed bytes, as <see cref="ByteCodes"/> makes them)
    /// in the integer kernel's nibble layout (KernelGeometry.Int4Index and Int4Nibble): every padded column and every row
    /// that completes the last block holds code 0.</summary>
    public static byte[] Int4Blocks(byte[] rowMajor, int rows, int cols)
    {
        int stride = KernelGeometry.Int8RowBytes(cols);
        var result = new byte[KernelGeometry.Int4WeightBytes(rows, cols)];
        for (int r = 0; r < KernelGeometry.Int8Blocks(rows) * KernelGeometry.Int8BlockRows; r++)
        {
            for (int c = 0; c < stride; c++)
            {
                int q = r < rows ? unchecked((sbyte)rowMajor[((long)r * stride) + c]) : 0;
                if (q < -8 || q > 7)
                {
                    throw new ArgumentOutOfRangeException(nameof(rowMajor), q, $"code at row {r}, column {c} does not fit the nibble layout (-8..7)");
                }

                result[KernelGeometry.Int4Index(r, c, cols)] |= (byte)KernelGeometry.Int4Nibble(q, KernelGeometry.Int4High(c));
            }
        }

        return result;
    }

    /// <summary>Row-major codes (rows of KernelGeometry.Int8RowBytes, as <see cref="ByteCodes"/> makes them) in the
    /// integer kernel's layout (KernelGeometry.Int8Index): blocks of four rows interleaved in 32-byte runs, rows
    /// past the last zero.</summary>
    public static byte[] Int8Blocks(byte[] rowMajor, int rows, int cols)
    {
        int stride = KernelGeometry.Int8RowBytes(cols);
        var result = new byte[KernelGeometry.Int8WeightBytes(rows, cols)];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < stride; c += KernelGeometry.Int8Chunk)
            {
                Array.Copy(rowMajor, ((long)r * stride) + c, result, KernelGeometry.Int8Index(r, c, cols), KernelGeometry.Int8Chunk);
            }
        }

        return result;
    }

    /// <summary>
    /// A convolution's uniform codes (signed bytes, rows of <paramref name="stride"/> bytes as <see cref="ByteCodes"/> makes
    /// them, columns in PyTorch's (channel, ky, kx) order) in the integer convolution's layout
    /// (<see cref="KernelGeometry.ConvInt8Index"/>): channels last, output channels in blocks of 8, zero past the last.
    /// </summary>
    public static byte[] ConvInt8(byte[] rowCodes, int stride, int rows, int channels, int kernelH, int kernelW)
    {
        int taps = kernelH * kernelW;
        var result = new byte[KernelGeometry.ConvInt8WeightBytes(rows, channels, taps)];
        for (int o = 0; o < rows; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int tap = 0; tap < taps; tap++)
                {
                    result[KernelGeometry.ConvInt8Index(o, tap, c, taps, channels)] = rowCodes[(long)o * stride + (c * taps) + tap];
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Uniform codes of up to 8 bits as signed bytes, row-major, rows zero-padded to KernelGeometry.Int8RowBytes:
    /// 8-bit unsigned codes shifted by -128 to fit, the shift folded into each row's zero point. With the row's
    /// scale and zero point and the sum of its codes: what the integer kernel and the byte-code kernel read.
    /// </summary>
    /// <remarks><paramref name="containerBits"/>: the width the kernel stores a code in (8, or 4 in the nibble layout); unsigned codes
    /// of that width are shifted by half its range.</remarks>
    public static ByteCodeRows ByteCodes(UniformCodec u, int rows, int cols, int containerBits = 8)
    {
        int stride = KernelGeometry.Int8RowBytes(cols);
        var codes = new byte[(long)rows * stride];
        var scales = new double[rows];
        var zeroPoints = new double[rows];
        var sums = new long[rows];
        byte[] packed = u.Codes.ToByteArray();
        int shift = !u.Signed && u.Bits == containerBits ? 1 << (containerBits - 1) : 0;
        for (int r = 0; r < rows; r++)
        {
            scales[r] = u.Scales[u.Scales.Count == 1 ? 0 : r];
            zeroPoints[r] = (u.ZeroPoints.Count == 0 ? 0 : u.ZeroPoints[u.ZeroPoints.Count == 1 ? 0 : r]) - shift;
            for (int c = 0; c < cols; c++)
            {
                long i = (long)r * cols + c;
                int q = u.Signed ? PackedCodes.ReadSigned(packed, i, u.Bits) : PackedCodes.Read(packed, i, u.Bits) - shift;
                codes[(long)r * stride + c] = unchecked((byte)(sbyte)q);
                sums[r] += q;
            }
        }

        return new ByteCodeRows(codes, scales, zeroPoints, sums);
    }

    /// <summary>[block][plane][group of 8 columns][16 rows], one byte per row: bit k = column 8g + k.</summary>
    private static byte[] PackPlanes(int rows, int cols, int planes, Func<int, int, int> planeBit)
    {
        int groups = KernelGeometry.LutGroups(cols);
        var result = new byte[KernelGeometry.LutPlaneBytes(rows, cols, planes)];
        for (int r = 0; r < rows; r++)
        {
            int block = r / KernelGeometry.LutBlockRows, lane = r % KernelGeometry.LutBlockRows;
            for (int p = 0; p < planes; p++)
            {
                int planeStart = (block * planes + p) * groups * KernelGeometry.LutBlockRows;
                for (int c = 0; c < cols; c++)
                {
                    if (planeBit(r * cols + c, p) != 0)
                    {
                        result[planeStart + (c / 8) * KernelGeometry.LutBlockRows + lane] |= (byte)(1 << (c % 8));
                    }
                }
            }
        }

        return result;
    }

    private static float[] ScaleBlocks(int rows, int planes, double[,] scales)
    {
        var result = new float[KernelGeometry.LutPlaneScaleFloats(rows, planes)];
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < planes; p++)
            {
                result[((r / KernelGeometry.LutBlockRows) * planes + p) * KernelGeometry.LutBlockRows + r % KernelGeometry.LutBlockRows] = (float)scales[r, p];
            }
        }

        return result;
    }

    private static float[] Padded(int rows, double[] values)
    {
        var result = new float[KernelGeometry.LutSumScaleFloats(rows)];
        for (int r = 0; r < rows; r++)
        {
            result[r] = (float)values[r];
        }

        return result;
    }

    private static int Popcount(int v)
    {
        int n = 0;
        for (; v != 0; v &= v - 1)
        {
            n++;
        }

        return n;
    }
}

/// <summary>Weights decomposed for the table kernel: the plane stream, the per-row plane scales (in 16-row blocks) and the per-row offsets.</summary>
internal sealed class LutWeights(int planes, byte[] bits, float[] planeScales, float[] sumScales)
{
    public int Planes { get; } = planes;
    public byte[] Bits { get; } = bits;
    public float[] PlaneScales { get; } = planeScales;
    public float[] SumScales { get; } = sumScales;
}

/// <summary>Uniform codes as signed bytes in padded rows, with each row's scale, zero point (shift included) and sum of codes.</summary>
internal sealed class ByteCodeRows(byte[] codes, double[] scales, double[] zeroPoints, long[] sums)
{
    public byte[] Codes { get; } = codes;
    public double[] Scales { get; } = scales;
    public double[] ZeroPoints { get; } = zeroPoints;
    public long[] Sums { get; } = sums;
}

/// <summary>Weights for the integer kernel: signed codes and the per-row epilogue.</summary>
internal sealed class Int8Weights(byte[] codes, float[] product, float[] constant, float[] perSum)
{
    public byte[] Codes { get; } = codes;
    public float[] Product { get; } = product;
    public float[] Constant { get; } = constant;
    public float[] PerSum { get; } = perSum;
}
