using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace QuantGen.Runtime;

/// <summary>
/// y = W x + b where W is multi-binary (k_w bit planes with per-row coefficients alpha) and x is coded
/// online by alternating multi-bit quantization into k_x planes with coefficients beta (Xu et al. 2018):
/// y[r] = sum_i sum_j alpha[r, i] beta[j] (n - 2 popcount(w_i[r] xor x_j)) + b[r]. This is what makes the
/// alternating LSTM/GRU step fast: no weight is decoded to float, a 64-column block costs one xor and one
/// popcount per pair of planes.
/// </summary>
/// <remarks>
/// Weight planes are in the padded layout the generator writes (not the description's packed stream):
/// row r, plane i occupies words [(r * k_w + i) * Words(n), ...), bit c % 64 of word c / 64 set for +1;
/// padding bits are 0 in weights and activations alike, so they never count in a popcount of an xor.
/// </remarks>
public static class BinaryMatVec
{
    /// <summary>64-bit words per padded row plane.</summary>
    public static int Words(int cols) => (cols + 63) / 64;

    /// <summary>Floats of working memory <see cref="MultiBinaryOnline"/> needs.</summary>
    public static int ScratchFloats(int cols, int xBits) => 2 * cols + (cols + 3) / 4 + 2 * xBits * Words(cols);

    public static void MultiBinaryOnline(
        ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<byte> paddedPlanes, int wBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int xBits, int cycles, Span<float> scratch)
    {
        int n = x.Length;
        int words = Words(n);
        Span<float> clean = scratch.Slice(0, n);
        Span<float> reconstruction = scratch.Slice(n, n);
        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(2 * n, (n + 3) / 4)).Slice(0, n);
        Span<ulong> xPlanes = MemoryMarshal.Cast<float, ulong>(scratch.Slice(2 * n + (n + 3) / 4, 2 * xBits * words));
        Span<float> betas = stackalloc float[xBits];
        for (int i = 0; i < n; i++)
        {
            clean[i] = float.IsFinite(x[i]) ? x[i] : 0f;
        }

        AlternatingQuantizer.Quantize(clean, xBits, cycles, betas, reconstruction, codes);
        xPlanes.Clear();
        for (int c = 0; c < n; c++)
        {
            int code = codes[c];
            for (int j = 0; j < xBits; j++)
            {
                xPlanes[j * words + (c >> 6)] |= (ulong)((code >> j) & 1) << (c & 63);
            }
        }

        ReadOnlySpan<ulong> w = MemoryMarshal.Cast<byte, ulong>(paddedPlanes);
        for (int r = 0; r < y.Length; r++)
        {
            float sum = 0f;
            for (int i = 0; i < wBits; i++)
            {
                ReadOnlySpan<ulong> plane = w.Slice((r * wBits + i) * words, words);
                float inner = 0f;
                for (int j = 0; j < xBits; j++)
                {
                    int disagree = PopCountXor(plane, xPlanes.Slice(j * words, words));
                    inner += betas[j] * (n - 2 * disagree);
                }

                sum += coefficients[r * wBits + i] * inner;
            }

            y[r] = sum + (bias.IsEmpty ? 0f : bias[r]);
        }
    }

    /// <summary>
    /// Number of bits where a and b differ. Scalar POPCNT, four words per iteration with independent
    /// counters: .NET 10 exposes no VPOPCNTQ intrinsic, and at one popcount per cycle a 512-column plane
    /// pair costs 8 cycles, far below the float kernel's cost for the same row.
    /// </summary>
    public static int PopCountXor(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        b = b.Slice(0, a.Length);
        int c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        int i = 0;
        for (; i + 4 <= a.Length; i += 4)
        {
            c0 += BitOperations.PopCount(a[i] ^ b[i]);
            c1 += BitOperations.PopCount(a[i + 1] ^ b[i + 1]);
            c2 += BitOperations.PopCount(a[i + 2] ^ b[i + 2]);
            c3 += BitOperations.PopCount(a[i + 3] ^ b[i + 3]);
        }

        for (; i < a.Length; i++)
        {
            c0 += BitOperations.PopCount(a[i] ^ b[i]);
        }

        return (c0 + c1) + (c2 + c3);
    }

    /// <summary>
    /// The padded layout from the description's planes (plane j, row r, column c at bit (j * rows + r) * cols + c):
    /// what the generator writes into the weight blob; here for tests and tools.
    /// </summary>
    public static byte[] Pad(ReadOnlySpan<byte> planes, int rows, int cols, int bits)
    {
        int words = Words(cols);
        var padded = new ulong[(long)rows * bits * words];
        for (int j = 0; j < bits; j++)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    long bit = ((long)j * rows + r) * cols + c;
                    if ((planes[(int)(bit >> 3)] >> (int)(bit & 7) & 1) != 0)
                    {
                        padded[(r * bits + j) * words + (c >> 6)] |= 1UL << (c & 63);
                    }
                }
            }
        }

        return MemoryMarshal.AsBytes(padded.AsSpan()).ToArray();
    }
}
