using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace QuantGen.Runtime;

/// <summary>
/// The ARM64 (AdvSimd) bodies of the alternating quantizer's passes, the Vector512 ones' twins on 128 bits:
/// 16 values per step as four vectors, so the codes are whole 16-byte vectors as there. The same float
/// operations and comparisons as the scalar loop (codes do not depend on the path); the permutes become TBL
/// lookups (<see cref="TableLookup128"/>). Each returns how many values it did; the scalar loop does the rest.
/// </summary>
public static partial class AlternatingQuantizer
{
    private static bool Arm64Path => Vector128.IsHardwareAccelerated && AdvSimd.Arm64.IsSupported;

    private static int GreedyStep128(Span<float> residual, Span<byte> code, int j, float alpha)
    {
        ref float r = ref MemoryMarshal.GetReference(residual);
        ref byte c = ref MemoryMarshal.GetReference(code);
        Vector128<float> plus = Vector128.Create(alpha), minus = Vector128.Create(-alpha);
        Vector128<uint> bit = Vector128.Create(1u << j);
        int i = 0;
        for (; i + 16 <= residual.Length; i += 16)
        {
            Vector128<uint> b0 = GreedyStep128(ref r, (nuint)i, plus, minus, bit), b1 = GreedyStep128(ref r, (nuint)i + 4, plus, minus, bit);
            Vector128<uint> b2 = GreedyStep128(ref r, (nuint)i + 8, plus, minus, bit), b3 = GreedyStep128(ref r, (nuint)i + 12, plus, minus, bit);
            (Vector128.LoadUnsafe(ref c, (nuint)i) | Narrow(b0, b1, b2, b3)).StoreUnsafe(ref c, (nuint)i);
        }

        return i;
    }

    /// <summary>Four values of the greedy step: the residual updated in place, and each value's code bit (or 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> GreedyStep128(ref float r, nuint at, Vector128<float> plus, Vector128<float> minus, Vector128<uint> bit)
    {
        Vector128<float> v = Vector128.LoadUnsafe(ref r, at);
        Vector128<float> positive = Vector128.GreaterThanOrEqual(v, Vector128<float>.Zero);
        (v - Vector128.ConditionalSelect(positive, plus, minus)).StoreUnsafe(ref r, at);
        return positive.AsUInt32() & bit;
    }

    private static int Sum128(ReadOnlySpan<float> x, ReadOnlySpan<byte> code, int bit, bool absolute, out double sum)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref byte c = ref MemoryMarshal.GetReference(code);
        Vector128<float> a0 = Vector128<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            Vector128<float> v0 = Vector128.LoadUnsafe(ref xr, (nuint)i), v1 = Vector128.LoadUnsafe(ref xr, (nuint)i + 4);
            Vector128<float> v2 = Vector128.LoadUnsafe(ref xr, (nuint)i + 8), v3 = Vector128.LoadUnsafe(ref xr, (nuint)i + 12);
            if (absolute)
            {
                (v0, v1, v2, v3) = (Vector128.Abs(v0), Vector128.Abs(v1), Vector128.Abs(v2), Vector128.Abs(v3));
            }

            if (bit >= 0)
            {
                Vector128<byte> codes = Vector128.LoadUnsafe(ref c, (nuint)i);
                Vector128<ushort> low = Vector128.WidenLower(codes), high = Vector128.WidenUpper(codes);
                v0 = Vector128.ConditionalSelect(HasBit(Vector128.WidenLower(low), bit), v0, Vector128<float>.Zero);
                v1 = Vector128.ConditionalSelect(HasBit(Vector128.WidenUpper(low), bit), v1, Vector128<float>.Zero);
                v2 = Vector128.ConditionalSelect(HasBit(Vector128.WidenLower(high), bit), v2, Vector128<float>.Zero);
                v3 = Vector128.ConditionalSelect(HasBit(Vector128.WidenUpper(high), bit), v3, Vector128<float>.Zero);
            }

