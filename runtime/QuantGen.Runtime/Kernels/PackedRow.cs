using System;

namespace QuantGen.Runtime;

/// <summary>
/// Unpacks a run of k-bit codes (the description's least-significant-bit-first stream) into a row
/// buffer. The plain kernels decode a row, then take one dot product with it.
/// </summary>
public static class PackedRow
{
    /// <summary>Reads <paramref name="row"/>.Length codes starting at code <paramref name="first"/>, mapping each through <paramref name="map"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> packed, long first, int bits, ReadOnlySpan<float> map, Span<float> row)
    {
        int mask = (1 << bits) - 1;
        long bit = first * bits;
        for (int c = 0; c < row.Length; c++, bit += bits)
        {
            int index = (int)(bit >> 3);
            // bits <= 8 and the shift <= 7, so two bytes always hold the code.
            int window = packed[index] | (index + 1 < packed.Length ? packed[index + 1] << 8 : 0);
            row[c] = map[(window >> (int)(bit & 7)) & mask];
        }
    }

    /// <summary>
    /// Reads <paramref name="row"/>.Length codes from code <paramref name="first"/> on as the integers they are (two's
    /// complement when <paramref name="signed"/>), the values <see cref="CodeValues"/> maps them to, without building the
    /// 2^k-entry map: an embedding decodes one row per call, and for 8-bit codes the map cost more than the row.
    /// </summary>
    public static void DecodeIntegers(ReadOnlySpan<byte> packed, long first, int bits, bool signed, Span<float> row)
    {
        if (bits == 8)
        {
            ReadOnlySpan<byte> bytes = packed.Slice(checked((int)first), row.Length);
            for (int c = 0; c < row.Length; c++)
            {
                row[c] = signed ? (sbyte)bytes[c] : bytes[c];
            }

            return;
        }

        int mask = (1 << bits) - 1, half = signed ? 1 << (bits - 1) : 0;
        long bit = first * bits;
        for (int c = 0; c < row.Length; c++, bit += bits)
        {
            int index = (int)(bit >> 3);
            int window = packed[index] | (index + 1 < packed.Length ? packed[index + 1] << 8 : 0);
            // (q ^ half) - half is q - 2^k for the upper half of the codes when signed, q otherwise.
            row[c] = (((window >> (int)(bit & 7)) & mask) ^ half) - half;
        }
    }

    /// <summary>The float value of every k-bit code: 0, 1, ... 2^k - 1, or two's complement when signed.</summary>
    public static void CodeValues(int bits, bool signed, Span<float> map)
    {
        int count = 1 << bits;
        for (int q = 0; q < count; q++)
        {
            map[q] = signed && q >= count / 2 ? q - count : q;
        }
    }
}
