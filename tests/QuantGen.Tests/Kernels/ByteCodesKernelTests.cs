using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The byte-code kernel, fed the layout the generator makes, against the reference's dequantized weights
/// summed in double: every uniform width and signedness, zero points, row counts not a multiple of four,
/// columns not a multiple of 16. Runs on whatever path this process has; IsaPathTests re-runs it on each.
/// </summary>
public sealed class ByteCodesKernelTests
{
    public static IEnumerable<object[]> Cases() =>
        from bits in new[] { 1, 2, 4, 7, 8 }
        from signed in new[] { true, false }
        from shape in new[] { (1, 1), (5, 17), (13, 64), (40, 130), (9, 1300) }
        select new object[] { bits, signed, shape.Item1, shape.Item2 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Byte_codes_times_float_match_the_dequantized_product(int bits, bool signed, int rows, int cols)
    {
        foreach (bool zeroPoints in new[] { true, false })
        {
            Check(bits, signed, rows, cols, zeroPoints);
        }
    }

    /// <summary>Without zero points (symmetric codes; not unsigned 8-bit, stored shifted by 128) the generator passes no
    /// offsets, and the kernel skips sum(x).</summary>
    private static void Check(int bits, bool signed, int rows, int cols, bool zeroPoints)
    {
        var random = new Random((bits * 131) + (signed ? 7 : 0) + (rows * 31) + cols);
        Weights weights = TestModels.Uniform(random, rows, cols, bits, signed, perRow: true, zeroPoints: zeroPoints);
        ByteCodeRows b = WeightRepacking.ByteCodes(weights.Uniform, rows, cols);
        float[] scales = b.Scales.Select(v => (float)v).ToArray();
        float[] offsets = b.Scales.Zip(b.ZeroPoints, (s, z) => (float)(-s * z)).ToArray();
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
        float[] dequantized = DequantizedWeights.Of(weights, rows, cols);
        var y = new float[rows];
        bool noOffsets = !zeroPoints && !(bits == 8 && !signed);
        Assert.True(!noOffsets || offsets.All(o => o == 0f), "symmetric codes have no offsets");
        ByteCodes.Dense(x, y, MemoryMarshal.Cast<byte, sbyte>(b.Codes), scales, noOffsets ? default : offsets, bias, new float[ByteCodes.ScratchFloats(cols)]);
        for (int r = 0; r < rows; r++)
        {
            double expected = bias[r], magnitude = Math.Abs(bias[r]);
            for (int c = 0; c < cols; c++)
            {
                expected += (double)dequantized[(r * cols) + c] * x[c];
                magnitude += Math.Abs((double)dequantized[(r * cols) + c] * x[c]) + Math.Abs(offsets[r] * x[c]);
            }

            Assert.True(Math.Abs(y[r] - expected) <= 1e-5 * (1 + magnitude), $"{bits}-bit {(signed ? "signed" : "unsigned")} {rows}x{cols}{(zeroPoints ? "" : ", no zero points")}, row {r}: {y[r]:R} against {expected:R}");
        }
    }
}
