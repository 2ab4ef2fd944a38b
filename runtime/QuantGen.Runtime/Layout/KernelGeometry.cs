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

    /// <summary>Rows of one group of the xor/popcount kernel's layout: one Vector512 holds one 64-bit word of each.</summary>
    public const int XnorGroupRows = 8;

    /// <summary>Bytes per padded row of the integer kernel: a whole Vector512 of bytes.</summary>
    public const int Int8RowAlignment = 64;

    /// <summary>Rows of one block of the integer kernel's layout: the rows one pass computes, stored interleaved.</summary>
    public const int Int8BlockRows = 4;

    /// <summary>
    /// Bytes of one row in a run of the integer kernel's interleaved layout: the widest step any of its paths
    /// multiplies (32 bytes, one AVX-VNNI vpdpbusd), so every path's step lies inside one chunk.
    /// </summary>
    public const int Int8Chunk = 32;

    /// <summary>Bytes of one run of a block of the integer kernel's layout: a chunk of each of the block's four rows.</summary>
    public const int Int8RunBytes = Int8BlockRows * Int8Chunk;

    /// <summary>Columns of one row in a run of the nibble layout (<see cref="Int4Index"/>): its 32 bytes hold two codes each.</summary>
    public const int Int4Chunk = 2 * Int8Chunk;

    /// <summary>
    /// The largest count a generated call may fix as a type argument (the runtime's <c>Fixed1</c> .. <c>Fixed4</c>): a
    /// kernel specialized per layer is compiled once per shape, so only the small counts, where a loop's set-up costs
    /// as much as its work, get a type of their own.
    /// </summary>
    public const int LargestFixedCount = 4;

    /// <summary>A byte count rounded up to <see cref="BlobAlignment"/>: the space a tensor takes in the blob.</summary>
    public static long Aligned(long bytes) => (bytes + BlobAlignment - 1) / BlobAlignment * BlobAlignment;

    /// <summary>64-bit words per row and plane of the xor/popcount kernel: the columns rounded up to 64.</summary>
    public static int XnorRowWords(int cols) => (cols + 63) / 64;

    /// <summary>Groups of <see cref="XnorGroupRows"/> rows of the xor/popcount kernel (the last one zero-padded).</summary>
    public static int XnorGroups(int rows) => (rows + XnorGroupRows - 1) / XnorGroupRows;

    /// <summary>
    /// Floats of scratch the xor/popcount kernel needs for one input: the cleaned input and its
    /// reconstruction (cols each), the codes, one byte per padded column (words * 64 bytes = words * 16
    /// floats), and the packed activation planes (bits * words * 8 bytes = bits * words * 2 floats).
    /// </summary>
    public static int XnorScratchFloats(int cols, int activationBits) => 2 * cols + XnorCodeFloats(cols) + XnorActivationPlaneFloats(cols, activationBits);

    /// <summary>Floats of the xor/popcount scratch that hold the input's codes, one byte per padded column; they follow the 2 * cols floats of cleaned input and reconstruction.</summary>
    public static int XnorCodeFloats(int cols) => XnorRowWords(cols) * 16;

    /// <summary>Floats of the xor/popcount scratch that hold the packed activation planes; they follow the codes.</summary>
    public static int XnorActivationPlaneFloats(int cols, int activationBits) => activationBits * XnorRowWords(cols) * 2;

    /// <summary>
    /// Floats of a slot that keeps one coded input for a second kernel reading the same vector (an LSTM's h, coded by
    /// the next layer at one step and by the recurrent product at the next): the activation planes, the betas, a
    /// marker, and the input itself (the key: the slot is used only for an input equal to it bit for bit).
    /// </summary>
    public static int XnorSharedCodesFloats(int cols, int activationBits) => XnorActivationPlaneFloats(cols, activationBits) + activationBits + 1 + cols;

    /// <summary>Bytes of a xor/popcount weight matrix: [group][plane][row words][8 rows].</summary>
    public static long XnorPlaneBytes(int rows, int cols, int planes) => (long)XnorGroups(rows) * XnorGroupRows * planes * XnorRowWords(cols) * 8;

    /// <summary>Floats of the xor/popcount kernel's coefficients: [group][plane][8 rows], zero past the last row.</summary>
    public static int XnorCoefficientFloats(int rows, int planes) => XnorGroups(rows) * XnorGroupRows * planes;

    /// <summary>Where weight word <paramref name="word"/> of row <paramref name="row"/>, plane <paramref name="plane"/> sits in the
    /// xor/popcount layout, in 64-bit words.</summary>
    public static long XnorWordIndex(int row, int plane, int word, int planes, int words) =>
        (((long)(row / XnorGroupRows) * planes + plane) * words + word) * XnorGroupRows + row % XnorGroupRows;

    /// <summary>Where coefficient [row][plane] sits in the xor/popcount layout.</summary>
    public static int XnorCoefficientIndex(int row, int plane, int planes) =>
        ((row / XnorGroupRows) * planes + plane) * XnorGroupRows + row % XnorGroupRows;

    /// <summary>Rows of one block of the row-major xor/popcount layout (<see cref="XnorRowsPlaneBytes"/>): one byte of each in a
    /// 256-bit vector.</summary>
    public const int XnorRowsBlockRows = 32;

    /// <summary>Blocks of <see cref="XnorRowsBlockRows"/> rows (the last one zero-padded).</summary>
    public static int XnorRowsBlocks(int rows) => (rows + XnorRowsBlockRows - 1) / XnorRowsBlockRows;

    /// <summary>Bytes of a row-major xor/popcount weight matrix: [block of 32 rows][plane][byte of the row][32 rows], rows
    /// padded to 64-bit words as in <see cref="XnorPlaneBytes"/> (byte k holds columns 8k .. 8k + 7).</summary>
    public static long XnorRowsPlaneBytes(int rows, int cols, int planes) => (long)XnorRowsBlocks(rows) * planes * XnorRowWords(cols) * 8 * XnorRowsBlockRows;

    /// <summary>Floats of the row-major layout's coefficients: [block][plane][32 rows], zero past the last row.</summary>
    public static int XnorRowsCoefficientFloats(int rows, int planes) => XnorRowsBlocks(rows) * planes * XnorRowsBlockRows;

    /// <summary>Where weight byte <paramref name="rowByte"/> of row <paramref name="row"/>, plane <paramref name="plane"/> sits in the
    /// row-major xor/popcount layout.</summary>
    public static long XnorRowsByteIndex(int row, int plane, int rowByte, int planes, int words) =>
        (((long)(row / XnorRowsBlockRows) * planes + plane) * words * 8 + rowByte) * XnorRowsBlockRows + row % XnorRowsBlockRows;

    /// <summary>Where coefficient [row][plane] sits in the row-major xor/popcount layout.</summary>
    public static int XnorRowsCoefficientIndex(int row, int plane, int planes) =>
        ((row / XnorRowsBlockRows) * planes + plane) * XnorRowsBlockRows + row % XnorRowsBlockRows;

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

    /// <summary>Blocks of <see cref="Int8BlockRows"/> rows of the integer kernel (the last one zero-padded).</summary>
    public static int Int8Blocks(int rows) => (rows + Int8BlockRows - 1) / Int8BlockRows;

    /// <summary>Bytes of the integer kernel's weights: whole blocks of <see cref="Int8BlockRows"/> padded rows.</summary>
    public static long Int8WeightBytes(int rows, int cols) => (long)Int8Blocks(rows) * Int8BlockRows * Int8RowBytes(cols);

    /// <summary>
    /// Where weight [row][col] sits in the integer kernel's layout [block][chunk][row % 4][32 bytes]: a pass over a
    /// block of four rows reads one sequential stream (four separate row streams measured about 25 % below the
    /// machine's read bandwidth at 2600x1300, one stream at it). A block starts at row / 4 * 4 * the padded row
    /// bytes, so rows split in multiples of four start at row * the padded row bytes, as in a row-major layout.
    /// </summary>
    public static long Int8Index(int row, int col, int cols) =>
        ((long)(row / Int8BlockRows) * Int8RowBytes(cols)) * Int8BlockRows
        + ((long)(col / Int8Chunk) * Int8BlockRows + (row % Int8BlockRows)) * Int8Chunk + (col % Int8Chunk);

    /// <summary>Bytes per weight row of the integer kernel's nibble layout: the padded columns of <see cref="Int8RowBytes"/>, two per byte.</summary>
    public static int Int4RowBytes(int cols) => Int8RowBytes(cols) / 2;

    /// <summary>Bytes of the integer kernel's weights in the nibble layout: whole blocks of <see cref="Int8BlockRows"/> padded rows.</summary>
    public static long Int4WeightBytes(int rows, int cols) => (long)Int8Blocks(rows) * Int8BlockRows * Int4RowBytes(cols);

    /// <summary>
    /// Which byte holds weight [row][col] in the nibble layout: the byte layout's blocks and runs (<see cref="Int8Index"/>),
    /// each row's run of 32 bytes holding a chunk of 64 columns, column c of the chunk in byte c % 32, the low nibble for
    /// the first 32 columns and the high one for the rest (<see cref="Int4High"/>; the nibble's bits: <see cref="Int4Nibble"/>).
    /// </summary>
    public static long Int4Index(int row, int col, int cols) =>
        ((long)(row / Int8BlockRows) * Int4RowBytes(cols)) * Int8BlockRows
        + ((long)(col / Int4Chunk) * Int8BlockRows + (row % Int8BlockRows)) * Int8Chunk + (col % Int8Chunk);

    /// <summary>Whether column <paramref name="col"/>'s code is the high nibble of its byte in the nibble layout.</summary>
    public static bool Int4High(int col) => col % Int4Chunk >= Int8Chunk;

    /// <summary>
    /// The four bits that store code <paramref name="q"/> (-8..7) in the nibble layout, already in place in its byte: a high
    /// nibble in two's complement (the byte and 0xF0 is, as a signed byte, 16 q), a low nibble offset by 8 (q + 8, 0..15: the
    /// byte and 0x0F is never negative, so AVX2 can multiply it by 16 x the input codes with vpmaddubsw and take 8 x their
    /// sum off the dot product).
    /// </summary>
    public static int Int4Nibble(int q, bool high) => high ? (q & 15) << 4 : q + 8;

    /// <summary>Floats of scratch the integer kernel needs: the input's codes, one byte per padded column.</summary>
    public static int Int8ScratchFloats(int cols) => Int8RowBytes(cols) / 4;

    /// <summary>Output channels per block of the convolution's weights (the channels one pass of the kernel computes):
    /// the blocked layout keeps 8 channels' weights for one (channel, ky, kx) in 32 consecutive bytes, so a pass
    /// broadcasts each from one base address, and a layer of few channels pads to 8, not more.</summary>
    public const int ConvChannelBlock = 8;

    /// <summary>Output channels rounded up to whole blocks of <see cref="ConvChannelBlock"/>.</summary>
    public static int ConvBlockedChannels(int outChannels) => (outChannels + ConvChannelBlock - 1) / ConvChannelBlock * ConvChannelBlock;

    /// <summary>Where weight [o][k] (k = (channel, ky, kx) in PyTorch's order, of <paramref name="k"/>) sits in the
    /// blocked layout [o / 8][k][o % 8]; channels past the last are zero.</summary>
    public static int ConvBlockedIndex(int o, int kIndex, int k) => ((o / ConvChannelBlock * k) + kIndex) * ConvChannelBlock + (o % ConvChannelBlock);

    /// <summary>Positions of the panels one pass reads at most: two of the widest vector's 16 float lanes.</summary>
    public const int ConvPanelPositions = 32;

    /// <summary>
    /// Floats of scratch the float convolution needs: the input map zero-padded on every side, and the panels
    /// (each (channel, ky, kx)'s input for up to 32 output positions).
    /// </summary>
    public static int ConvScratchFloats(int channels, int height, int width, int kernelH, int kernelW, int paddingH, int paddingW) =>
        channels * (height + 2 * paddingH) * (width + 2 * paddingW) + channels * kernelH * kernelW * ConvPanelPositions;

    /// <summary>Input channels of the integer convolution's maps and weights: rounded up to 4, the bytes one
    /// vpdpbusd lane sums (the padding channels hold code 0 and weight 0).</summary>
    public static int ConvInt8Channels(int channels) => (channels + 3) / 4 * 4;

    /// <summary>Output channels of the integer convolution's weights: whole pairs of blocks of <see cref="ConvChannelBlock"/>
    /// (a pass computes 16 channels; the channels past the last are zero).</summary>
    public static int ConvInt8OutChannels(int outChannels) => (outChannels + 2 * ConvChannelBlock - 1) / (2 * ConvChannelBlock) * (2 * ConvChannelBlock);

    /// <summary>
    /// Where the weight code of output channel <paramref name="o"/>, tap (ky, kx) = <paramref name="tap"/> (ky * kernelW + kx)
    /// and input channel <paramref name="c"/> sits in the integer convolution's layout
    /// [o / 8][tap][c / 4][o % 8][c % 4]: the 32 bytes of one (block, tap, group of 4 channels) are eight 32-bit
    /// words, one per output channel, each holding that channel's four weights for four consecutive input channels,
    /// which is what one vpdpbusd multiplies by four bytes of one position's codes.
    /// </summary>
    public static int ConvInt8Index(int o, int tap, int c, int taps, int channels)
    {
        int groups = ConvInt8Channels(channels) / 4;
        return (((o / ConvChannelBlock * taps + tap) * groups + c / 4) * ConvChannelBlock + o % ConvChannelBlock) * 4 + c % 4;
    }

    /// <summary>Bytes of the integer convolution's weights.</summary>
    public static int ConvInt8WeightBytes(int outChannels, int channels, int taps) => ConvInt8OutChannels(outChannels) * taps * ConvInt8Channels(channels);

    /// <summary>
    /// Floats of scratch the integer convolution needs: the input's codes as the quantizer makes them ([channel, y, x],
    /// rounded up to 64 bytes), then the zero-padded code map [y][x][channel] (channels rounded up to 4) and 64 spare
    /// bytes, so that every 4-byte read of a position stays inside.
    /// </summary>
    public static int ConvInt8ScratchFloats(int channels, int height, int width, int paddingH, int paddingW)
    {
        int codes = (channels * height * width + 63) / 64 * 64;
        int map = (height + 2 * paddingH) * (width + 2 * paddingW) * ConvInt8Channels(channels) + 64;
        return (codes + map + 3) / 4;
    }

    /// <summary>
    /// Bytes of one word of the xor/popcount convolution: the bits of up to 16 input channels at one pixel in 16-bit
    /// words, of more in 32-bit words (<see cref="ConvXnorChunks"/> of them). A 512-bit vector holds one word of
    /// 64 / this many output positions.
    /// </summary>
    public static int ConvXnorWordBytes(int channels) => channels <= 16 ? 2 : 4;

    /// <summary>Words per pixel, plane and tap of the xor/popcount convolution: the channels in words of
    /// <see cref="ConvXnorWordBytes"/> bytes.</summary>
    public static int ConvXnorChunks(int channels) => (channels + 8 * ConvXnorWordBytes(channels) - 1) / (8 * ConvXnorWordBytes(channels));

    /// <summary>
    /// Words before pixel 0 in each plane of the xor/popcount convolution's pixel words: with stride 1 and rows as
    /// wide as the output, a tap's words for consecutive positions are the plane's words shifted by
    /// (ky - padH) * width + kx - padW, so the plane keeps room for the most negative shift (the words there are
    /// never counted: their masks are 0).
    /// </summary>
    public static int ConvXnorPixelFront(int width, int paddingH, int paddingW) => paddingH * width + paddingW;

    /// <summary>Words per plane and chunk of the xor/popcount convolution's pixel words: the front, the pixels (whole
    /// vectors of 16), and room for the positions' vector reads at the largest shift.</summary>
    public static int ConvXnorPixelStride(int height, int width, int kernelH, int kernelW, int strideH, int strideW, int paddingH, int paddingW, int channels)
    {
        int outH = (height + 2 * paddingH - kernelH) / strideH + 1, outW = (width + 2 * paddingW - kernelW) / strideW + 1;
        int back = System.Math.Max(0, kernelH - 1 - paddingH) * width + System.Math.Max(0, kernelW - 1 - paddingW);
        int need = System.Math.Max((height * width + 15) / 16 * 16, ConvXnorPaddedPositions(outH * outW, channels) + back);
        return (ConvXnorPixelFront(width, paddingH, paddingW) + need + 15) / 16 * 16;
    }

    /// <summary>Output positions of the xor/popcount convolution rounded up to a whole vector of words.</summary>
    public static int ConvXnorPaddedPositions(int positions, int channels)
    {
        int perVector = 64 / ConvXnorWordBytes(channels);
        return (positions + perVector - 1) / perVector * perVector;
    }

    /// <summary>
    /// Where word (<paramref name="o"/>, <paramref name="plane"/>, <paramref name="tap"/>, <paramref name="chunk"/>) of
    /// the xor/popcount convolution's weights starts, in words: [output channel][plane][tap = ky * kernelW + kx][chunk],
    /// bit b of a word = input channel chunk * 8 * word bytes + b (set = +1), the bits past the last channel 0.
    /// </summary>
    public static long ConvXnorWordIndex(int o, int plane, int tap, int chunk, int planes, int taps, int chunks) =>
        (((long)o * planes + plane) * taps + tap) * chunks + chunk;

    /// <summary>Bytes of the xor/popcount convolution's weights.</summary>
    public static long ConvXnorWeightBytes(int outChannels, int channels, int taps, int planes) =>
        (long)outChannels * planes * taps * ConvXnorChunks(channels) * ConvXnorWordBytes(channels);

    /// <summary>
    /// Floats of scratch the xor/popcount convolution needs: the cleaned input and its reconstruction, the codes (whole
    /// 64-byte words and 64 spare bytes), the output channel's sums and B n(p) per padded position, the pixel words of
    /// every code plane, and the activation words: per tap and chunk, one plane of words per padded output position for
    /// each code plane and one of masks (all ones where the tap reads a pixel, 0 where it reads padding; with stride 1
    /// and rows as wide as the input's only the masks, per tap), 64 bytes aligned (64 spare bytes), then the AVX2 path's
    /// nibble maps (two bytes per code byte of every tap and chunk).
    /// </summary>
    public static int ConvXnorScratchFloats(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int paddingH, int paddingW, int activationBits)
    {
        int map = channels * height * width;
        int outH = (height + 2 * paddingH - kernelH) / strideH + 1, outW = (width + 2 * paddingW - kernelW) / strideW + 1;
        long words = ConvXnorWordBytes(channels);
        long chunks = ConvXnorChunks(channels);
        long codes = (map + 63) / 64 * 64 + 64;
        long positions = ConvXnorPaddedPositions(outH * outW, channels);
        long pixels = activationBits * chunks * ConvXnorPixelStride(height, width, kernelH, kernelW, strideH, strideW, paddingH, paddingW, channels) * words;
        // The taps' masks (stride 1 and rows as wide as the input's: the words are read in place) or words and masks, then
        // the AVX2 path's nibble maps, two bytes per code byte.
        long steps = (long)kernelH * kernelW * chunks;
        bool inPlace = strideH == 1 && strideW == 1 && outW == width;
        long activations = ((inPlace ? kernelH * kernelW : steps * (activationBits + 1)) + (2 * steps * activationBits)) * positions * words + 64;
        return (int)(2L * map + (codes + 3) / 4 + 2 * positions + (pixels + activations + 3) / 4);
    }

    /// <summary>Rows of a part when a product's rows are split across threads are a multiple of this (a table
    /// kernel's block; four cache lines of floats).</summary>
    public const int SplitAlignment = 16;

    /// <summary>The parts a product of <paramref name="rows"/> rows is split into: at most <paramref name="threads"/>,
    /// each at least <see cref="SplitAlignment"/> rows.</summary>
    public static int SplitParts(int rows, int threads) => System.Math.Max(1, System.Math.Min(threads, rows / SplitAlignment));

    /// <summary>The first row of part <paramref name="part"/> of <paramref name="parts"/> (part == parts gives rows).</summary>
    public static int SplitFirst(int rows, int parts, int part) =>
        part >= parts ? rows : (int)((long)rows * part / parts / SplitAlignment * SplitAlignment);
}
