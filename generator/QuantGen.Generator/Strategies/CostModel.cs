namespace QuantGen.Generator.Strategies;

/// <summary>
/// Estimated nanoseconds per product of each kernel, so that the registry can pick the faster of two
/// kernels that can compute the same matrix (xor/popcount over the input's codes, or the bit-plane table
/// over their reconstruction; integer dot products, or the bit-plane table over the quantized input).
/// </summary>
/// <remarks>
/// Calibrated on the development machine kind (AMD EPYC Zen 5, AVX-512, one thread) with
/// `dotnet run -c Release --project benchmarks/QuantGen.Benchmarks -- --costs`, which times every strategy's
/// kernel by thread CPU time on the matrix shapes of the whole-model benchmark (benchmarks/ModelSteps: 10 to
/// 1024 rows, 64 to 256 columns). Each kernel's fixed and per-unit parts were solved from two shapes (or two
/// plane counts) of that run and checked against the others (docs/kernels.md, "The cost model"). Only the
/// order of two estimates matters, so the constants are rounded; estimates within ~20% of each other are a
/// toss-up either way (the run-to-run noise on this shared machine is of that order).
/// </remarks>
internal static class CostModel
{
    /// <summary>Float32, four rows per pass: per weight (streams 4 bytes per weight from L2/L3).</summary>
    public const double FloatPerWeight = 0.045;

    /// <summary>Decoding a row of codes to float, then a dot product: per weight.</summary>
    public const double DecodePerWeight = 0.9;

    /// <summary>Integer kernel: coding the input, per column.</summary>
    public const double Int8PerColumn = 0.2;

    /// <summary>Integer kernel: per row (its share of a four-row pass, the horizontal sums and the epilogue). This and
    /// the next refit 2026-11-26 after the interleaved layout and the once-per-product path choice: `--costs` gave
    /// 1.06 ns per row at 1024x64 (two 32-byte steps) and 2.69 at 1024x256 (eight), 117 ns at 64x128, 30 at 10x64.</summary>
    public const double Int8PerRow = 0.5;

    /// <summary>Integer kernel: per 32 weight bytes of a padded row (one vpdpbusd, or two widening multiply-adds).</summary>
    public const double Int8Per32Bytes = 0.27;

    /// <summary>Table kernel: building the tables, per group of 4 columns (1.3 to 1.7 ns on 64 to 256 columns since the
    /// whole groups skip the padding checks).</summary>
    public const double LutPerTable = 1.4;

    /// <summary>Table kernel: every call, beside <see cref="PerCall"/> (the tables' and the block loop's setup: a
    /// 10 x 64 matrix takes about 40 ns beyond its tables and lookups).</summary>
    public const double LutPerCall = 20;

    /// <summary>Table kernel: per 16-row block (the epilogue of its rows, one vector operation per block on AVX-512:
    /// 1024x64 at 2, 3, 4 and 8 planes gives 2 to 4 ns per block beside the lookups).</summary>
    public const double LutPerBlock = 3;

    /// <summary>Table kernel: per 16-row block and plane (the plane's scales).</summary>
    public const double LutPerBlockPlane = 0.6;

    /// <summary>Table kernel: per 16-row block, plane and group of 8 columns (two permutes and adds).</summary>
    public const double LutPerBlockGroup = 0.79;

    /// <summary>Byte codes times float: per row (its share of a four-row pass, the tree of totals and the epilogue).
    /// This and the next refit 2026-11-26 after the pass was inlined: `--costs` gave 1.83 ns per row at 1024x64 (four
    /// 16-byte steps) and 5.28 at 1024x256 (sixteen), 246 ns at 128x64, 208 at 64x128.</summary>
    public const double BytePerRow = 0.7;

    /// <summary>Byte codes times float: per 16 weights of a padded row (one widening load, a conversion, a multiply-add).</summary>
    public const double BytePer16 = 0.29;

    /// <summary>xor/popcount: per group of 8 rows, its epilogue (bias, stores). The three xor/popcount figures fit
    /// `--costs` (benchmarks/QuantGen.Benchmarks) at 1024x64 (one word) and 1024x256 (four words), 2x2 and 3x3 planes,
    /// and a timing of the kernel alone on 4x8 to 128x64 (one to sixteen groups: 27 to 116 ns at 2x2, within 10%).</summary>
    public const double XnorPerGroup = 1.3;

    /// <summary>xor/popcount: per group of 8 rows and plane pair, summing the byte counters into the 8 rows' counts
    /// and the counts into their sums.</summary>
    public const double XnorPerGroupPair = 0.9;

    /// <summary>xor/popcount: per group of 8 rows, plane pair and 64-bit word (one 512-bit xor, a byte permute and an
    /// affine transform counting it, two adds).</summary>
    public const double XnorPerGroupWordPair = 0.4;

    /// <summary>A convolution's patch gathered and its output column scattered, per value, when a kernel takes one patch per call.</summary>
    public const double PatchPerValue = 1.0;

    /// <summary>The float convolution: per weight and output position (vectors of 16 positions, each broadcast weight
    /// feeding two of them). Refit 2026-11-26: the digits CNN's 16 -> 32 convolution (295k multiply-adds, 9,216 panel
    /// values) alone takes 4.0 to 4.3 us (a Stopwatch harness of the runtime kernel); 0.015 had it at 5.4.</summary>
    public const double FloatBatchedPerWeight = 0.011;

    /// <summary>The integer convolution: coding the input map and laying it out channels last, per input value
    /// (0.6 us of the digits CNN's 1,024-value map, profiled in benchmarks/ModelSteps).</summary>
    public const double Int8ConvPerValue = 0.6;

    /// <summary>The integer convolution: per padded weight byte and output position (vpdpbusd, 32 bytes per instruction;
    /// 2.2 us of the digits CNN's 16 -> 32 convolution, 295k of them, profiled in benchmarks/ModelSteps).</summary>
    public const double Int8ConvPerWeight = 0.0075;

    /// <summary>The xor/popcount convolution: its bit words and masks, per input value (0.4 us of the digits CNN's
    /// 1,024-value map beside the coding, which the float convolution's quantizer pays as well).</summary>
    public const double XnorConvPerValue = 0.4;

    /// <summary>The xor/popcount convolution with up to two input planes (two weight planes per pass sharing the loads):
    /// per padded position, plane pair, (tap, chunk) step and output channel (a 512-bit vector is 32 positions' words,
    /// counted by a permute and an affine transform). The digits CNN's 16 -> 32 convolution, 64 positions, 2 x 2 planes:
    /// 1.7 us beside the coding and the words.</summary>
    public const double XnorConvPerUnit = 0.023;

    /// <summary>The same with three or four input planes (one weight plane per pass): the digits CNN's convolution at
    /// 3 x 3 planes, 4.6 us beside the coding and the words.</summary>
    public const double XnorConvPerUnitWide = 0.028;

    /// <summary>The float convolution's panels: per value of every position's patch (short row copies).</summary>
    public const double PanelPerValue = 0.1;

    /// <summary>
    /// A kernel whose estimate is within this factor of the fastest one's is chosen instead when it stores fewer
    /// bytes: the estimates are no finer than ~20%, and a 2-bit model whose bit-plane table runs within that of a
    /// byte-per-code kernel should keep its quarter-byte weights (digits-uniform2: 19,704 bytes without this rule,
    /// 14,112 with it, for about the same time).
    /// </summary>
    public const double SizeTolerance = 1.25;

    /// <summary>Every call: span slicing, argument checks, the epilogue loop's setup.</summary>
    public const double PerCall = 20;
}
