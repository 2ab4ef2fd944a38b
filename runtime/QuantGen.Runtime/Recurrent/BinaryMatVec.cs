using System;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;

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
        if (wBits == 2 && xBits == 2)
        {
            // The paper's headline setting, one pass per row with the four counters in registers.
            Rows2x2(w.Slice(0, y.Length * 2 * words), xPlanes.Slice(0, 2 * words), words, n, betas[0], betas[1], coefficients, bias, y);
            return;
        }

        if (wBits == 3 && xBits == 3)
        {
            Rows3x3(w.Slice(0, y.Length * 3 * words), xPlanes.Slice(0, 3 * words), words, n, betas, coefficients, bias, y);
            return;
        }

        Span<int> disagree = stackalloc int[xBits];
        for (int r = 0; r < y.Length; r++)
        {
            float sum = 0f;
            for (int i = 0; i < wBits; i++)
            {
                PlaneDisagreements(w.Slice((r * wBits + i) * words, words), xPlanes, disagree);
                float inner = 0f;
                for (int j = 0; j < xBits; j++)
                {
                    inner += betas[j] * (n - 2 * disagree[j]);
                }

                sum += coefficients[r * wBits + i] * inner;
            }

            y[r] = sum + (bias.IsEmpty ? 0f : bias[r]);
        }
    }

    private static void Rows2x2(ReadOnlySpan<ulong> w, ReadOnlySpan<ulong> x, int words, int n, float beta0, float beta1, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias, Span<float> y)
    {
        ref ulong x0 = ref MemoryMarshal.GetReference(x);
        ref ulong x1 = ref Unsafe.Add(ref x0, words);
        for (int r = 0; r < y.Length; r++)
        {
            ref ulong w0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(w), r * 2 * words);
            ref ulong w1 = ref Unsafe.Add(ref w0, words);
            int c00 = 0, c01 = 0, c10 = 0, c11 = 0;
            for (int k = 0; k < words; k++)
            {
                ulong a0 = Unsafe.Add(ref w0, k), a1 = Unsafe.Add(ref w1, k), b0 = Unsafe.Add(ref x0, k), b1 = Unsafe.Add(ref x1, k);
                c00 += BitOperations.PopCount(a0 ^ b0);
                c01 += BitOperations.PopCount(a0 ^ b1);
                c10 += BitOperations.PopCount(a1 ^ b0);
                c11 += BitOperations.PopCount(a1 ^ b1);
            }

            float plane0 = beta0 * (n - 2 * c00) + beta1 * (n - 2 * c01);
            float plane1 = beta0 * (n - 2 * c10) + beta1 * (n - 2 * c11);
            y[r] = coefficients[2 * r] * plane0 + coefficients[2 * r + 1] * plane1 + (bias.IsEmpty ? 0f : bias[r]);
        }
    }

    private static void Rows3x3(ReadOnlySpan<ulong> w, ReadOnlySpan<ulong> x, int words, int n, ReadOnlySpan<float> betas, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> bias, Span<float> y)
    {
        ref ulong x0 = ref MemoryMarshal.GetReference(x);
        ref ulong x1 = ref Unsafe.Add(ref x0, words);
        ref ulong x2 = ref Unsafe.Add(ref x0, 2 * words);
        float beta0 = betas[0], beta1 = betas[1], beta2 = betas[2];
        for (int r = 0; r < y.Length; r++)
        {
            float sum = bias.IsEmpty ? 0f : bias[r];
            for (int i = 0; i < 3; i++)
            {
                ref ulong wi = ref Unsafe.Add(ref MemoryMarshal.GetReference(w), (r * 3 + i) * words);
                int c0 = 0, c1 = 0, c2 = 0;
                for (int k = 0; k < words; k++)
                {
                    ulong a = Unsafe.Add(ref wi, k);
                    c0 += BitOperations.PopCount(a ^ Unsafe.Add(ref x0, k));
                    c1 += BitOperations.PopCount(a ^ Unsafe.Add(ref x1, k));
                    c2 += BitOperations.PopCount(a ^ Unsafe.Add(ref x2, k));
                }

                sum += coefficients[3 * r + i] * (beta0 * (n - 2 * c0) + beta1 * (n - 2 * c1) + beta2 * (n - 2 * c2));
            }

            y[r] = sum;
        }
    }

    /// <summary>
    /// popcount(plane xor x_j) for each of the input's planes x_j (stored one after another, plane.Length
    /// words each), in one pass over the weight plane with the counters in registers for 1 to 3 input
    /// planes. Scalar POPCNT: .NET 10 exposes no VPOPCNTQ intrinsic, and a nibble-table vector popcount
    /// measured slower here than one POPCNT per word for 512-column rows (8 words).
    /// </summary>
    public static void PlaneDisagreements(ReadOnlySpan<ulong> plane, ReadOnlySpan<ulong> x, Span<int> disagree)
    {
        int words = plane.Length;
        int planes = disagree.Length;
        if (planes > 3)
        {
            for (int j = 0; j < planes; j++)
            {
                disagree[j] = PopCountXor(plane, x.Slice(j * words, words));
            }

            return;
        }

        x = x.Slice(0, planes * words);
        ref ulong w = ref MemoryMarshal.GetReference(plane);
        ref ulong x0 = ref MemoryMarshal.GetReference(x);
        ref ulong x1 = ref Unsafe.Add(ref x0, planes > 1 ? words : 0);
        ref ulong x2 = ref Unsafe.Add(ref x0, planes > 2 ? 2 * words : 0);
        int c0 = 0, c1 = 0, c2 = 0;
        for (int k = 0; k < words; k++)
        {
            ulong wk = Unsafe.Add(ref w, k);
            c0 += BitOperations.PopCount(wk ^ Unsafe.Add(ref x0, k));
            if (planes > 1)
            {
                c1 += BitOperations.PopCount(wk ^ Unsafe.Add(ref x1, k));
                if (planes > 2)
                {
                    c2 += BitOperations.PopCount(wk ^ Unsafe.Add(ref x2, k));
                }
            }
        }

        disagree[0] = c0;
        if (planes > 1)
        {
            disagree[1] = c1;
        }

        if (planes > 2)
        {
            disagree[2] = c2;
        }
    }

    /// <summary>Number of bits where a and b differ, four words per iteration with independent counters.</summary>
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
