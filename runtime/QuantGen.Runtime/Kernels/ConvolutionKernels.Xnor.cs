using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Conv2d with multi-bit binary weights over an input map coded online by alternating multi-bit quantization (the
/// whole map one vector, as <see cref="ActivationQuantizers.OnlineMultiBinary"/> codes it), by xor and popcount.
/// For output channel o, weight plane i and input plane j, the patch's {-1, +1} dot product over the n(p) values a
/// position p reads inside the map is n(p) - 2 popcount(W_i[o] xor A_j[patch p]); then
/// y[o, p] = bias[o] + sum_i alpha[o, i] (B n(p) - 2 sum_j beta_j popcount_ij), B = sum_j beta_j.
/// </summary>
/// <remarks>
/// Why this works with zero padding: an alternating code has no value 0, so the padding cannot be coded; instead a
/// tap that reads padding is left out of the count (a mask word, 0 there, ands the xor result) and out of n(p), which
/// is exactly the reference's product with the padding's 0.
/// Layout: channels last in bits. A word (16 bits for up to 16 channels, else 32-bit chunks) holds one plane's bits
/// of the channels at one pixel, so a patch is its taps' words and a 512-bit vector holds one tap's word for 32 (or
/// 16) consecutive output positions: the lanes are positions, so each output channel's counts come out in position
/// order, as y stores them, and the weight word is one broadcast. With stride 1 and output rows as wide as the input's
/// (the usual "same" padding), tap (ky, kx)'s words for consecutive positions are the pixel words themselves, shifted
/// by (ky - padH) * width + kx - padW, so they are read in place; only the masks are made per tap. Otherwise each
/// tap's words are copied out per output position first.
/// Counting: the permute count (<see cref="global::QuantGen.Runtime.Xnor.CountBytes"/>) of each (weight xor activation)
/// and mask (one vpternlog); byte counts of up to 31 steps are folded into 16-bit lanes, which become floats once per
/// (output channel, weight plane, 16 positions). Two vectors of positions run side by side, sharing each broadcast
/// weight word: on this core a 512-bit add takes two cycles, and with one chain of counts the units idled (2.8 -> 2.4
/// us for the digits CNN's 16 -> 32 products at 2 x 2 bits). A carry-save tree in front of the counts, which needs
/// four counts instead of nine per 3 x 3 patch, was slower (3.7 us): the permutes were not the bound here.
/// Paths: AVX-512 with VBMI and GFNI (ConvolutionKernels.Xnor512.cs); AVX2, SSSE3 or ARM64 AdvSimd
/// (ConvolutionKernels.XnorLanes.cs); else the scalar twin, which makes the same integer counts and the same fused
/// multiply-adds in the same order, so all give the same bits.
/// </remarks>
public static partial class ConvolutionKernels
{
    /// <summary>The xor/popcount convolution's paths; tests force each one the machine supports.</summary>
    internal enum XnorPath
    {
        Best,
        Permute512,
        Lanes256,
        Lanes128,
        Scalar,
    }

    /// <summary>Floats of scratch <see cref="Xnor(ReadOnlySpan{float}, Span{float}, in Window, ReadOnlySpan{byte}, int, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, Span{float})"/> needs.</summary>
    public static int XnorScratchFloats(in Window w, int activationBits) =>
        KernelGeometry.ConvXnorScratchFloats(w.Channels, w.Height, w.Width, w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PaddingH, w.PaddingW, activationBits);

    /// <summary>
    /// y[o, oy, ox] = bias[o] + sum over (c, ky, kx) inside the map of W[o, c, ky, kx] * q[c, iy, ix], W = sum_i
    /// alpha[o, i] B_i (<paramref name="coefficients"/>[o * weightBits + i]) and q x's online alternating reconstruction
    /// with <paramref name="activationBits"/> planes after <paramref name="cycles"/> cycles (padding reads 0).
    /// <paramref name="weights"/>: the planes in the layout of <see cref="KernelGeometry.ConvXnorWordIndex"/>.
    /// </summary>
    public static void Xnor(
        ReadOnlySpan<float> x, Span<float> y, in Window w, ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch) =>
        Xnor(x, y, w, weights, weightBits, coefficients, bias, activationBits, cycles, scratch, XnorPath.Best);

    internal static void Xnor(
        ReadOnlySpan<float> x, Span<float> y, in Window w, ReadOnlySpan<byte> weights, int weightBits, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> bias, int activationBits, int cycles, Span<float> scratch, XnorPath path)
    {
        if ((uint)(activationBits - 1) >= 4)
        {
            throw new ArgumentOutOfRangeException(nameof(activationBits), activationBits, "The xor/popcount convolution codes its input to 1..4 bits.");
        }

        if ((uint)(weightBits - 1) >= 8)
        {
            throw new ArgumentOutOfRangeException(nameof(weightBits), weightBits, "The xor/popcount convolution takes 1..8 weight planes.");
        }

        int positions = w.OutHeight * w.OutWidth;
        int outChannels = y.Length / positions;
        int taps = w.KernelH * w.KernelW;
        int map = w.Channels * w.Height * w.Width;
        int chunks = KernelGeometry.ConvXnorChunks(w.Channels);
        KernelChecks.AtLeast(x.Length, map, nameof(x));
        KernelChecks.AtLeast(weights.Length, KernelGeometry.ConvXnorWeightBytes(outChannels, w.Channels, taps, weightBits), nameof(weights));
        KernelChecks.AtLeast(coefficients.Length, (long)outChannels * weightBits, nameof(coefficients));
        KernelChecks.AtLeast(bias.IsEmpty ? outChannels : bias.Length, outChannels, nameof(bias));
        KernelChecks.AtLeast(scratch.Length, XnorScratchFloats(w, activationBits), nameof(scratch));
        if (path == XnorPath.Best)
        {
            path = Avx512BW.IsSupported && Avx512Vbmi.IsSupported && Gfni.V512.IsSupported ? XnorPath.Permute512
                : Avx2.IsSupported ? XnorPath.Lanes256
                : Ssse3.IsSupported || AdvSimd.IsSupported ? XnorPath.Lanes128
                : XnorPath.Scalar;
        }

        // Scratch (KernelGeometry.ConvXnorScratchFloats): the cleaned input and its reconstruction (the coder's), the
        // codes, the sums and B n(p) per padded position, the pixel words, then the taps' words and masks.
        int padded = KernelGeometry.ConvXnorPaddedPositions(positions, w.Channels);
        int codeBytes = (map + 63) / 64 * 64;
        int codeFloats = (codeBytes + 64 + 3) / 4;
        Span<byte> codes = MemoryMarshal.AsBytes(scratch.Slice(2 * map, codeFloats));
        Span<float> sums = scratch.Slice(2 * map + codeFloats, padded);
        Span<float> bn = scratch.Slice(2 * map + codeFloats + padded, padded);
        Span<byte> words = MemoryMarshal.AsBytes(scratch.Slice(2 * map + codeFloats + 2 * padded));
        int wordBytes = KernelGeometry.ConvXnorWordBytes(w.Channels);
        int pixelStride = KernelGeometry.ConvXnorPixelStride(w.Height, w.Width, w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PaddingH, w.PaddingW, w.Channels);
        int front = KernelGeometry.ConvXnorPixelFront(w.Width, w.PaddingH, w.PaddingW);
        int pixelBytes = activationBits * chunks * pixelStride * wordBytes;

        Span<float> betas = stackalloc float[activationBits];
        global::QuantGen.Runtime.Xnor.Encode(x.Slice(0, map), activationBits, cycles, betas, scratch.Slice(map, map), scratch.Slice(0, map), codes.Slice(0, codeBytes));
        float b = 0;
        for (int j = 0; j < activationBits; j++)
        {
            b += betas[j];
        }

        if (path == XnorPath.Permute512)
        {
            PixelWords<Pixels512, Vector512<uint>>(codes, words, w, activationBits, chunks, wordBytes, pixelStride, front);
        }
        else if (path == XnorPath.Lanes256)
        {
            PixelWords<Pixels256, Vector256<uint>>(codes, words, w, activationBits, chunks, wordBytes, pixelStride, front);
        }
        else if (path != XnorPath.Scalar && Vector128.IsHardwareAccelerated)
        {
            PixelWords<Pixels128, Vector128<uint>>(codes, words, w, activationBits, chunks, wordBytes, pixelStride, front);
        }
        else
        {
            PixelWordsScalar(codes, words.Slice(0, pixelBytes), w, activationBits, chunks, wordBytes, pixelStride, front);
        }

        // The taps' words and masks start at a 64-byte boundary. Step s = (tap, chunk) reads its code plane j's words
        // at codeAt[s] + j * planeStride and its masks at maskAt[s] (bytes into words, for the first position).
        int start = pixelBytes + ToBoundary(ref words[pixelBytes]);
        int maskBytes = padded * wordBytes;
        Span<int> codeAt = stackalloc int[taps * chunks];
        Span<int> maskAt = stackalloc int[taps * chunks];
        int planeStride, mapsAt;
        if (w.StrideH == 1 && w.StrideW == 1 && w.OutWidth == w.Width)
        {
            mapsAt = start + (taps * maskBytes);
            planeStride = chunks * pixelStride * wordBytes;
            if (path == XnorPath.Permute512 && padded < 1 << 20)
            {
                Masks512(words.Slice(start, taps * maskBytes), w, wordBytes, maskBytes, padded, b, bn);
            }
            else if (path == XnorPath.Lanes256 && padded < 1 << 20)
            {
                Masks256(words.Slice(start, taps * maskBytes), w, wordBytes, maskBytes, padded, b, bn);
            }
            else
            {
                Masks(words.Slice(start, taps * maskBytes), w, wordBytes, maskBytes);
                CountsInside(w, b, bn);
            }

            for (int t = 0, s = 0; t < taps; t++)
            {
                int shift = (t / w.KernelW - w.PaddingH) * w.Width + (t % w.KernelW) - w.PaddingW;
                for (int k = 0; k < chunks; k++, s++)
                {
                    codeAt[s] = (k * pixelStride + front + shift) * wordBytes;
                    maskAt[s] = start + t * maskBytes;
                }
            }
        }
        else
        {
            mapsAt = start + (taps * chunks * (activationBits + 1) * maskBytes);
            planeStride = maskBytes;
            CountsInside(w, b, bn);
            TapWords(words.Slice(0, pixelBytes), words.Slice(start, taps * chunks * (activationBits + 1) * maskBytes), w, activationBits, chunks, wordBytes, pixelStride, front, maskBytes);
            for (int s = 0; s < taps * chunks; s++)
            {
                codeAt[s] = start + s * (activationBits + 1) * maskBytes;
                maskAt[s] = codeAt[s] + activationBits * maskBytes;
            }
        }

        var products = new Products(weights, coefficients, words, codeAt, maskAt, betas, bn, sums, wordBytes, planeStride, padded);
        if (path == XnorPath.Permute512)
        {
            switch (activationBits)
            {
                case 1: Products512<OneBit>(products, y, bias, weightBits, positions); break;
                case 2: Products512<TwoBits>(products, y, bias, weightBits, positions); break;
                case 3: Products512<ThreeBits>(products, y, bias, weightBits, positions); break;
                default: Products512<FourBits>(products, y, bias, weightBits, positions); break;
            }
        }
        else if (path == XnorPath.Lanes256)
        {
            // The nibble maps follow the taps' words and masks (KernelGeometry.ConvXnorScratchFloats).
            Span<byte> maps = words.Slice(mapsAt, NibbleMapBytes(padded, taps * chunks, activationBits, wordBytes));
            NibbleMaps256(products, activationBits, maps);
            Channels<TablePasses256>(new Products(weights, coefficients, words, codeAt, maskAt, betas, bn, sums, wordBytes, planeStride, padded, maps), y, bias, weightBits, positions);
        }
        else if (path == XnorPath.Lanes128)
        {
            Channels<LanesPasses<ConvLanes128, Vector128<byte>>>(products, y, bias, weightBits, positions);
        }
        else
        {
            for (int o = 0; o < outChannels; o++)
            {
                for (int i = 0; i < weightBits; i++)
                {
                    PlaneProductScalar(products, products.Row(o, i, weightBits), coefficients[o * weightBits + i], first: i == 0);
                }

                AddBias(sums.Slice(0, positions), bias.IsEmpty ? 0f : bias[o], y.Slice(o * positions, positions));
            }
        }
    }

    /// <summary>What every (output channel, weight plane) product reads.</summary>
    private readonly ref struct Products(
        ReadOnlySpan<byte> weights, ReadOnlySpan<float> coefficients, ReadOnlySpan<byte> words, ReadOnlySpan<int> codeAt, ReadOnlySpan<int> maskAt,
        ReadOnlySpan<float> betas, ReadOnlySpan<float> bn, Span<float> sums, int wordBytes, int planeStride, int padded, ReadOnlySpan<byte> maps = default)
    {
        /// <summary>The AVX2 path's nibble maps of the codes (ConvolutionKernels.XnorTables.cs), empty on the others.</summary>
        public readonly ReadOnlySpan<byte> Maps = maps;

        public readonly ReadOnlySpan<byte> Weights = weights, Words = words;
        public readonly ReadOnlySpan<float> Coefficients = coefficients, Betas = betas, Bn = bn;
        public readonly ReadOnlySpan<int> CodeAt = codeAt, MaskAt = maskAt;
        public readonly Span<float> Sums = sums;
        public readonly int WordBytes = wordBytes, PlaneStride = planeStride, Padded = padded;

        /// <summary>Output channel o's weight words of plane i, [step = (tap, chunk)].</summary>
        public ReadOnlySpan<byte> Row(int o, int i, int weightBits) => Weights.Slice((o * weightBits + i) * CodeAt.Length * WordBytes, CodeAt.Length * WordBytes);
    }

    /// <summary>Bytes from <paramref name="at"/> to the next 64-byte boundary (0 on one).</summary>
    private static unsafe int ToBoundary(ref byte at) => (int)((64 - ((nint)Unsafe.AsPointer(ref at) & 63)) & 63);

    /// <summary>y = sums + bias, at the widest vector the machine has (one add per element either way: the same bits). Scalar
    /// on AVX2 until 2026-11-27, where the digits CNN's 2 x 2 step spent about 0.5 us in it.</summary>
    private static void AddBias(ReadOnlySpan<float> sums, float bias, Span<float> y)
    {
        int p = 0;
        int n = Math.Min(sums.Length, y.Length);
        ref float s = ref MemoryMarshal.GetReference(sums);
        ref float d = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> b = Vector512.Create(bias);
            for (; p + 16 <= n; p += 16)
            {
                (Vector512.LoadUnsafe(ref s, (nuint)p) + b).StoreUnsafe(ref d, (nuint)p);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> b = Vector256.Create(bias);
            for (; p + 8 <= n; p += 8)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)p) + b).StoreUnsafe(ref d, (nuint)p);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> b = Vector128.Create(bias);
            for (; p + 4 <= n; p += 4)
            {
                (Vector128.LoadUnsafe(ref s, (nuint)p) + b).StoreUnsafe(ref d, (nuint)p);
            }
        }

        for (; p < y.Length; p++)
        {
            y[p] = sums[p] + bias;
        }
    }

    /// <summary>B n(p) for every padded position: n(p) = channels x the taps of p that read inside the map (0 past the last position).</summary>
    private static void CountsInside(in Window w, float b, Span<float> bn)
    {
        bn.Clear();
        int outW = w.OutWidth;
        Span<int> cols = stackalloc int[outW];
        for (int ox = 0; ox < outW; ox++)
        {
            cols[ox] = Inside(ox * w.StrideW - w.PaddingW, w.KernelW, w.Width);
        }

        for (int oy = 0, p = 0; oy < w.OutHeight; oy++)
        {
            int rows = w.Channels * Inside(oy * w.StrideH - w.PaddingH, w.KernelH, w.Height);
            for (int ox = 0; ox < outW; ox++, p++)
            {
                bn[p] = b * (rows * cols[ox]);
            }
        }

        // Of the taps first .. first + kernel - 1, those in [0, size).
        static int Inside(int first, int kernel, int size) => Math.Max(0, Math.Min(first + kernel, size) - Math.Max(first, 0));
    }

    /// <summary>Pixel words [plane][chunk][front + pixel]: bit b of a word = bit j of channel (chunk * word bits + b)'s code at the pixel.</summary>
    private static void PixelWordsScalar(ReadOnlySpan<byte> codes, Span<byte> pixels, in Window w, int planes, int chunks, int wordBytes, int pixelStride, int front)
    {
        int area = w.Height * w.Width, wordBits = 8 * wordBytes;
        pixels.Clear();
        for (int j = 0; j < planes; j++)
        {
            for (int k = 0; k < chunks; k++)
            {
                Span<byte> plane = pixels.Slice(((j * chunks + k) * pixelStride + front) * wordBytes);
                for (int c = k * wordBits; c < Math.Min(w.Channels, (k + 1) * wordBits); c++)
                {
                    int bit = c - k * wordBits;
                    for (int q = 0; q < area; q++)
                    {
                        plane[q * wordBytes + bit / 8] |= (byte)(((codes[c * area + q] >> j) & 1) << (bit % 8));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The masks [tap][padded position] for the in-place reads (stride 1, output rows as wide as the input's): all ones
    /// where the tap reads a pixel, 0 where it reads padding and past the last position.
    /// </summary>
    private static void Masks(Span<byte> masks, in Window w, int wordBytes, int maskBytes)
    {
        masks.Clear();
        int outW = w.OutWidth;
        for (int ky = 0, t = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++, t++)
            {
                int first = Math.Max(0, w.PaddingW - kx), end = Math.Min(outW, w.Width + w.PaddingW - kx);
                for (int oy = 0; oy < w.OutHeight && end > first; oy++)
                {
                    int iy = oy - w.PaddingH + ky;
                    if (iy >= 0 && iy < w.Height)
                    {
                        FillOnes(ref masks[t * maskBytes + (oy * outW + first) * wordBytes], (end - first) * wordBytes);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Masks"/> and <see cref="CountsInside"/> on AVX-512 for the in-place reads: each vector of masks is
    /// (row inside) and (column inside) for its positions' rows and columns, compared in lanes as wide as a word, and
    /// the masks' lanes are counted into n(p) on the way. Called on every coding, so it must not cost what the products
    /// save: the scalar forms took 0.4 us of the digits CNN.
    /// </summary>
    private static void Masks512(Span<byte> masks, in Window w, int wordBytes, int maskBytes, int padded, float b, Span<float> bn)
    {
        ref byte m0 = ref MemoryMarshal.GetReference(masks);
        for (int pv = 0; pv < padded; pv += 16)
        {
            // 16 positions at a time in 32-bit lanes (stored narrowed to the word width): row = p / output width by a
            // float division (exact below 2^20 positions: p + 0.5 stays half a step from every multiple, far more than
            // the rounding), column = p - row * width; positions past the last get a row past every tap's reach.
            Vector512<int> p = Vector512.Create(pv) + Vector512<int>.Indices;
            Vector512<int> row = Vector512.ConvertToInt32(Vector512.Floor((Vector512.ConvertToSingle(p) + Vector512.Create(0.5f)) * Vector512.Create(1f / w.OutWidth)));
            Vector512<int> col = p - row * Vector512.Create(w.OutWidth);
            row = Vector512.ConditionalSelect(Vector512.LessThan(row, Vector512.Create(w.OutHeight)), row, Vector512.Create((int)short.MaxValue));
            Vector512<int> count = Vector512<int>.Zero;
            for (int ky = 0, t = 0; ky < w.KernelH; ky++)
            {
                // Inside: 0 <= oy + ky - padH < height, as one unsigned compare.
                Vector512<int> rowInside = Vector512.LessThan((row + Vector512.Create(ky - w.PaddingH)).AsUInt32(), Vector512.Create((uint)w.Height)).AsInt32();
                for (int kx = 0; kx < w.KernelW; kx++, t++)
                {
                    Vector512<int> inside = rowInside & Vector512.LessThan((col + Vector512.Create(kx - w.PaddingW)).AsUInt32(), Vector512.Create((uint)w.Width)).AsInt32();
                    count -= inside;
                    ref byte at = ref Unsafe.Add(ref m0, t * maskBytes + pv * wordBytes);
                    if (wordBytes == 2)
                    {
                        Avx512F.ConvertToVector256Int16(inside).StoreUnsafe(ref Unsafe.As<byte, short>(ref at));
                    }
                    else
                    {
                        inside.StoreUnsafe(ref Unsafe.As<byte, int>(ref at));
                    }
                }
            }

            // B n(p), n(p) = channels x the taps inside (an exact integer in float, then one rounding, as CountsInside).
            (Vector512.ConvertToSingle(count * Vector512.Create(w.Channels)) * Vector512.Create(b)).StoreUnsafe(ref MemoryMarshal.GetReference(bn), (nuint)pv);
        }
    }

    /// <summary>
    /// <see cref="Masks512"/> on AVX2: the same masks and counts, 16 positions per step in two vectors of 8 (the scalar
    /// forms were about 0.4 us of the digits CNN's 2/2 step here too).
    /// </summary>
    private static void Masks256(Span<byte> masks, in Window w, int wordBytes, int maskBytes, int padded, float b, Span<float> bn)
    {
        ref byte m0 = ref MemoryMarshal.GetReference(masks);
        ref float n0 = ref MemoryMarshal.GetReference(bn);
        Vector256<float> inverse = Vector256.Create(1f / w.OutWidth);
        for (int pv = 0; pv < padded; pv += 16)
        {
            // Positions pv .. pv + 7 and pv + 8 .. pv + 15; rows and columns as Masks512 finds them.
            Vector256<int> p0 = Vector256.Create(pv) + Vector256<int>.Indices, p1 = p0 + Vector256.Create(8);
            Vector256<int> row0 = Row(p0, inverse), row1 = Row(p1, inverse);
            Vector256<int> col0 = p0 - row0 * Vector256.Create(w.OutWidth), col1 = p1 - row1 * Vector256.Create(w.OutWidth);
            row0 = Vector256.ConditionalSelect(Vector256.LessThan(row0, Vector256.Create(w.OutHeight)), row0, Vector256.Create((int)short.MaxValue));
            row1 = Vector256.ConditionalSelect(Vector256.LessThan(row1, Vector256.Create(w.OutHeight)), row1, Vector256.Create((int)short.MaxValue));
            Vector256<int> count0 = Vector256<int>.Zero, count1 = count0;
            for (int ky = 0, t = 0; ky < w.KernelH; ky++)
            {
                Vector256<uint> height = Vector256.Create((uint)w.Height), width = Vector256.Create((uint)w.Width);
                Vector256<int> dy = Vector256.Create(ky - w.PaddingH);
                Vector256<int> rowInside0 = Vector256.LessThan((row0 + dy).AsUInt32(), height).AsInt32();
                Vector256<int> rowInside1 = Vector256.LessThan((row1 + dy).AsUInt32(), height).AsInt32();
                for (int kx = 0; kx < w.KernelW; kx++, t++)
                {
                    Vector256<int> dx = Vector256.Create(kx - w.PaddingW);
                    Vector256<int> inside0 = rowInside0 & Vector256.LessThan((col0 + dx).AsUInt32(), width).AsInt32();
                    Vector256<int> inside1 = rowInside1 & Vector256.LessThan((col1 + dx).AsUInt32(), width).AsInt32();
                    count0 -= inside0;
                    count1 -= inside1;
                    ref byte at = ref Unsafe.Add(ref m0, t * maskBytes + pv * wordBytes);
                    if (wordBytes == 2)
                    {
                        // Lanes are all ones or zero, which narrowing to 16 bits keeps.
                        Vector256.Narrow(inside0, inside1).StoreUnsafe(ref Unsafe.As<byte, short>(ref at));
                    }
                    else
                    {
                        inside0.StoreUnsafe(ref Unsafe.As<byte, int>(ref at));
                        inside1.StoreUnsafe(ref Unsafe.As<byte, int>(ref at), 8);
                    }
                }
            }

            (Vector256.ConvertToSingle(count0 * Vector256.Create(w.Channels)) * Vector256.Create(b)).StoreUnsafe(ref n0, (nuint)pv);
            (Vector256.ConvertToSingle(count1 * Vector256.Create(w.Channels)) * Vector256.Create(b)).StoreUnsafe(ref n0, (nuint)pv + 8);
        }

        // The output row of each position: p / width by a float division, exact below 2^20 positions (Masks512).
        static Vector256<int> Row(Vector256<int> p, Vector256<float> inverse) =>
            Vector256.ConvertToInt32(Vector256.Floor((Vector256.ConvertToSingle(p) + Vector256.Create(0.5f)) * inverse));
    }

    /// <summary>
    /// The taps' words and masks for any stride: per tap and chunk, the tap's word of every output position,
    /// [code plane 0 .. planes - 1, mask][padded position]; code words and masks are 0 where the tap reads padding.
    /// </summary>
    private static void TapWords(ReadOnlySpan<byte> pixels, Span<byte> taps, in Window w, int planes, int chunks, int wordBytes, int pixelStride, int front, int planeBytes)
    {
        int outW = w.OutWidth;
        taps.Clear();
        for (int ky = 0, t = 0; ky < w.KernelH; ky++)
        {
            for (int kx = 0; kx < w.KernelW; kx++, t++)
            {
                for (int k = 0; k < chunks; k++)
                {
                    Span<byte> group = taps.Slice(((t * chunks) + k) * (planes + 1) * planeBytes, (planes + 1) * planeBytes);
                    for (int p = 0; p < w.OutHeight * outW; p++)
                    {
                        int iy = (p / outW) * w.StrideH - w.PaddingH + ky, ix = (p % outW) * w.StrideW - w.PaddingW + kx;
                        if (iy < 0 || iy >= w.Height || ix < 0 || ix >= w.Width)
                        {
                            continue;
                        }

                        for (int j = 0; j < planes; j++)
                        {
                            pixels.Slice(((j * chunks + k) * pixelStride + front + iy * w.Width + ix) * wordBytes, wordBytes).CopyTo(group.Slice(j * planeBytes + p * wordBytes, wordBytes));
                        }

                        group.Slice(planes * planeBytes + p * wordBytes, wordBytes).Fill(0xFF);
                    }
                }
            }
        }
    }

    /// <summary>Sets a few bytes (a row of mask words) to 0xFF without a call.</summary>
    private static void FillOnes(ref byte target, int bytes)
    {
        int at = 0;
        for (; at + 16 <= bytes; at += 16)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, at), Vector128<byte>.AllBitsSet);
        }

        for (; at < bytes; at += 2)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref target, at), ushort.MaxValue);
        }
    }

    /// <summary>
    /// One output channel's weight plane against every code plane, for all positions: sums = (first ? 0 : sums)
    /// + alpha (B n(p) - 2 sum_j beta_j popcount_j(p)). The scalar twin of <see cref="PlaneProduct512{TBits}"/>: the
    /// same integer counts and the same fused multiply-adds in the same order.
    /// </summary>
    private static void PlaneProductScalar(in Products p, ReadOnlySpan<byte> row, float alpha, bool first)
    {
        int planes = p.Betas.Length, wordBytes = p.WordBytes;
        Span<int> counts = stackalloc int[planes];
        for (int q = 0; q < p.Padded; q++)
        {
            counts.Clear();
            for (int s = 0; s < p.CodeAt.Length; s++)
            {
                uint weight = Word(row, s * wordBytes, wordBytes);
                uint mask = Word(p.Words, p.MaskAt[s] + q * wordBytes, wordBytes);
                for (int j = 0; j < planes; j++)
                {
                    counts[j] += BitOperations.PopCount((weight ^ Word(p.Words, p.CodeAt[s] + j * p.PlaneStride + q * wordBytes, wordBytes)) & mask);
                }
            }

            float sum = 0;
            for (int j = 0; j < planes; j++)
            {
                sum = MathF.FusedMultiplyAdd(p.Betas[j], counts[j], sum);
            }

            float t = MathF.FusedMultiplyAdd(-2f, sum, p.Bn[q]);
            p.Sums[q] = MathF.FusedMultiplyAdd(alpha, t, first ? 0f : p.Sums[q]);
        }
    }

    private static uint Word(ReadOnlySpan<byte> bytes, int at, int wordBytes) =>
        wordBytes == 2 ? MemoryMarshal.Read<ushort>(bytes.Slice(at)) : MemoryMarshal.Read<uint>(bytes.Slice(at));
}
