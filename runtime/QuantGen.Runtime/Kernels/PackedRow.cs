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