            a0 += v0;
            a1 += v1;
            a2 += v2;
            a3 += v3;
        }

        Vector128<float> total = (a0 + a1) + (a2 + a3);
        sum = 0;
        for (int k = 0; k < 4; k++)
        {
            sum += total.GetElement(k);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> HasBit(Vector128<uint> codes, int bit) =>
        Vector128.Equals((codes >>> bit) & Vector128<uint>.One, Vector128<uint>.One).AsSingle();

    private static int AssignCodes128(ReadOnlySpan<float> x, Span<byte> code, ReadOnlySpan<float> sums, ReadOnlySpan<byte> order)
    {
        int combos = sums.Length;
        if (combos > 16)
        {
            return 0;
        }

        Span<float> table = stackalloc float[16];
        Span<byte> codes = stackalloc byte[16];
        table.Clear();
        codes.Clear();
        sums.CopyTo(table);
        order.Slice(0, combos).CopyTo(codes);
        var sumTable = TableLookup128.Load(table);
        Vector128<byte> codeTable = Vector128.Create((ReadOnlySpan<byte>)codes);
        Vector128<int> last = Vector128.Create(combos - 1);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref byte c = ref MemoryMarshal.GetReference(code);
        int i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            Vector128<uint> b0 = Nearest(Vector128.LoadUnsafe(ref xr, (nuint)i), sums, sumTable, last);
            Vector128<uint> b1 = Nearest(Vector128.LoadUnsafe(ref xr, (nuint)i + 4), sums, sumTable, last);
            Vector128<uint> b2 = Nearest(Vector128.LoadUnsafe(ref xr, (nuint)i + 8), sums, sumTable, last);
            Vector128<uint> b3 = Nearest(Vector128.LoadUnsafe(ref xr, (nuint)i + 12), sums, sumTable, last);
            AdvSimd.Arm64.VectorTableLookup(codeTable, Narrow(b0, b1, b2, b3)).StoreUnsafe(ref c, (nuint)i);
        }

        return i;
    }

    /// <summary>The position (in sorted order) of the sum nearest each value, as the Vector512 pass finds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Nearest(Vector128<float> v, ReadOnlySpan<float> sums, (Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) sumTable, Vector128<int> last)
    {
        Vector128<int> lo = Vector128<int>.Zero;
        foreach (float s in sums)
        {
            // A true comparison is -1 as an integer: lo counts the sums below v.
            lo -= Vector128.LessThan(Vector128.Create(s), v).AsInt32();
        }

        Vector128<int> below = Vector128.Max(lo - Vector128<int>.One, Vector128<int>.Zero);
        Vector128<int> above = Vector128.Min(lo, last);
        Vector128<float> low = TableLookup128.Lookup(sumTable, below);
        Vector128<float> high = TableLookup128.Lookup(sumTable, above);
        // Ties go to the larger value (above), as in the scalar loop.
        return Vector128.ConditionalSelect(Vector128.LessThan(v - low, high - v).AsInt32(), below, above).AsUInt32();
    }

    private static int Reconstruct128(ReadOnlySpan<byte> code, ReadOnlySpan<float> table, Span<float> y)
    {
        if (table.Length > 16)
        {
            return 0;
        }

        Span<float> padded = stackalloc float[16];
        padded.Clear();
        table.CopyTo(padded);
        var lut = TableLookup128.Load(padded);
        ref byte c = ref MemoryMarshal.GetReference(code);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + 16 <= y.Length; i += 16)
        {
            // Codes are below 16, so four times a code still fits its byte.
            Vector128<byte> quadrupled = Vector128.LoadUnsafe(ref c, (nuint)i) << 2;
            TableLookup128.Lookup(lut, quadrupled, 0).StoreUnsafe(ref yr, (nuint)i);
            TableLookup128.Lookup(lut, quadrupled, 1).StoreUnsafe(ref yr, (nuint)i + 4);
            TableLookup128.Lookup(lut, quadrupled, 2).StoreUnsafe(ref yr, (nuint)i + 8);
            TableLookup128.Lookup(lut, quadrupled, 3).StoreUnsafe(ref yr, (nuint)i + 12);
        }

        return i;
    }

    /// <summary>Sixteen small 32-bit values (below 256) as 16 bytes, in order (XTN twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Narrow(Vector128<uint> a, Vector128<uint> b, Vector128<uint> c, Vector128<uint> d) =>
        Vector128.Narrow(Vector128.Narrow(a, b), Vector128.Narrow(c, d));
}
