namespace QuantGen.Runtime;

/// <summary>
/// The layout arithmetic of the fast kernels' weight formats: how rows are padded, grouped and blocked,
/// and how much scratch each kernel needs. One file, compiled into the runtime (whose kernels read these
/// layouts) and linked into the generator (whose planner writes them), as the Regex generator links the
/// runtime's parser: the two can never disagree, so no test has to hold two copies together.
/// </summary>
/// <remarks>Plain C# that builds for netstandard2.0 (the generator) and net10.0 (the runtime): no spans, no intrinsics.</remarks>
internal static class KernelGeometry
{
    /// <summary>Every tensor in a model's parameter blob starts at a multiple of this (one cache line, one Vector512).</summary>
    public const int BlobAlignment = 64;

    /// <summary>Rows of one block of the bit-plane table kernel: one permute looks up 16 rows.</summary>
    public const int LutBlockRows = 16;

    /// <summary>Bits per padded row of the xor/popcount kernel: a whole Vector512, so no path has a tail loop.</summary>
    public const int XnorRowBits = 512;

    /// <summary>Bytes per padded row of the integer kernel: a whole Vector512 of bytes.</summary>
    public const int Int8RowAlignment = 64;

    /// <summary>A byte count rounded up to <see cref="BlobAlignment"/>: the space a tensor takes in the blob.</summary>
    public static long Aligned(long bytes) => (bytes + BlobAlignment - 1) / BlobAlignment * BlobAlignment;

    /// <summary>64-bit words per row and plane of the xor/popcount kernel: the columns rounded up to <see cref="XnorRowBits"/>.</summary>
    public static int XnorRowWords(int cols) => (cols + XnorRowBits - 1) / XnorRowBits * (XnorRowBits / 64);

    /// <summary>
    /// Floats of scratch the xor/popcount kernel needs for one input: the cleaned input and its
    /// reconstruction (cols each), the codes, one byte per padded column (words * 64 bytes = words * 16
    /// floats), and the packed activation planes (bits * words * 8 bytes = bits * words * 2 floats).
    /// </summary>
    public static int XnorScratchFloats(int cols, int activationBits) => 2 * cols + XnorRowWords(cols) * 16 + activationBits * XnorRowWords(cols) * 2;

    /// <summary>
    /// Rows of at most this many real 64-bit words (128 columns) are counted with scalar POPCNT over those
    /// words: a 512-bit vector would be mostly row padding (CharLm's hidden-128 LSTM ran 4x slower through it).
    /// </summary>
    public const int XnorShortRowWords = 2;

    /// <summary>Whether a row of <paramref name="cols"/> columns takes the scalar POPCNT path of the xor/popcount kernel.</summary>
    public static bool XnorShortRows(int cols) => (cols + 63) / 64 <= XnorShortRowWords;

    /// <summary>Floats of the xor/popcount scratch that hold the input's codes, one byte per padded column; they follow the 2 * cols floats of cleaned input and reconstruction.</summary>
    public static int XnorCodeFloats(int cols) => XnorRowWords(cols) * 16;

    /// <summary>Floats of the xor/popcount scratch that hold the packed activation planes; they follow the codes.</summary>
    public static int XnorActivationPlaneFloats(int cols, int activationBits) => activationBits * XnorRowWords(cols) * 2;

    /// <summary>Bytes of a xor/popcount weight matrix: [row][plane][row words].</summary>
    public static long XnorPlaneBytes(int rows, int cols, int planes) => (long)rows * planes * XnorRowWords(cols) * 8;

    /// <summary>Groups of 8 columns in a row of the table kernel (one byte per row and group).</summary>
    public static int LutGroups(int cols) => (cols + 7) / 8;

    /// <summary>Blocks of <see cref="LutBlockRows"/> rows.</summary>
    public static int LutBlocks(int rows) => (rows + LutBlockRows - 1) / LutBlockRows;

    /// <summary>Floats of scratch the tables of one input take: 16 partial sums for every 4 columns.</summary>
    public static int LutTableFloats(int cols) => LutGroups(cols) * 2 * 16;

    /// <summary>Bytes of the table kernel's plane stream: [block][plane][group][16 rows].</summary>
    public static long LutPlaneBytes(int rows, int cols, int planes) => (long)LutBlocks(rows) * planes * LutGroups(cols) * LutBlockRows;

    /// <summary>Floats of the table kernel's plane scales: [block][plane][16 rows].</summary>
    public static long LutPlaneScaleFloats(int rows, int planes) => (long)LutBlocks(rows) * planes * LutBlockRows;

    /// <summary>Floats of the table kernel's per-row multiples of sum(x), padded to whole blocks.</summary>
    public static long LutSumScaleFloats(int rows) => (long)LutBlocks(rows) * LutBlockRows;

    /// <summary>Bytes per weight row of the integer kernel: the columns rounded up to <see cref="Int8RowAlignment"/>.</summary>
    public static int Int8RowBytes(int cols) => (cols + Int8RowAlignment - 1) / Int8RowAlignment * Int8RowAlignment;

    /// <summary>Floats of scratch the integer kernel needs: the input's codes, one byte per padded column.</summary>
    public static int Int8ScratchFloats(int cols) => Int8RowBytes(cols) / 4;

    /// <summary>Output channels per block of the convolution's weights (the channels one pass of the kernel computes):
    /// the blocked layout keeps 8 channels' weights for one (channel, ky, kx) in 32 consecutive bytes, so a pass
    /// broadcasts each from one base address, and a layer of few channels pads to 8, not more.</summary>
    public const int ConvChannelBlock = 8;

    /// <summary>Output channels rounded up to whole blocks of <see cref="ConvChannelBlock"/>.</summary>
    public static int ConvBlockedChannels(int outChannels) => (outChannels + ConvChannelBlock - 1) / ConvChannelBlock * ConvChannelBlock;

    /// <summary>Where weight [o][k] (k = (channel, ky, kx) in PyTorch's order, of <paramref name="k"/>) sits in the
    /// blocked layout [o / 16][k][o % 16]; channels past the last are zero.</summary>
    public static int ConvBlockedIndex(int o, int kIndex, int k) => ((o / ConvChannelBlock * k) + kIndex) * ConvChannelBlock + (o % ConvChannelBlock);

    /// <summary>Positions per panel at most: the widest vector's float lanes.</summary>
    public const int ConvPanelPositions = 16;

    /// <summary>
    /// Floats of scratch the float convolution needs: the input map zero-padded on every side, and one panel
    /// (each (channel, ky, kx)'s input for up to 16 output positions).
    /// </summary>
    public static int ConvScratchFloats(int channels, int height, int width, int kernelH, int kernelW, int paddingH, int paddingW) =>
        channels * (height + 2 * paddingH) * (width + 2 * paddingW) + channels * kernelH * kernelW * ConvPanelPositions;
}
