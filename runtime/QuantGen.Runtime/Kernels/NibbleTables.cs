using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QuantGen.Runtime;

/// <summary>
/// For every byte value b, 32 bytes: popcount(low nibble of b xor i) for i = 0..15, then popcount(high nibble xor i). The
/// two 128-bit lanes are vpshufb tables that count, for a byte b that a whole lane shares, the bits where b differs from
/// 16 other nibbles at once: the xor/popcount convolution's weight bytes (a tap's weight word is the same for every
/// position) and the row-major product's activation bytes (the same for every row). 8 KB from a 64-byte boundary, so no
/// load crosses a cache line.
/// </summary>
internal static class NibbleTables
{
    private static readonly byte[] Tables = Build();

    /// <summary>The first table (byte value 0); the array is pinned, so its place holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref byte Start()
    {
        ref byte first = ref MemoryMarshal.GetArrayDataReference(Tables);
        return ref Unsafe.Add(ref first, ToBoundary(ref first));
    }

    private static byte[] Build()
    {
        byte[] tables = GC.AllocateArray<byte>((256 * 32) + 64, pinned: true);
        int start = ToBoundary(ref tables[0]);
        for (int b = 0; b < 256; b++)
        {
            for (int i = 0; i < 16; i++)
            {
                tables[start + (b * 32) + i] = (byte)System.Numerics.BitOperations.PopCount((uint)((b & 15) ^ i));
                tables[start + (b * 32) + 16 + i] = (byte)System.Numerics.BitOperations.PopCount((uint)((b >> 4) ^ i));
            }
        }

        return tables;
    }

    /// <summary>Bytes from <paramref name="at"/> to the next 64-byte boundary.</summary>
    private static unsafe int ToBoundary(ref byte at) => (int)((64 - ((nint)Unsafe.AsPointer(ref at) & 63)) & 63);
}
