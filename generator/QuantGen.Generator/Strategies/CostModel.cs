using System.Collections.Generic;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Estimated nanoseconds per product of each kernel, so that the registry can pick the faster of two
/// kernels that can compute the same matrix (xor/popcount over the input's codes, or the bit-plane table
/// over their reconstruction; integer dot products, or the bit-plane table over the quantized input).
/// One table per instruction set a plan can be made for (<see cref="Model.CpuTarget"/>): every kernel runs
/// everywhere, but which of two is faster depends on the vector width (an AVX2 permute looks up 8 entries, not 16;
/// without VNNI a byte dot product takes two instructions or four).
/// </summary>
/// <remarks>
/// <see cref="Avx512"/>: calibrated on the development machine kind (AMD EPYC Zen 5, AVX-512, one thread) with
/// `dotnet run -c Release --project benchmarks/QuantGen.Benchmarks -- --costs`, which times every strategy's
/// kernel by thread CPU time on the matrix shapes of the whole-model benchmark (benchmarks/ModelSteps: 10 to
/// 1024 rows, 64 to 256 columns). Each kernel's fixed and per-unit parts were solved from two shapes (or two
/// plane counts) of that run and checked against the others (docs/kernels.md, "The cost model"). Only the
/// order of two estimates matters, so the constants are rounded; estimates within ~20% of each other are a
/// toss-up either way (the run-to-run noise on this shared machine is of that order).
/// </remarks>
internal sealed record CostModel
{
    /// <summary>AVX-512 with VBMI, GFNI and AVX-VNNI (the figures below each property).</summary>
    public static CostModel Avx512 { get; } = new()
    {
        FloatPerWeight = 0.045,
        DecodePerWeight = 0.9,
        Int8PerColumn = 0.2,
        Int8PerRow = 0.5,
        Int8Per32Bytes = 0.27,
        LutPerTable = 1.4,
        LutPerCall = 20,
        LutPerBlock = 3,
        LutPerBlockPlane = 0.6,
        LutPerBlockGroup = 0.79,
        BytePerRow = 0.7,
        BytePer16 = 0.29,
        XnorPerGroup = 1.3,
        XnorPerGroupPair = 0.9,
        XnorPerGroupWordPair = 0.4,
        XnorRowsPerBlock = 12,
        XnorRowsPerBlockPair = 3.7,
        XnorRowsPerBlockPairByte = 0.65,
        PatchPerValue = 1.0,
        FloatBatchedPerWeight = 0.011,
        Int8ConvPerValue = 0.6,
        Int8ConvPerWeight = 0.0075,
        XnorConvPerValue = 0.4,
        XnorConvPerUnit = 0.023,
        XnorConvPerUnitWide = 0.028,
        PanelPerValue = 0.1,
        SizeTolerance = 1.25,
        PerCall = 20,
        Int8Per32BytesWide = 0.27,
        Int4Per64Columns = 1.15,
        Int4Per64ColumnsWide = 3.3,
        Int8ConvPerWeightWide = 0.0075,
        XnorConvPairsUpTo = 2,
    };

