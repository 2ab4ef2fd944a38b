using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics.X86;
using QuantGen.Generator.Layout;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The xor/popcount convolution against sums in double straight from the definition (the weights' values
/// sum_i alpha_i b_i times the alternating quantizer's reconstruction of the whole map, padding 0), and every path
/// equal to the scalar twin to the bit (AVX-512, AVX2, SSSE3 or ARM64 AdvSimd, as the machine has them): 16-bit words (1 to 16 channels) and 32-bit words in one and in two chunks,
/// the in-place reads (stride 1, output rows as wide as the input's) and the copied taps (other strides and
/// paddings), a 5 x 5 kernel over two chunks (more steps than one fold of the byte counts), 1 to 4 activation planes,
/// 1 to 3 weight planes, non-finite inputs (coded as 0), and partial vectors of positions.
/// </summary>
public sealed class ConvolutionXnorKernelTests
{
    public static IEnumerable<object[]> Cases() =>
        from c in new (int Width, int Kernel, int Stride, int Padding, int Channels, int OutChannels, int WeightBits, int ActivationBits)[]
        {
            (8, 3, 1, 1, 16, 32, 2, 2), // the digits CNN's second convolution: in place
            (8, 3, 1, 1, 16, 5, 3, 3),
            (7, 3, 1, 1, 5, 9, 1, 1), // in place, a partial vector of positions (35 of 64)
            (9, 3, 1, 1, 21, 7, 2, 4), // in place, 32-bit words
            (6, 3, 1, 1, 40, 3, 3, 2), // in place, two chunks
            (6, 3, 1, 0, 5, 9, 2, 1), // stride 1 without padding: copied taps
            (9, 3, 2, 1, 21, 7, 3, 2), // stride 2: copied taps
            (5, 3, 1, 2, 40, 11, 1, 4), // padding 2: copied taps, two chunks
            (9, 5, 1, 2, 40, 4, 2, 3), // 5 x 5 over two chunks: 50 steps, the byte counts folded twice
            (11, 3, 2, 0, 3, 4, 2, 3),
        }
        select new object[] { c.Width, c.Kernel, c.Stride, c.Padding, c.Channels, c.OutChannels, c.WeightBits, c.ActivationBits };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Xnor_convolution_matches_the_definition_on_every_path(int width, int kernel, int stride, int padding, int channels, int outChannels, int weightBits, int activationBits)
    {
        var random = new Random((width * 31) + (kernel * 5) + (stride * 7) + (padding * 3) + (channels * 101) + (outChannels * 13) + (weightBits * 17) + activationBits);
        const int Height = 5;
        const int Cycles = 2;
        var w = new Window(channels, Height, width, kernel, kernel, stride, stride, padding, padding);
        int positions = w.OutHeight * w.OutWidth;
        int taps = kernel * kernel;
        float[] x = TestModels.RandomFloats(random, channels * Height * width, -0.5f, 2f);
        x[1] = float.NaN;
        x[x.Length / 2] = float.PositiveInfinity;
        // The codec's planes through the generator's repacking, as a generated model stores them.
        MultiBinaryCodec codec = TestModels.MultiBinary(random, outChannels, channels * taps, weightBits).MultiBinary;
        byte[] planes = codec.Planes.ToByteArray();
        byte[] weights = WeightRepacking.ConvXnorPlanes(codec, outChannels, channels, taps);
        float[] coefficients = codec.Coefficients.ToArray();
        bool Sign(int o, int i, int c, int t)
        {
            long bit = ((((long)i * outChannels) + o) * channels * taps) + ((long)c * taps) + t;
            return ((planes[bit >> 3] >> (int)(bit & 7)) & 1) != 0;
        }

        float[] bias = TestModels.RandomFloats(random, outChannels, -0.5f, 0.5f);
        var quantized = new float[x.Length];
        ActivationQuantizers.OnlineMultiBinary(x, quantized, activationBits, Cycles, new float[x.Length]);

        float[] scalar = Run(ConvolutionKernels.XnorPath.Scalar);
        foreach (ConvolutionKernels.XnorPath path in Paths())
        {
            Assert.Equal(scalar, Run(path));
        }

        ConvolutionDefinition.AssertMatches(scalar, w, outChannels, Weight, quantized, bias);

        // The weight's value: sum_i alpha_i b_i.
        double Weight(int o, int c, int tap)
        {
            double value = 0;
            for (int i = 0; i < weightBits; i++)
            {
                value += coefficients[(o * weightBits) + i] * (Sign(o, i, c, tap) ? 1.0 : -1.0);
            }

            return value;
        }

        float[] Run(ConvolutionKernels.XnorPath path)
        {
            var y = new float[outChannels * positions];
            // Scratch left dirty by an earlier call: the kernel must not read what it did not write.
            float[] scratch = Enumerable.Repeat(float.NaN, ConvolutionKernels.XnorScratchFloats(w, activationBits)).ToArray();
            ConvolutionKernels.Xnor(x, y, w, weights, weightBits, coefficients, bias, activationBits, Cycles, scratch, path);
            return y;
        }
    }

    /// <summary>
    /// Every weight bit +1 against a constant negative map (its codes 0 in every plane): each nibble the AVX2 path looks
    /// up counts 4, the most a byte of its tallies can take per weight byte, over a 5 x 5 kernel of one 32-bit chunk (100
    /// weight bytes) at the positions whose taps all read the map. A fold of those tallies into 16-bit lanes any later
    /// than every 63 bytes would overflow a byte there; every path must still give the scalar twin's bits and the
    /// definition's sums.
    /// </summary>
    [Fact]
    public void Xnor_convolution_counts_the_largest_tallies_on_every_path()
    {
        const int Channels = 32, OutChannels = 3, WeightBits = 2, ActivationBits = 2, Cycles = 2, Taps = 25;
        var w = new Window(Channels, 6, 6, 5, 5, 1, 1, 2, 2);
        float[] x = Enumerable.Repeat(-1f, Channels * 36).ToArray();
        var codec = new MultiBinaryCodec { Bits = WeightBits };
        for (int o = 0; o < OutChannels; o++)
        {
            codec.Coefficients.Add(0.5f);
            codec.Coefficients.Add(0.25f);
        }

        codec.Planes = Google.Protobuf.ByteString.CopyFrom(Enumerable.Repeat((byte)0xFF, WeightBits * OutChannels * Channels * Taps / 8).ToArray());
        byte[] weights = WeightRepacking.ConvXnorPlanes(codec, OutChannels, Channels, Taps);
        float[] coefficients = codec.Coefficients.ToArray();
        float[] bias = [0.5f, -0.25f, 0f];
        var quantized = new float[x.Length];
        ActivationQuantizers.OnlineMultiBinary(x, quantized, ActivationBits, Cycles, new float[x.Length]);
        Assert.All(quantized, v => Assert.True(v < 0f));

        float[] scalar = Run(ConvolutionKernels.XnorPath.Scalar);
        foreach (ConvolutionKernels.XnorPath path in Paths())
        {
            Assert.Equal(scalar, Run(path));
        }

        // Every weight is 0.5 + 0.25.
        ConvolutionDefinition.AssertMatches(scalar, w, OutChannels, (o, c, tap) => 0.75, quantized, bias);

        float[] Run(ConvolutionKernels.XnorPath path)
        {
            var y = new float[OutChannels * w.OutHeight * w.OutWidth];
            float[] scratch = Enumerable.Repeat(float.NaN, ConvolutionKernels.XnorScratchFloats(w, ActivationBits)).ToArray();
            ConvolutionKernels.Xnor(x, y, w, weights, WeightBits, coefficients, bias, ActivationBits, Cycles, scratch, path);
            return y;
        }
    }

    [Fact]
    public void Xnor_convolution_refuses_a_bit_width_it_cannot_code()
    {
        var w = new Window(1, 3, 3, 3, 3, 1, 1, 1, 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ConvolutionKernels.Xnor(new float[9], new float[9], w, new byte[64], 1, new float[1], default, 5, 2, new float[ConvolutionKernels.XnorScratchFloats(w, 4) * 2]));
        Assert.Equal("activationBits", error.ParamName);
    }

    private static IEnumerable<ConvolutionKernels.XnorPath> Paths()
    {
        if (Avx512BW.IsSupported && Avx512Vbmi.IsSupported && Gfni.V512.IsSupported)
        {
            yield return ConvolutionKernels.XnorPath.Permute512;
        }

        if (Avx2.IsSupported)
        {
            yield return ConvolutionKernels.XnorPath.Lanes256;
        }

        if (Ssse3.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
        {
            yield return ConvolutionKernels.XnorPath.Lanes128;
        }
    }
}
