using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The xor/popcount convolution's 128-bit path (SSSE3 or ARM64 AdvSimd; AVX2 has its own, ConvolutionKernels.XnorTables.cs):
/// the same lanes-as-positions layout and the same integer counts as the AVX-512 path, 16 bytes at a time, each byte
/// counted by nibble lookups (pshufb) or by the ARM64 byte count (CNT). Without it such a machine would run the scalar
/// twin, about 40 times slower than the float convolution it replaces. The float epilogue is the scalar twin's fused
/// multiply-adds in the same order, a vector of positions at a time, so every path gives the same bits. Written over
/// the vector type (<see cref="IConvLanes{V}"/>); AVX2 ran it with 256-bit lanes until 2026-11-27.
/// </summary>
public static partial class ConvolutionKernels
{
    /// <summary>How a path computes an output channel's weight planes: two per pass sharing the loads of the codes (up to
    /// <see cref="PairsUpTo"/> code planes; beyond, the registers run out), or one.</summary>
    private interface IPlanePasses
    {
        static abstract int PairsUpTo { get; }

        static abstract void Pair<TBits>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first)
            where TBits : IBitCount;

        static abstract void Single<TBits>(in Products p, ReadOnlySpan<byte> row, float alpha, bool first)
            where TBits : IBitCount;
    }

    /// <summary>Every output channel and weight plane by <typeparamref name="TPasses"/>, as <see cref="Products512{TBits}"/>
    /// does on AVX-512: the planes into p's sums, then the bias into y.</summary>
    private static void Channels<TPasses>(in Products p, Span<float> y, ReadOnlySpan<float> bias, int weightBits, int positions)
        where TPasses : IPlanePasses
    {
        // One instantiation per code plane count: the plane tests fold away and the passes' constants stay in registers
        // (with the count a variable, the generic loop tested it for every plane and reloaded its nibble table each time).
        switch (p.Betas.Length)
        {
            case 1: Channels<TPasses, OneBit>(p, y, bias, weightBits, positions); break;
            case 2: Channels<TPasses, TwoBits>(p, y, bias, weightBits, positions); break;
            case 3: Channels<TPasses, ThreeBits>(p, y, bias, weightBits, positions); break;
            default: Channels<TPasses, FourBits>(p, y, bias, weightBits, positions); break;
        }
    }

    private static void Channels<TPasses, TBits>(in Products p, Span<float> y, ReadOnlySpan<float> bias, int weightBits, int positions)
        where TPasses : IPlanePasses
        where TBits : IBitCount
    {
        int outChannels = y.Length / positions;
        for (int o = 0; o < outChannels; o++)
        {
            int i = 0;
            if (TBits.Count <= TPasses.PairsUpTo)
            {
                for (; i + 2 <= weightBits; i += 2)
                {
                    TPasses.Pair<TBits>(p, p.Row(o, i, weightBits), p.Row(o, i + 1, weightBits), p.Coefficients[o * weightBits + i], p.Coefficients[o * weightBits + i + 1], first: i == 0);
                }
            }

            for (; i < weightBits; i++)
            {
                TPasses.Single<TBits>(p, p.Row(o, i, weightBits), p.Coefficients[o * weightBits + i], first: i == 0);
            }

            AddBias(p.Sums.Slice(0, positions), bias.IsEmpty ? 0f : bias[o], y.Slice(o * positions, positions));
        }
    }

    /// <summary>The passes of the generic narrower path (<typeparamref name="L"/>).</summary>
    private readonly struct LanesPasses<L, V> : IPlanePasses
        where L : struct, IConvLanes<V>
        where V : struct
    {
        public static int PairsUpTo => 3;

        public static void Pair<TBits>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first)
            where TBits : IBitCount => PlanePairLanes<L, V, TBits>(p, row, row2, alpha, alpha2, first);

        public static void Single<TBits>(in Products p, ReadOnlySpan<byte> row, float alpha, bool first)
            where TBits : IBitCount => PlaneProductLanes<L, V, TBits>(p, row, alpha, first);
    }

    /// <summary>One output channel's weight plane against every code plane.</summary>
    private static void PlaneProductLanes<L, V, TBits>(in Products p, ReadOnlySpan<byte> row, float alpha, bool first)
        where L : struct, IConvLanes<V>
        where V : struct
        where TBits : IBitCount
    {
        int planes = TBits.Count, wordBytes = p.WordBytes, steps = p.CodeAt.Length, perVector = L.Bytes / wordBytes;
        V table = L.Table, low = L.Low;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        ref byte a0 = ref MemoryMarshal.GetReference(p.Words);
        ref int codes = ref MemoryMarshal.GetReference(p.CodeAt);
        ref int masks = ref MemoryMarshal.GetReference(p.MaskAt);
        ref float s0 = ref MemoryMarshal.GetReference(p.Sums);
        ref float n0 = ref MemoryMarshal.GetReference(p.Bn);
        ref float beta = ref MemoryMarshal.GetReference(p.Betas);
        int stride = p.PlaneStride;
        for (int pv = 0; pv < p.Padded; pv += perVector)
        {
            int offset = pv * wordBytes;
            V c0 = L.Zero, c1 = c0, c2 = c0, c3 = c0;
            for (int s = 0; s < steps;)
            {
                // A step adds at most 8 to a byte: fold the bytes into 16-bit lanes every 31 steps.
                int end = Math.Min(steps, s + 31);
                V b0 = L.Zero, b1 = b0, b2 = b0, b3 = b0;
                for (; s < end; s++)
                {
                    V weight = L.Broadcast(ref Unsafe.Add(ref r0, s * wordBytes), wordBytes);
                    V mask = L.Load(ref Unsafe.Add(ref a0, Unsafe.Add(ref masks, s) + offset));
                    ref byte code = ref Unsafe.Add(ref a0, Unsafe.Add(ref codes, s) + offset);
                    b0 = L.AddBytes(b0, L.CountMasked(weight, L.Load(ref code), mask, table, low));
                    if (planes > 1)
                    {
                        b1 = L.AddBytes(b1, L.CountMasked(weight, L.Load(ref Unsafe.Add(ref code, stride)), mask, table, low));
                    }

                    if (planes > 2)
                    {
                        b2 = L.AddBytes(b2, L.CountMasked(weight, L.Load(ref Unsafe.Add(ref code, 2 * stride)), mask, table, low));
                    }

                    if (planes > 3)
                    {
                        b3 = L.AddBytes(b3, L.CountMasked(weight, L.Load(ref Unsafe.Add(ref code, 3 * stride)), mask, table, low));
                    }
                }

                c0 = L.Fold(c0, b0);
                if (planes > 1)
                {
                    c1 = L.Fold(c1, b1);
                }

                if (planes > 2)
                {
                    c2 = L.Fold(c2, b2);
                }

                if (planes > 3)
                {
                    c3 = L.Fold(c3, b3);
                }
            }

            L.Finish(c0, c1, c2, c3, planes, wordBytes, ref beta, alpha, first, ref Unsafe.Add(ref s0, pv), ref Unsafe.Add(ref n0, pv));
        }
    }

    /// <summary><see cref="PlaneProductLanes{L, V, TBits}"/> for two weight planes at once (up to three code planes): each
    /// step's code and mask vectors are loaded once for both; the sums take plane <paramref name="row"/>'s terms, then
    /// <paramref name="row2"/>'s, as two calls would.</summary>
    private static void PlanePairLanes<L, V, TBits>(in Products p, ReadOnlySpan<byte> row, ReadOnlySpan<byte> row2, float alpha, float alpha2, bool first)
        where L : struct, IConvLanes<V>
        where V : struct
        where TBits : IBitCount
    {
        int planes = TBits.Count, wordBytes = p.WordBytes, steps = p.CodeAt.Length, perVector = L.Bytes / wordBytes;
        V table = L.Table, low = L.Low;
        ref byte r0 = ref MemoryMarshal.GetReference(row);
        ref byte q0 = ref MemoryMarshal.GetReference(row2);
        ref byte a0 = ref MemoryMarshal.GetReference(p.Words);
        ref int codes = ref MemoryMarshal.GetReference(p.CodeAt);
        ref int masks = ref MemoryMarshal.GetReference(p.MaskAt);
        ref float s0 = ref MemoryMarshal.GetReference(p.Sums);
        ref float n0 = ref MemoryMarshal.GetReference(p.Bn);
        ref float beta = ref MemoryMarshal.GetReference(p.Betas);
        int stride = p.PlaneStride;
        for (int pv = 0; pv < p.Padded; pv += perVector)
        {
            int offset = pv * wordBytes;
            // c: the first weight plane's counts per code plane, f: the second's.
            V c0 = L.Zero, c1 = c0, c2 = c0, f0 = c0, f1 = c0, f2 = c0;
            for (int s = 0; s < steps;)
            {
                int end = Math.Min(steps, s + 31);
                V b0 = L.Zero, b1 = b0, b2 = b0, h0 = b0, h1 = b0, h2 = b0;
                for (; s < end; s++)
                {
                    V weight = L.Broadcast(ref Unsafe.Add(ref r0, s * wordBytes), wordBytes);
                    V weight2 = L.Broadcast(ref Unsafe.Add(ref q0, s * wordBytes), wordBytes);
                    V mask = L.Load(ref Unsafe.Add(ref a0, Unsafe.Add(ref masks, s) + offset));
                    ref byte code = ref Unsafe.Add(ref a0, Unsafe.Add(ref codes, s) + offset);
                    V x = L.Load(ref code);
                    b0 = L.AddBytes(b0, L.CountMasked(weight, x, mask, table, low));
                    h0 = L.AddBytes(h0, L.CountMasked(weight2, x, mask, table, low));
                    if (planes > 1)
                    {
                        x = L.Load(ref Unsafe.Add(ref code, stride));
                        b1 = L.AddBytes(b1, L.CountMasked(weight, x, mask, table, low));
                        h1 = L.AddBytes(h1, L.CountMasked(weight2, x, mask, table, low));
                    }

                    if (planes > 2)
                    {
                        x = L.Load(ref Unsafe.Add(ref code, 2 * stride));
                        b2 = L.AddBytes(b2, L.CountMasked(weight, x, mask, table, low));
                        h2 = L.AddBytes(h2, L.CountMasked(weight2, x, mask, table, low));
                    }
                }

                c0 = L.Fold(c0, b0);
                f0 = L.Fold(f0, h0);
                if (planes > 1)
                {
                    c1 = L.Fold(c1, b1);
                    f1 = L.Fold(f1, h1);
                }

                if (planes > 2)
                {
                    c2 = L.Fold(c2, b2);
                    f2 = L.Fold(f2, h2);
                }
            }

            L.Finish(c0, c1, c2, L.Zero, planes, wordBytes, ref beta, alpha, first, ref Unsafe.Add(ref s0, pv), ref Unsafe.Add(ref n0, pv));
            L.Finish(f0, f1, f2, L.Zero, planes, wordBytes, ref beta, alpha2, first: false, ref Unsafe.Add(ref s0, pv), ref Unsafe.Add(ref n0, pv));
        }
    }

    /// <summary>A narrower path's vector operations (<typeparamref name="V"/> holds bytes).</summary>
    private interface IConvLanes<V>
        where V : struct
    {
        /// <summary>Bytes per vector.</summary>
        static abstract int Bytes { get; }

        static abstract V Zero { get; }

        static abstract V Load(ref byte at);

        /// <summary>The weight word (2 or 4 bytes at <paramref name="word"/>) on every lane.</summary>
        static abstract V Broadcast(ref byte word, int wordBytes);

        /// <summary>The nibble table <see cref="CountMasked"/> looks up (unused where the CPU counts bytes itself).</summary>
        static abstract V Table { get; }

        /// <summary>Every byte 15.</summary>
        static abstract V Low { get; }

        /// <summary>The bit count of each byte of (weight xor words) and mask; the caller holds <paramref name="table"/>
        /// and <paramref name="low"/> in registers.</summary>
        static abstract V CountMasked(V weight, V words, V mask, V table, V low);

        static abstract V AddBytes(V a, V b);

        /// <summary>lanes + the byte counts summed pairwise into 16-bit lanes.</summary>
        static abstract V Fold(V lanes, V bytes);

        /// <summary>
        /// The scalar twin's epilogue for the vector's positions (a 16-bit lane each with 16-bit words, a pair of lanes
        /// with 32-bit words): s = sum_j beta_j count_j (fused, in plane order), t = B n - 2 s, sums = alpha t (+ sums).
        /// </summary>
        static abstract void Finish(V c0, V c1, V c2, V c3, int planes, int wordBytes, ref float beta, float alpha, bool first, ref float sums, ref float bn);
    }

    /// <summary>SSSE3 (nibble lookups by pshufb) or ARM64 AdvSimd (CNT counts each byte); bytes summed pairwise.</summary>
    private readonly struct ConvLanes128 : IConvLanes<Vector128<byte>>
    {
        public static int Bytes => 16;

        public static Vector128<byte> Zero => Vector128<byte>.Zero;

        public static Vector128<byte> Load(ref byte at) => Vector128.LoadUnsafe(ref at);

        public static Vector128<byte> Broadcast(ref byte word, int wordBytes) => wordBytes == 2
            ? Vector128.Create(Unsafe.ReadUnaligned<ushort>(ref word)).AsByte()
            : Vector128.Create(Unsafe.ReadUnaligned<uint>(ref word)).AsByte();

        public static Vector128<byte> Table => Vector128.Create(Nibbles());

        public static Vector128<byte> Low => Vector128.Create((byte)15);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> CountMasked(Vector128<byte> weight, Vector128<byte> words, Vector128<byte> mask, Vector128<byte> table, Vector128<byte> low)
        {
            Vector128<byte> v = (weight ^ words) & mask;
            if (AdvSimd.IsSupported)
            {
                return AdvSimd.PopCount(v);
            }

            return Ssse3.Shuffle(table, v & low) + Ssse3.Shuffle(table, (v.AsUInt16() >> 4).AsByte() & low);
        }

        public static Vector128<byte> AddBytes(Vector128<byte> a, Vector128<byte> b) => a + b;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<byte> Fold(Vector128<byte> lanes, Vector128<byte> bytes) =>
            (lanes.AsInt16() + (AdvSimd.IsSupported ? AdvSimd.AddPairwiseWidening(bytes).AsInt16() : Ssse3.MultiplyAddAdjacent(bytes, Vector128.Create((sbyte)1)))).AsByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Finish(Vector128<byte> c0, Vector128<byte> c1, Vector128<byte> c2, Vector128<byte> c3, int planes, int wordBytes, ref float beta, float alpha, bool first, ref float sums, ref float bn)
        {
            if (wordBytes == 2)
            {
                FinishCounts<Fused128, Vector128<float>, Vector128<int>>(Vector128.WidenLower(c0.AsInt16()), Vector128.WidenLower(c1.AsInt16()), Vector128.WidenLower(c2.AsInt16()), Vector128.WidenLower(c3.AsInt16()), planes, ref beta, alpha, first, ref sums, ref bn);
                FinishCounts<Fused128, Vector128<float>, Vector128<int>>(Vector128.WidenUpper(c0.AsInt16()), Vector128.WidenUpper(c1.AsInt16()), Vector128.WidenUpper(c2.AsInt16()), Vector128.WidenUpper(c3.AsInt16()), planes, ref beta, alpha, first, ref Unsafe.Add(ref sums, 4), ref Unsafe.Add(ref bn, 4));
            }
            else
            {
                FinishCounts<Fused128, Vector128<float>, Vector128<int>>(Pairs(c0), Pairs(c1), Pairs(c2), Pairs(c3), planes, ref beta, alpha, first, ref sums, ref bn);
            }
        }

        /// <summary>Adjacent 16-bit lanes added into 32-bit lanes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<int> Pairs(Vector128<byte> v) => AdvSimd.IsSupported
            ? AdvSimd.AddPairwiseWidening(v.AsUInt16()).AsInt32()
            : Sse2.MultiplyAddAdjacent(v.AsInt16(), Vector128.Create((short)1));
    }

    /// <summary>The bit count of each nibble 0..15, twice (one table per 128-bit lane of vpshufb).</summary>
    private static ReadOnlySpan<byte> Nibbles() => [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];
}