    /// <summary>
    /// AVX2 with FMA, without AVX-512 and VNNI: refit 2026-11-26 from `--costs` on an AMD EPYC that exposes AVX2 only
    /// (kernel path Vector256). Per unit: the integer kernel 0.74 to 0.78 ns per 32 bytes with 8-bit codes (widening) and
    /// 0.49 to 0.51 below 8 bits (vpmaddubsw), 0.7 ns per row beside them, the input coding 0.3 to 0.4 ns per column (since
    /// its AVX2 step of 32 values); byte codes 1.1 ns per row and 0.77 to 1.0 per 16 bytes (since fused multiply-adds); the
    /// tables 2.3 to 3.1 ns per group of 4 columns (5.5 before they were built in Vector256 halves, 2026-11-27) and 3.9 to
    /// 4.1 ns per block, plane and group (three instructions per lookup where AVX-512 has one), refit 2026-11-27 after AVX2 took
    /// its own pair tables (PlaneLut.Avx2.cs: four in-lane permutes per byte) to 2.6 to 3.1 ns per block, plane and group and
    /// 2.7 to 3.6 ns per 4 columns of tables; xor/popcount 1.7 ns per group and pair and 1.7 per word beside it (1024 x 64 and 1024 x 256
    /// at 2 x 2 and 3 x 3, 1.9 to 4.1 us and 4.7 to 9.6 us since the short-row loop; 2.4 and 1.85 before); the digits CNN's 16 -> 32 convolution 9.1 us in float (0.028 ns per weight and position), 9.3
    /// to 9.6 us with 8-bit input codes (0.03; 14.2 us before the 7-bit and top-bit split) and 6.6 to 6.9 us below 8 bits
    /// (0.021), refit 2026-11-27 after its output stores and code map lost their per-byte loops to 7.9 us (0.025) and 5.0 us
    /// (0.015), and by xor/popcount 0.11 ns per unit at 2 x 2 and 0.083 at 3 x 3 (weight planes paired up to three code
    /// planes), refit 2026-11-27 after the counting took the weights' nibble tables (ConvolutionKernels.XnorTables.cs) to
    /// 0.067 at 2 x 2 and 0.059 at 3 x 3 (6.6 and 12.4 us with the coding), and 0.055 at 4 x 4 (21 us; 28 before) in a
    /// Stopwatch harness. The rest as AVX-512.
    /// </summary>
    public static CostModel Avx2 { get; } = Avx512 with
    {
        FloatPerWeight = 0.055,
        Int8PerColumn = 0.35,
        Int8PerRow = 0.7,
        Int8Per32Bytes = 0.5,
        Int8Per32BytesWide = 0.72,
        Int4Per64Columns = 1.15,
        Int4Per64ColumnsWide = 3.3,
        BytePerRow = 1.1,
        BytePer16 = 0.8,
        LutPerTable = 2.7,
        LutPerBlockGroup = 2.7,
        XnorPerGroupPair = 1.7,
        XnorPerGroupWordPair = 1.7,
        FloatBatchedPerWeight = 0.028,
        Int8ConvPerWeight = 0.015,
        Int8ConvPerWeightWide = 0.025,
        XnorConvPerUnit = 0.067,
        XnorConvPerUnitWide = 0.055,
        XnorConvPairsUpTo = 3,
    };

    /// <summary>
    /// Both tables (<see cref="Model.CpuTarget.Portable"/>): the registry weighs each kernel against the best of each table
    /// (<see cref="KernelRegistry.Choose"/>). Its own figures, which nothing compares across kernels, are AVX-512's.
    /// </summary>
    public static CostModel Portable { get; } = Avx512 with { Across = [Avx512, Avx2] };

    /// <summary>The table for <paramref name="target"/>.</summary>
    public static CostModel For(Model.CpuTarget target) => target switch
    {
        Model.CpuTarget.Avx2 => Avx2,
        Model.CpuTarget.Portable => Portable,
        _ => Avx512,
    };

    /// <summary>The tables a choice must hold up on: both for <see cref="Portable"/>, else this one.</summary>
    public IReadOnlyList<CostModel> Tables => Across ?? [this];

    /// <summary>Set only on <see cref="Portable"/>.</summary>
    private IReadOnlyList<CostModel>? Across { get; init; }

    /// <summary>The integer kernel with 8-bit input codes, per 32 weight bytes (AVX2 without VNNI widens them to 16 bits
    /// instead of taking vpmaddubsw, whose pair sums 8-bit codes could overflow).</summary>
    public double Int8Per32BytesWide { get; init; }

    /// <summary>The integer convolution with 8-bit input codes, per padded weight byte and position (AVX2 splits each
    /// code into its low 7 bits and its top bit: five instructions per 32 bytes instead of three).</summary>
    public double Int8ConvPerWeightWide { get; init; }

    /// <summary>Up to this many input planes the xor/popcount convolution pairs weight planes (<see cref="XnorConvPerUnit"/>).</summary>
    public int XnorConvPairsUpTo { get; init; }

