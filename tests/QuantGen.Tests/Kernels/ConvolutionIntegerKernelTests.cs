using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The integer convolution against sums in double straight from the definition (the weights' values times the
/// quantizer's values, padding 0), on every path the machine has, and every path equal to the scalar twin to the
/// bit: input channels below, at and past a group of 4 and past a vector of 16 (the coding's gather), output channels within one pass of 16 and across passes,
/// strides 1 and 2, paddings 0 to 2, partial passes of positions, 1-, 4-, 7- and 8-bit inputs and weights, and enough
/// channels (64) that the AVX2 path widens its 16-bit sums of 8-bit codes' top bits mid-pass.
/// </summary>
public sealed class ConvolutionIntegerKernelTests
{
    public static IEnumerable<object[]> Cases() =>
        from width in new[] { 3, 5, 8, 11 }
        from stride in new[] { 1, 2 }
        from padding in new[] { 0, 1, 2 }
        from channels in new[] { 1, 4, 6, 21, 64 }
        from outChannels in new[] { 5, 21, 32 }
        from bits in new[] { 1, 4, 7, 8 }
        where width + 2 * padding >= 3 && (bits == 8 || (channels == 6 && outChannels == 21)) && (channels != 21 || outChannels == 5)
            // 64 channels: 144 steps of four, past the 127 the AVX2 path's 16-bit sums of 8-bit codes' top bits may take.
            && (channels != 64 || (outChannels == 5 && width == 5 && padding == 1 && bits >= 7))
        select new object[] { width, stride, padding, channels, outChannels, bits, false };

    /// <summary>Every code at its extreme (inputs clamped to 255, weights 127 or -128): sums that overflow 16 bits unless
    /// the AVX2 path widens its top-bit sums in time, and pair sums that saturate vpmaddubsw unless the codes are split.</summary>
    public static IEnumerable<object[]> SaturatedCases() =>
        from outChannels in new[] { 5, 32 }
        select new object[] { 5, 1, 1, 64, outChannels, 8, true };

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(SaturatedCases))]
    public void Integer_convolution_matches_the_definition_on_every_path(int width, int stride, int padding, int channels, int outChannels, int bits, bool saturated)
    {
        var random = new Random((width * 31) + (stride * 7) + (padding * 3) + (channels * 101) + (outChannels * 13) + bits);
        var w = new Window(channels, 5, width, 3, 3, stride, stride, padding, padding);
        int positions = w.OutHeight * w.OutWidth;
        int k = channels * 9;
        const float Hi = 2f;
        // Inputs past both ends of the range, so the kernel's coding clamps.
        float[] x = saturated ? Enumerable.Repeat(2.5f, channels * w.Height * width).ToArray() : TestModels.RandomFloats(random, channels * w.Height * width, -0.5f, 2.5f);
        int limit = (1 << (bits - 1)) - 1;
        int stride8 = Int8.RowBytes(k);
        var rowCodes = new byte[outChannels * stride8];
        var codes = new int[outChannels * k];
        for (int o = 0; o < outChannels; o++)
        {
            for (int i = 0; i < k; i++)
            {
                // 8 bits: now and then the code -128, the most negative a signed byte holds, beside 255 inputs (clamped).
                int q = saturated ? (o % 2 == 0 ? 127 : -128) : bits == 1 ? random.Next(-1, 1) : bits == 8 && i % 17 == 0 ? -128 : random.Next(-limit, limit + 1);
                codes[o * k + i] = q;
                rowCodes[o * stride8 + i] = unchecked((byte)(sbyte)q);
            }
        }

        float[] scales = TestModels.RandomFloats(random, outChannels, 0.001f, 0.1f);
        float[] bias = TestModels.RandomFloats(random, outChannels, -0.5f, 0.5f);
        float step = Hi / ((1 << bits) - 1);
        float[] product = scales.Select(s => (float)((double)s * step)).ToArray();
        sbyte[] weights = MemoryMarshal.Cast<byte, sbyte>(WeightRepacking.ConvInt8(rowCodes, stride8, outChannels, channels, 3, 3)).ToArray();
        var quantized = new float[x.Length];
        ActivationQuantizers.Uniform(x, quantized, bits, 0f, Hi);

        float[] scalar = Run(ConvolutionKernels.Int8Path.Scalar);
        foreach (ConvolutionKernels.Int8Path path in Paths())
        {
            Assert.Equal(scalar, Run(path));
        }

        ConvolutionDefinition.AssertMatches(scalar, w, outChannels, (o, c, tap) => (double)scales[o] * codes[(o * k) + (c * 9) + tap], quantized, bias);

        float[] Run(ConvolutionKernels.Int8Path path)
        {
            var y = new float[outChannels * positions];
            ConvolutionKernels.Integer(x, y, w, weights, bits, Hi, product, bias, new float[ConvolutionKernels.Int8ScratchFloats(w)], path);
            return y;
        }
    }

    [Fact]
    public void Integer_convolution_refuses_a_bit_width_it_cannot_code()
    {
        var w = new Window(1, 3, 3, 3, 3, 1, 1, 1, 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ConvolutionKernels.Integer(new float[9], new float[9], w, new sbyte[16 * 12], 9, 1f, new float[1], default, new float[ConvolutionKernels.Int8ScratchFloats(w)]));
        Assert.Equal("activationBits", error.ParamName);
    }

    private static IEnumerable<ConvolutionKernels.Int8Path> Paths()
    {
        if (AvxVnni.IsSupported)
        {
            yield return ConvolutionKernels.Int8Path.AvxVnni256;
        }

        if (Avx2.IsSupported)
        {
            yield return ConvolutionKernels.Int8Path.Bytes256;
        }

        yield return ConvolutionKernels.Int8Path.Shifts256;
    }
}
