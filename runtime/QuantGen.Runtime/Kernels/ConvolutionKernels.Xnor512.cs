using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The xor/popcount convolution's AVX-512 products (with VBMI and GFNI): a vector holds one step's words of 32 (or 16)
/// consecutive positions, two vectors side by side share each broadcast weight word, and with up to two input planes
/// two weight planes share each code and mask load (ConvolutionKernels.Xnor.cs has the layout and the scalar twin).
/// </summary>
public static partial class ConvolutionKernels
{
    /// <summary>Every output channel and weight plane on AVX-512 (one call, so the tables and the set-up are paid once).</summary>
    private static void Products512<TBits>(in Products p, Span<float> y, ReadOnlySpan<float> bias, int weightBits, int positions)
        where TBits : struct, IBitCount
    {
        Vector512<byte> low = global::QuantGen.Runtime.Xnor.CountTableLow, high = global::QuantGen.Runtime.Xnor.CountTableHigh;
        int outChannels = y.Length / positions;
        for (int o = 0; o < outChannels; o++)
        {
            int i = 0;
            if (TBits.Count <= 2)
            {
                // Up to two code planes: two weight planes per pass share every load of the codes and masks.
                for (; i + 2 <= weightBits; i += 2)
                {
                    PlanePair512<TBits>(p, p.Row(o, i, weightBits), p.Row(o, i + 1, weightBits), p.Coefficients[o * weightBits + i], p.Coefficients[o * weightBits + i + 1], first: i == 0, low, high);
                }
            }

            for (; i < weightBits; i++)
            {
                PlaneProduct512<TBits>(p, p.Row(o, i, weightBits), p.Coefficients[o * weightBits + i], first: i == 0, low, high);
            }

            AddBias(p.Sums.Slice(0, positions), bias.IsEmpty ? 0f : bias[o], y.Slice(o * positions, positions));
        }
    }