    /// <summary>Float32, four rows per pass: per weight (streams 4 bytes per weight from L2/L3).</summary>
    public double FloatPerWeight { get; init; }

    /// <summary>Decoding a row of codes to float, then a dot product: per weight.</summary>
    public double DecodePerWeight { get; init; }

    /// <summary>Integer kernel: coding the input, per column.</summary>
    public double Int8PerColumn { get; init; }

    /// <summary>Integer kernel: per row (its share of a four-row pass, the horizontal sums and the epilogue). This and
    /// the next refit 2026-11-26 after the interleaved layout and the once-per-product path choice: `--costs` gave
    /// 1.06 ns per row at 1024x64 (two 32-byte steps) and 2.69 at 1024x256 (eight), 117 ns at 64x128, 30 at 10x64.</summary>
    public double Int8PerRow { get; init; }

    /// <summary>Integer kernel: per 32 weight bytes of a padded row (one vpdpbusd, or two widening multiply-adds).</summary>
    public double Int8Per32Bytes { get; init; }

    /// <summary>Integer kernel on codes two per byte, inputs of up to 4 bits: per 64 columns of a padded row (32 bytes: two
    /// masks and two vpmaddubsw on AVX2, which AVX-512 machines run too).</summary>
    public double Int4Per64Columns { get; init; }

    /// <summary>Integer kernel on codes two per byte, inputs of 5 to 8 bits: per 64 columns of a padded row (each nibble
    /// shifted, masked and flipped to a signed byte, then the byte layout's multiply).</summary>
    public double Int4Per64ColumnsWide { get; init; }

    /// <summary>Table kernel: building the tables, per group of 4 columns (1.3 to 1.7 ns on 64 to 256 columns since the
    /// whole groups skip the padding checks).</summary>
    public double LutPerTable { get; init; }

    /// <summary>Table kernel: every call, beside <see cref="PerCall"/> (the tables' and the block loop's setup: a
    /// 10 x 64 matrix takes about 40 ns beyond its tables and lookups).</summary>
    public double LutPerCall { get; init; }

    /// <summary>Table kernel: per 16-row block (the epilogue of its rows, one vector operation per block on AVX-512:
    /// 1024x64 at 2, 3, 4 and 8 planes gives 2 to 4 ns per block beside the lookups).</summary>
    public double LutPerBlock { get; init; }

    /// <summary>Table kernel: per 16-row block and plane (the plane's scales).</summary>
    public double LutPerBlockPlane { get; init; }

    /// <summary>Table kernel: per 16-row block, plane and group of 8 columns (two permutes and adds).</summary>
    public double LutPerBlockGroup { get; init; }

    /// <summary>Byte codes times float: per row (its share of a four-row pass, the tree of totals and the epilogue).
    /// This and the next refit 2026-11-26 after the pass was inlined: `--costs` gave 1.83 ns per row at 1024x64 (four
    /// 16-byte steps) and 5.28 at 1024x256 (sixteen), 246 ns at 128x64, 208 at 64x128.</summary>
    public double BytePerRow { get; init; }

    /// <summary>Byte codes times float: per 16 weights of a padded row (one widening load, a conversion, a multiply-add).</summary>
    public double BytePer16 { get; init; }

    /// <summary>xor/popcount: per group of 8 rows, its epilogue (bias, stores). The three xor/popcount figures fit
    /// `--costs` (benchmarks/QuantGen.Benchmarks) at 1024x64 (one word) and 1024x256 (four words), 2x2 and 3x3 planes,
    /// and a timing of the kernel alone on 4x8 to 128x64 (one to sixteen groups: 27 to 116 ns at 2x2, within 10%).</summary>
    public double XnorPerGroup { get; init; }

    /// <summary>xor/popcount: per group of 8 rows and plane pair, summing the byte counters into the 8 rows' counts
    /// and the counts into their sums.</summary>
    public double XnorPerGroupPair { get; init; }

