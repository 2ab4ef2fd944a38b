using System;
using System.Collections.Generic;

namespace QuantGen.Generator.Strategies;

/// <summary>Numbers as the blob stores them: little-endian on every host.</summary>
internal static class LittleEndian
{
    public static byte[] Floats(IReadOnlyList<float> values)
    {
        var bytes = new byte[values.Count * 4];
        for (int i = 0; i < values.Count; i++)
        {
            Put(BitConverter.GetBytes(values[i]), bytes, 4 * i);
        }

        return bytes;
    }

    public static byte[] Ints(IReadOnlyList<int> values)
    {
        var bytes = new byte[values.Count * 4];
        for (int i = 0; i < values.Count; i++)
        {
            Put(BitConverter.GetBytes(values[i]), bytes, 4 * i);
        }

        return bytes;
    }

    private static void Put(byte[] one, byte[] bytes, int at)
    {
        if (!BitConverter.IsLittleEndian)
        {
            Array.Reverse(one);
        }

        one.CopyTo(bytes, at);
    }
}