    /// <summary>
    /// <see cref="PlaneProductScalar"/> on AVX-512: a vector holds one step's words of 64 / word bytes consecutive
    /// positions, two such vectors at once; the weight word is broadcast, and (weight xor activation) and mask is one
    /// vpternlog.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PlaneProduct512<TBits>(in Products p, ReadOnlySpan<byte> row, float alpha, bool first, Vector512<byte> low, Vector512<byte> high)
        where TBits : struct, IBitCount
    {
        int planes = TBits.Count, wordBytes = p.WordBytes, steps = p.CodeAt.Length, perVector = 64 / wordBytes;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        ref byte a0 = ref MemoryMarshal.GetReference(p.Words);
        ref int codes = ref MemoryMarshal.GetReference(p.CodeAt);
        ref int masks = ref MemoryMarshal.GetReference(p.MaskAt);
        ref float s0 = ref MemoryMarshal.GetReference(p.Sums);
        ref float n0 = ref MemoryMarshal.GetReference(p.Bn);
        ref float beta = ref MemoryMarshal.GetReference(p.Betas);
        nuint plane = (nuint)p.PlaneStride;
        Vector512<sbyte> one = Vector512.Create((sbyte)1);
        for (int pv = 0; pv < p.Padded;)
        {
            // The second vector of positions (the first again, not stored, when only one is left).
            int second = pv + perVector < p.Padded ? pv + perVector : pv;
            int offset = pv * wordBytes, offset2 = second * wordBytes;
            Vector512<short> c0 = Vector512<short>.Zero, c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
            for (int s = 0; s < steps;)
            {
                // A step adds at most 8 to a byte: fold the bytes into 16-bit lanes every 31 steps.
                int end = Math.Min(steps, s + 31);
                Vector512<byte> b0 = Vector512<byte>.Zero, b1 = b0, b2 = b0, b3 = b0, e0 = b0, e1 = b0, e2 = b0, e3 = b0;
                for (; s < end; s++)
                {
                    Vector512<byte> weight = wordBytes == 2
                        ? Vector512.Create(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref r0, s * 2))).AsByte()
                        : Vector512.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref r0, s * 4))).AsByte();
                    ref byte code = ref Unsafe.Add(ref a0, Unsafe.Add(ref codes, s));
                    ref byte mask = ref Unsafe.Add(ref a0, Unsafe.Add(ref masks, s));
                    Vector512<byte> m = Vector512.LoadUnsafe(ref Unsafe.Add(ref mask, offset)), m2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref mask, offset2));
                    ref byte at = ref Unsafe.Add(ref code, offset);
                    ref byte at2 = ref Unsafe.Add(ref code, offset2);
                    b0 += Count(weight, Vector512.LoadUnsafe(ref at), m, low, high);
                    e0 += Count(weight, Vector512.LoadUnsafe(ref at2), m2, low, high);
                    if (planes > 1)
                    {
                        b1 += Count(weight, Vector512.LoadUnsafe(ref at, plane), m, low, high);
                        e1 += Count(weight, Vector512.LoadUnsafe(ref at2, plane), m2, low, high);
                    }

                    if (planes > 2)
                    {
                        b2 += Count(weight, Vector512.LoadUnsafe(ref at, 2 * plane), m, low, high);
                        e2 += Count(weight, Vector512.LoadUnsafe(ref at2, 2 * plane), m2, low, high);
                    }

                    if (planes > 3)
                    {
                        b3 += Count(weight, Vector512.LoadUnsafe(ref at, 3 * plane), m, low, high);
                        e3 += Count(weight, Vector512.LoadUnsafe(ref at2, 3 * plane), m2, low, high);
                    }
                }

                c0 += Avx512BW.MultiplyAddAdjacent(b0, one);
                d0 += Avx512BW.MultiplyAddAdjacent(e0, one);
                if (planes > 1)
                {
                    c1 += Avx512BW.MultiplyAddAdjacent(b1, one);
                    d1 += Avx512BW.MultiplyAddAdjacent(e1, one);
                }

                if (planes > 2)
                {
                    c2 += Avx512BW.MultiplyAddAdjacent(b2, one);
                    d2 += Avx512BW.MultiplyAddAdjacent(e2, one);
                }

                if (planes > 3)
                {
                    c3 += Avx512BW.MultiplyAddAdjacent(b3, one);
                    d3 += Avx512BW.MultiplyAddAdjacent(e3, one);
                }
            }

            Finish<TBits>(c0, c1, c2, c3, ref beta, alpha, first, ref Unsafe.Add(ref s0, pv), ref Unsafe.Add(ref n0, pv), wordBytes);
            if (second != pv)
            {
                Finish<TBits>(d0, d1, d2, d3, ref beta, alpha, first, ref Unsafe.Add(ref s0, second), ref Unsafe.Add(ref n0, second), wordBytes);
            }

            pv = second + perVector;
        }
    }

    /// <summary>
    /// <see cref="PlaneProduct512{TBits}"/> for two weight planes at once (up to two code planes): each step's code and
    /// mask vectors are loaded once for both; the sums take plane <paramref name="row"/>'s terms, then
    /// <paramref name="row2"/>'s, as two calls would.
    /// </summary>
    private static void PlanePair512<TBits>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first, Vector512<byte> low, Vector512<byte> high)
        where TBits : struct, IBitCount
    {
        int planes = TBits.Count, wordBytes = p.WordBytes, steps = p.CodeAt.Length, perVector = 64 / wordBytes;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        ref byte q0 = ref MemoryMarshal.GetReference(row2);
        ref byte a0 = ref MemoryMarshal.GetReference(p.Words);
        ref int codes = ref MemoryMarshal.GetReference(p.CodeAt);
        ref int masks = ref MemoryMarshal.GetReference(p.MaskAt);
        ref float s0 = ref MemoryMarshal.GetReference(p.Sums);
        ref float n0 = ref MemoryMarshal.GetReference(p.Bn);
        ref float beta = ref MemoryMarshal.GetReference(p.Betas);
        nuint plane = (nuint)p.PlaneStride;
        Vector512<sbyte> one = Vector512.Create((sbyte)1);
        for (int pv = 0; pv < p.Padded;)
        {
            int second = pv + perVector < p.Padded ? pv + perVector : pv;
            int offset = pv * wordBytes, offset2 = second * wordBytes;
            // c: weight plane 1, first vector; d: plane 1, second vector; f and g: weight plane 2.
            Vector512<short> c0 = Vector512<short>.Zero, c1 = c0, d0 = c0, d1 = c0, f0 = c0, f1 = c0, g0 = c0, g1 = c0;
            for (int s = 0; s < steps;)
            {
                int end = Math.Min(steps, s + 31);
                Vector512<byte> b0 = Vector512<byte>.Zero, b1 = b0, e0 = b0, e1 = b0, h0 = b0, h1 = b0, k0 = b0, k1 = b0;
                for (; s < end; s++)
                {
                    Vector512<byte> weight = Broadcast(ref r0, s, wordBytes), weight2 = Broadcast(ref q0, s, wordBytes);
                    ref byte code = ref Unsafe.Add(ref a0, Unsafe.Add(ref codes, s));
                    ref byte mask = ref Unsafe.Add(ref a0, Unsafe.Add(ref masks, s));
                    Vector512<byte> m = Vector512.LoadUnsafe(ref mask, (nuint)offset), m2 = Vector512.LoadUnsafe(ref mask, (nuint)offset2);
                    Vector512<byte> x = Vector512.LoadUnsafe(ref code, (nuint)offset), x2 = Vector512.LoadUnsafe(ref code, (nuint)offset2);
                    b0 += Count(weight, x, m, low, high);
                    e0 += Count(weight, x2, m2, low, high);
                    h0 += Count(weight2, x, m, low, high);
                    k0 += Count(weight2, x2, m2, low, high);
                    if (planes > 1)
                    {
                        x = Vector512.LoadUnsafe(ref code, (nuint)offset + plane);
                        x2 = Vector512.LoadUnsafe(ref code, (nuint)offset2 + plane);
                        b1 += Count(weight, x, m, low, high);
                        e1 += Count(weight, x2, m2, low, high);
                        h1 += Count(weight2, x, m, low, high);
                        k1 += Count(weight2, x2, m2, low, high);
                    }
                }

                c0 += Avx512BW.MultiplyAddAdjacent(b0, one);
                d0 += Avx512BW.MultiplyAddAdjacent(e0, one);
                f0 += Avx512BW.MultiplyAddAdjacent(h0, one);
                g0 += Avx512BW.MultiplyAddAdjacent(k0, one);
                if (planes > 1)
                {
                    c1 += Avx512BW.MultiplyAddAdjacent(b1, one);
                    d1 += Avx512BW.MultiplyAddAdjacent(e1, one);
                    f1 += Avx512BW.MultiplyAddAdjacent(h1, one);
                    g1 += Avx512BW.MultiplyAddAdjacent(k1, one);
                }
            }

            Vector512<short> zero = Vector512<short>.Zero;
            Finish<TBits>(c0, c1, zero, zero, ref beta, alpha, first, ref Unsafe.Add(ref s0, pv), ref Unsafe.Add(ref n0, pv), wordBytes);
            Finish<TBits>(f0, f1, zero, zero, ref beta, alpha2, first: false, ref Unsafe.Add(ref s0, pv), ref Unsafe.Add(ref n0, pv), wordBytes);
            if (second != pv)
            {
                Finish<TBits>(d0, d1, zero, zero, ref beta, alpha, first, ref Unsafe.Add(ref s0, second), ref Unsafe.Add(ref n0, second), wordBytes);
                Finish<TBits>(g0, g1, zero, zero, ref beta, alpha2, first: false, ref Unsafe.Add(ref s0, second), ref Unsafe.Add(ref n0, second), wordBytes);
            }

            pv = second + perVector;
        }
    }

    /// <summary>Weight word <paramref name="s"/> on every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Broadcast(ref byte weights, int s, int wordBytes) => wordBytes == 2
        ? Vector512.Create(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref weights, s * 2))).AsByte()
        : Vector512.Create(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref weights, s * 4))).AsByte();

    /// <summary>The bit counts of (weight xor words) and mask, per byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Count(Vector512<byte> weight, Vector512<byte> words, Vector512<byte> mask, Vector512<byte> low, Vector512<byte> high) =>
        global::QuantGen.Runtime.Xnor.CountBytes(low, high, Avx512F.TernaryLogic(weight, words, mask, 0x28));

    /// <summary>A vector of positions' counts (16-bit lanes) into sums: a lane is a position with 16-bit words, a pair of lanes with 32-bit words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TBits>(Vector512<short> c0, Vector512<short> c1, Vector512<short> c2, Vector512<short> c3, ref float beta, float alpha, bool first, ref float sums, ref float bn, int wordBytes)
        where TBits : struct, IBitCount
    {
        if (wordBytes == 2)
        {
            Finish<TBits>(Lower(c0), Lower(c1), Lower(c2), Lower(c3), ref beta, alpha, first, ref sums, ref bn);
            Finish<TBits>(Upper(c0), Upper(c1), Upper(c2), Upper(c3), ref beta, alpha, first, ref Unsafe.Add(ref sums, 16), ref Unsafe.Add(ref bn, 16));
        }
        else
        {
            Vector512<short> one = Vector512.Create((short)1);
            Finish<TBits>(
                Avx512BW.MultiplyAddAdjacent(c0, one), Avx512BW.MultiplyAddAdjacent(c1, one), Avx512BW.MultiplyAddAdjacent(c2, one), Avx512BW.MultiplyAddAdjacent(c3, one),
                ref beta, alpha, first, ref sums, ref bn);
        }
    }

    /// <summary>16 positions' counts into the sums (<see cref="FinishCounts{F, VF, VI}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TBits>(Vector512<int> k0, Vector512<int> k1, Vector512<int> k2, Vector512<int> k3, ref float beta, float alpha, bool first, ref float sum, ref float n)
        where TBits : struct, IBitCount =>
        FinishCounts<Fused512, Vector512<float>, Vector512<int>>(k0, k1, k2, k3, TBits.Count, ref beta, alpha, first, ref sum, ref n);

    /// <summary>Positions 0-15 of a vector of 16-bit counts as 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Lower(Vector512<short> v) => Avx512F.ConvertToVector512Int32(v.GetLower());

    /// <summary>Positions 16-31.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Upper(Vector512<short> v) => Avx512F.ConvertToVector512Int32(v.GetUpper());
}
