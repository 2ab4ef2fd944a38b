using System;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The embedding lookup reads a row's codes as integers without the 2^k-entry map the row-decoding kernels build once
/// per call: every code must come out as the map has it, at every width, sign, offset and at the end of the stream.
/// </summary>
public sealed class PackedRowTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(7, true)]
    [InlineData(8, true)]
    [InlineData(8, false)]
    public void Integers_read_without_a_map_equal_the_mapped_codes(int bits, bool signed)
    {
        var random = new Random(bits * 2 + (signed ? 1 : 0));
        const int Rows = 7, Cols = 13;
        var packed = new byte[(Rows * Cols * bits + 7) / 8];
        random.NextBytes(packed);
        var map = new float[1 << bits];
        PackedRow.CodeValues(bits, signed, map);
        for (int r = 0; r < Rows; r++)
        {
            var expected = new float[Cols];
            var actual = new float[Cols];
            PackedRow.Decode(packed, (long)r * Cols, bits, map, expected);
            PackedRow.DecodeIntegers(packed, (long)r * Cols, bits, signed, actual);
            Assert.Equal(expected, actual);
        }
    }
}