    /// <summary>xor/popcount: per group of 8 rows, plane pair and 64-bit word (one 512-bit xor, a byte permute and an
    /// affine transform counting it, two adds).</summary>
    public double XnorPerGroupWordPair { get; init; }

    /// <summary>The row-major xor/popcount product (runtime Xnor.Rows.cs) per block of 32 rows, per block and plane pair (the
    /// epilogue), and per block, plane pair and byte of a row. Its loop is 256-bit code on every x64 machine: the figures
    /// are the AVX2 machine's (2026-11-27, `--costs`: 1024 x 256 and 1024 x 64 at 2 x 2 and 3 x 3, 1.53 to 7.44 us, solved
    /// from those four; the word product compiled for the shape 1.61 to 9.21 us),
    /// in both tables; on AVX-512 the word-interleaved product's figures are far below them, so it is not chosen there.</summary>
    public double XnorRowsPerBlock { get; init; }

    /// <summary><see cref="XnorRowsPerBlock"/>.</summary>
    public double XnorRowsPerBlockPair { get; init; }

    /// <summary><see cref="XnorRowsPerBlock"/>.</summary>
    public double XnorRowsPerBlockPairByte { get; init; }

    /// <summary>A convolution's patch gathered and its output column scattered, per value, when a kernel takes one patch per call.</summary>
    public double PatchPerValue { get; init; }

    /// <summary>The float convolution: per weight and output position (vectors of 16 positions, each broadcast weight
    /// feeding two of them). Refit 2026-11-26: the digits CNN's 16 -> 32 convolution (295k multiply-adds, 9,216 panel
    /// values) alone takes 4.0 to 4.3 us (a Stopwatch harness of the runtime kernel); 0.015 had it at 5.4.</summary>
    public double FloatBatchedPerWeight { get; init; }

    /// <summary>The integer convolution: coding the input map and laying it out channels last, per input value
    /// (0.6 us of the digits CNN's 1,024-value map, profiled in benchmarks/ModelSteps).</summary>
    public double Int8ConvPerValue { get; init; }

    /// <summary>The integer convolution: per padded weight byte and output position (vpdpbusd, 32 bytes per instruction;
    /// 2.2 us of the digits CNN's 16 -> 32 convolution, 295k of them, profiled in benchmarks/ModelSteps).</summary>
    public double Int8ConvPerWeight { get; init; }

    /// <summary>The xor/popcount convolution: its bit words and masks, per input value (0.4 us of the digits CNN's
    /// 1,024-value map beside the coding, which the float convolution's quantizer pays as well).</summary>
    public double XnorConvPerValue { get; init; }

    /// <summary>The xor/popcount convolution with up to two input planes (two weight planes per pass sharing the loads):
    /// per padded position, plane pair, (tap, chunk) step and output channel (a 512-bit vector is 32 positions' words,
    /// counted by a permute and an affine transform). The digits CNN's 16 -> 32 convolution, 64 positions, 2 x 2 planes:
    /// 1.7 us beside the coding and the words.</summary>
    public double XnorConvPerUnit { get; init; }

    /// <summary>The same with three or four input planes (one weight plane per pass): the digits CNN's convolution at
    /// 3 x 3 planes, 4.6 us beside the coding and the words.</summary>
    public double XnorConvPerUnitWide { get; init; }

    /// <summary>The float convolution's panels: per value of every position's patch (short row copies).</summary>
    public double PanelPerValue { get; init; }

    /// <summary>
    /// A kernel whose estimate is within this factor of the fastest one's is chosen instead when it stores fewer
    /// bytes: the estimates are no finer than ~20%, and a 2-bit model whose bit-plane table runs within that of a
    /// byte-per-code kernel should keep its quarter-byte weights (digits-uniform2: 19,704 bytes without this rule,
    /// 14,112 with it, for about the same time).
    /// </summary>
    public double SizeTolerance { get; init; }

    /// <summary>Every call: span slicing, argument checks, the epilogue loop's setup.</summary>
    public double PerCall { get; init; }
}
