using System;

namespace QuantGen.Schema;

/// <summary>
/// The description's packed-code layout (quantgen.proto, message Weights): value i holds bits
/// [i * bits, (i + 1) * bits) of a least-significant-bit-first stream. Plain and scalar: the
/// reference interpreter, the validator and the quantizer read and write codes through it.
/// </summary>
public static class PackedCodes
{
    /// <summary>Bytes that <paramref name="count"/> codes of <paramref name="bits"/> bits take.</summary>
    public static long ByteLength(long count, int bits) => (count * bits + 7) / 8;

    /// <summary>The unsigned code at <paramref name="index"/>.</summary>
    public static int Read(ReadOnlySpan<byte> packed, long index, int bits)
    {
        long bit = index * bits;
        int value = 0;
        for (int b = 0; b < bits; b++, bit++)
        {
            if ((packed[(int)(bit >> 3)] >> (int)(bit & 7) & 1) != 0)
            {
                value |= 1 << b;
            }
        }

        return value;
    }

    /// <summary>The code at <paramref name="index"/> read as a two's complement number of <paramref name="bits"/> bits.</summary>
    public static int ReadSigned(ReadOnlySpan<byte> packed, long index, int bits)
    {
        int value = Read(packed, index, bits);
        return value >= 1 << (bits - 1) ? value - (1 << bits) : value;
    }

    /// <summary>Packs codes (each in 0 .. 2^bits - 1, or in the signed range when negative) into the stream.</summary>
    public static byte[] Pack(ReadOnlySpan<int> codes, int bits)
    {
        var packed = new byte[ByteLength(codes.Length, bits)];
        int mask = (1 << bits) - 1;
        long bit = 0;
        foreach (int code in codes)
        {
            int value = code & mask;
            for (int b = 0; b < bits; b++, bit++)
            {
                if ((value >> b & 1) != 0)
                {
                    packed[bit >> 3] |= (byte)(1 << (int)(bit & 7));
                }
            }
        }

        return packed;
    }
}
