using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The float kernels against a scalar double-precision reference, on shapes that cover every width's
/// column tail (and rows too short for the wide vectors), row passes with 1-3 rows left, and odd input
/// counts; the convolution on odd windows against Patch times the weights. IsaPathTests re-runs them on each narrower path.
/// </summary>
public sealed class FloatKernelTests
{
    private static readonly int[] Columns = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 100, 1300];

    public static IEnumerable<object[]> FloatShapes() =>
        from rows in new[] { 1, 2, 3, 4, 5, 11 }
        from cols in Columns
        select new object[] { rows, cols };

    [Theory]
    [MemberData(nameof(FloatShapes))]
    public void Float_matches_a_double_reference(int rows, int cols)
    {
        var random = new Random((rows * 7919) + cols);
        float[] w = TestModels.RandomFloats(random, rows * cols, -1f, 1f);
        float[] x = TestModels.RandomFloats(random, cols, -2f, 2f);
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        var y = new float[rows];
        DenseKernels.Float(x, y, w, bias);
        AssertClose(w, cols, x, bias, y, $"Float {rows}x{cols}");
        DenseKernels.Float(x, y, w, default);
        AssertClose(w, cols, x, new float[rows], y, $"Float {rows}x{cols} without bias");
    }

    public static IEnumerable<object[]> BatchShapes() =>
        (from rows in new[] { 1, 2, 3, 5 }
         from cols in new[] { 1, 7, 8, 9, 16, 17, 33, 100 }
         from batch in new[] { 1, 2, 3, 4, 5, 9 }
         select new object[] { rows, cols, batch })
        // Several blocks of rows (about 256 KB of weights each), an odd last block, and inputs too wide for the
        // aligned copy of a group of four (4,500 columns).
        .Concat(new[] { new object[] { 67, 1300, 9 }, new object[] { 31, 4500, 5 }, new object[] { 102, 1024, 8 } });

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void FloatMany_equals_Float_on_each_input_bit_for_bit(int rows, int cols, int batch)
    {
        // The batched kernel keeps Float's two chains, tail and final sum per (row, input): Predict over a batch
        // must give what one Predict per input gives. Odd rows and inputs past a multiple of 4 hit the repeat paths.
        var random = new Random((rows * 7919) + (cols * 31) + batch);
        float[] w = TestModels.RandomFloats(random, rows * cols, -1f, 1f);
        float[] x = TestModels.RandomFloats(random, batch * cols, -2f, 2f);
        float[] bias = TestModels.RandomFloats(random, rows, -0.5f, 0.5f);
        foreach (float[] b in new[] { bias, Array.Empty<float>() })
        {
            var many = new float[batch * rows];
            DenseKernels.FloatMany(x, many, batch, w, b);
            for (int i = 0; i < batch; i++)
            {
                var one = new float[rows];
                DenseKernels.Float(x.AsSpan(i * cols, cols), one, w, b);
                Assert.Equal(one, many.AsSpan(i * rows, rows).ToArray());
            }
        }
    }

    [Fact]
    public void Float_tail_keeps_an_infinite_weight_infinite()
    {
        // Column 5 is read by the full vectors and again by the overlapping last vector on every width
        // whose vector is longer than 12 floats; the overlap is masked on both sides, so Inf * x stays Inf.
        const int cols = 17;
        float[] w = Enumerable.Repeat(0.5f, cols).ToArray();
        w[5] = float.PositiveInfinity;
        float[] x = Enumerable.Repeat(1f, cols).ToArray();
        x[16] = float.PositiveInfinity;
        w[16] = 0.25f;
        var y = new float[1];
        DenseKernels.Float(x, y, w, default);
        Assert.Equal(float.PositiveInfinity, y[0]);
    }

    public static IEnumerable<object[]> Windows() =>
    [
        [new Window(1, 5, 5, 3, 3, 1, 1, 0, 0)],
        [new Window(2, 6, 7, 3, 3, 1, 1, 1, 1)],
        [new Window(3, 8, 8, 3, 3, 2, 2, 1, 1)],
        [new Window(2, 5, 9, 2, 4, 1, 3, 0, 2)],
        [new Window(1, 4, 4, 1, 1, 1, 1, 2, 2)],
        [new Window(4, 7, 5, 5, 3, 2, 1, 2, 0)],
        [new Window(1, 3, 3, 3, 3, 1, 1, 4, 4)],
    ];

    [Theory]
    [MemberData(nameof(Windows))]
    public void Convolution_of_odd_windows_is_each_patch_times_the_weights(Window w)
    {
        // Kernels of 1 to 5, strides 1 to 3, padding wider than the kernel: every output is its patch
        // (SpatialKernels.Patch, the definition) times the weights; 11 output channels cross a block of 8.
        var random = new Random(w.GetHashCode() & 0xFFFF);
        const int outChannels = 11;
        float[] x = TestModels.RandomFloats(random, w.Channels * w.Height * w.Width, -1f, 1f);
        int length = w.Channels * w.KernelH * w.KernelW;
        int positions = w.OutHeight * w.OutWidth;
        float[] weights = TestModels.RandomFloats(random, outChannels * length, -1f, 1f);
        float[] bias = TestModels.RandomFloats(random, outChannels, -0.5f, 0.5f);
        var y = new float[outChannels * positions];
        ConvolutionKernels.Float(x, y, w, WeightRepacking.ConvBlocked(weights, outChannels, length), bias, new float[ConvolutionKernels.ScratchFloats(w)]);
        var patch = new float[length];
        for (int position = 0; position < positions; position++)
        {
            SpatialKernels.Patch(x, patch, w, position);
            float[] column = Enumerable.Range(0, outChannels).Select(o => y[(o * positions) + position]).ToArray();
            AssertClose(weights, length, patch, bias, column, $"convolution {w}, position {position}");
        }
    }

    /// <summary>Float sums in another order: allowed 2e-6 * sum |w x| (about 16 ulps of the largest partial sum), plus 1e-6.</summary>
    private static void AssertClose(float[] w, int cols, float[] x, float[] bias, float[] y, string what)
    {
        for (int r = 0; r < y.Length; r++)
        {
            double sum = bias[r], magnitude = Math.Abs(bias[r]);
            for (int c = 0; c < cols; c++)
            {
                sum += (double)w[(r * cols) + c] * x[c];
                magnitude += Math.Abs((double)w[(r * cols) + c] * x[c]);
            }

            double allowed = (2e-6 * magnitude) + 1e-6;
            Assert.True(Math.Abs(y[r] - sum) <= allowed, $"{what}, row {r} on {KernelPaths.Current}: kernel {y[r]:R}, reference {sum:R} (allowed {allowed:G3})");
        }
    }
}
