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
/// The xor/popcount kernel compiled for one layer's counts (<c>Xnor.Dense&lt;TWords, TWeightBits&gt;</c>, what generated
/// layers call) against the same kernel with nothing fixed: equal bit for bit, on every row width from one to five
/// words, every plane count the fixed types name and beyond, one and several activation planes (the one-plane-per-pass
/// loop included), with and without a shared code slot. A count the arguments contradict throws before anything is
/// written. Runs on whatever path this process has; IsaPathTests re-runs it on each.
/// </summary>
public sealed class FixedCountKernelTests
{
    public static IEnumerable<object[]> Cases() =>
        from cols in new[] { 1, 64, 65, 128, 150, 256, 300 }
        from weightBits in new[] { 1, 2, 3, 4, 5 }
        from activationBits in new[] { 1, 2, 3, 5 }
        select new object[] { cols, weightBits, activationBits };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_kernel_compiled_for_the_layer_gives_the_shared_kernels_bits(int cols, int weightBits, int activationBits)
    {
        foreach (int rows in new[] { 1, 8, 21 })
        {
            Matrix m = Matrix.Random(rows, cols, weightBits, cols * 31 + weightBits * 7 + activationBits + rows);
            var shared = new float[rows];
            var fixedRows = new float[rows];
            Xnor.Dense(m.X, shared, m.Planes, weightBits, m.Coefficients, m.Bias, activationBits, cycles: 2, new float[Xnor.ScratchFloats(cols, activationBits)]);
            Fixed.Dense(Xnor.RowWords(cols), weightBits, m, fixedRows, activationBits, default);
            Assert.Equal(shared.Select(BitConverter.SingleToInt32Bits), fixedRows.Select(BitConverter.SingleToInt32Bits));

            // Through a shared code slot, filled by the first call and read by the second.
            // KernelGeometry.XnorSharedCodesFloats: the planes, the betas, a marker and the input (the geometry class is
            // compiled into both assemblies this project references, so it is spelled out here).
            var slot = new float[(activationBits * Xnor.RowWords(cols) * 2) + activationBits + 1 + cols];
            var first = new float[rows];
            var second = new float[rows];
            Fixed.Dense(Xnor.RowWords(cols), weightBits, m, first, activationBits, slot);
            Fixed.Dense(Xnor.RowWords(cols), weightBits, m, second, activationBits, slot);
            Assert.Equal(shared.Select(BitConverter.SingleToInt32Bits), first.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(shared.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData(64, 2, 2, 2, "cols")]
    [InlineData(128, 2, 1, 2, "cols")]
    [InlineData(128, 2, 2, 3, "weightBits")]
    [InlineData(300, 4, 4, 4, "cols")]
    public void A_count_the_arguments_contradict_throws_and_writes_nothing(int cols, int weightBits, int fixedWords, int fixedBits, string parameter)
    {
        Matrix m = Matrix.Random(9, cols, weightBits, 5);
        var y = new float[9];
        Array.Fill(y, 7f);
        ArgumentException e = Assert.Throws<ArgumentException>(() => Fixed.Dense(fixedWords, fixedBits, m, y, 2, default, weightBits));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains("compiled for", e.Message, StringComparison.Ordinal);
        Assert.All(y, v => Assert.Equal(7f, v));
    }

    /// <summary>A random multi-bit binary matrix in the kernel's layout, with an input and a bias.</summary>
    private sealed record Matrix(float[] X, ulong[] Planes, float[] Coefficients, float[] Bias)
    {
        public static Matrix Random(int rows, int cols, int weightBits, int seed)
        {
            var random = new Random(seed);
            Weights weights = TestModels.MultiBinary(random, rows, cols, weightBits);
            return new Matrix(
                TestModels.RandomFloats(random, cols, -2f, 2f),
                MemoryMarshal.Cast<byte, ulong>(WeightRepacking.XnorPlanes(weights.MultiBinary, rows, cols)).ToArray(),
                WeightRepacking.XnorCoefficients(weights.MultiBinary, rows),
                TestModels.RandomFloats(random, rows, -0.5f, 0.5f));
        }
    }

    /// <summary>
    /// Calls the instantiation a generated layer with these counts would name (a count above 4 names FixedNone, as the
    /// generator does), or, given <c>weightBits</c>, one whose fixed counts need not match the arguments.
    /// </summary>
    private static class Fixed
    {
        public static void Dense(int words, int bits, Matrix m, float[] y, int activationBits, float[]? slot, int? weightBits = null)
        {
            switch (words)
            {
                case 1: WithBits<Fixed1>(bits, m, y, activationBits, slot, weightBits ?? bits); break;
                case 2: WithBits<Fixed2>(bits, m, y, activationBits, slot, weightBits ?? bits); break;
                case 3: WithBits<Fixed3>(bits, m, y, activationBits, slot, weightBits ?? bits); break;
                case 4: WithBits<Fixed4>(bits, m, y, activationBits, slot, weightBits ?? bits); break;
                default: WithBits<FixedNone>(bits, m, y, activationBits, slot, weightBits ?? bits); break;
            }
        }

        private static void WithBits<TWords>(int bits, Matrix m, float[] y, int activationBits, float[]? slot, int weightBits)
            where TWords : struct, IFixedCount
        {
            switch (bits)
            {
                case 1: Run<TWords, Fixed1>(m, y, weightBits, activationBits, slot); break;
                case 2: Run<TWords, Fixed2>(m, y, weightBits, activationBits, slot); break;
                case 3: Run<TWords, Fixed3>(m, y, weightBits, activationBits, slot); break;
                case 4: Run<TWords, Fixed4>(m, y, weightBits, activationBits, slot); break;
                default: Run<TWords, FixedNone>(m, y, weightBits, activationBits, slot); break;
            }
        }

        private static void Run<TWords, TWeightBits>(Matrix m, float[] y, int weightBits, int activationBits, float[]? slot)
            where TWords : struct, IFixedCount
            where TWeightBits : struct, IFixedCount =>
            Xnor.Dense<TWords, TWeightBits>(m.X, y, m.Planes, weightBits, m.Coefficients, m.Bias, activationBits, cycles: 2,
                new float[Xnor.ScratchFloats(m.X.Length, activationBits)], slot);
    }
}
