namespace QuantGen.Generator.Model;

/// <summary>
/// The kernel that computes one weight matrix, chosen by the kernel strategy registry
/// (Strategies/KernelRegistry.cs). Each has a strategy file in Strategies/ and a runtime kernel.
/// </summary>
internal enum KernelKind
{
    /// <summary>Float32 weights: four rows per pass of vector multiply-adds (runtime DenseKernels.Float).</summary>
    Float,
    /// <summary>Integer codes of up to 8 bits times a uniform input of up to 8 bits, by integer dot products (runtime Int8).</summary>
    Int8,
    /// <summary>Integer codes of up to 4 bits, two per byte, times a uniform input of up to 8 bits, by integer dot products (runtime Int8.DenseNibbles).</summary>
    Int4,
    /// <summary>A convolution's uniform codes of up to 8 bits times its uniform input on [0, hi], by integer dot products over a channels-last code map (runtime ConvolutionKernels.Integer).</summary>
    Int8Conv,
    /// <summary>Low-bit weights as {0, 1} bit-planes times float activations, by tables of partial sums (runtime PlaneLut).</summary>
    PlaneLut,
    /// <summary>Integer codes of up to 8 bits, one byte each, widened to float and multiplied with a float input (runtime ByteCodes).</summary>
    ByteCodes,
    /// <summary>Multi-bit binary weights times online multi-bit binary activations, by xor and popcount (runtime Xnor).</summary>
    Xnor,
    /// <summary>The same product over a row-major layout, blocks of 32 rows with byte k of each row together, counted by the
    /// activation bytes' nibble tables (runtime Xnor.DenseRows): planned where AVX2 is the target.</summary>
    XnorRows,
    /// <summary>A convolution's multi-bit binary weights times its input map coded online by alternating quantization, by xor and popcount over channels-last bit words (runtime ConvolutionKernels.Xnor).</summary>
    XnorConv,
    /// <summary>Any codec, decoded a row at a time to float, then a dot product (runtime DenseKernels): the fallback.</summary>
    DecodeRow,
    /// <summary>An embedding table: the token's row decoded (runtime EmbeddingLookup).</summary>
    Lookup,
}

/// <summary>What a tensor in the parameter blob holds; the property that reads it is named L{layer}{part}{role}.</summary>
internal enum TensorRole
{
    FloatWeights,
    Codes,
    Scales,
    ZeroPoints,
    Levels,
    Coefficients,
    Bias,
    LutPlanes,
    LutPlaneScales,
    LutSumScales,
    XnorPlanes,
    Int8Codes,
    Int4Codes,
    Int8Product,
    Int8Constant,
    Int8PerSum,
    ByteCodes,
    ByteScales,
    ByteOffsets,
}

/// <summary>How the emitted property reads a tensor.</summary>
internal enum TensorKind
{
    Bytes,
    Floats,
    Int32s,
}

/// <param name="Name">The generated property: L{layer}{part}{role}.</param>
/// <param name="Part">Which of the layer's matrices (LayerMatrix.Part): "" for the only one, "Input" or "Recurrent".</param>
/// <param name="Offset">Where the tensor starts in the blob, a multiple of KernelGeometry.BlobAlignment.</param>
/// <param name="Count">Elements of <paramref name="Kind"/>.</param>
internal sealed record TensorPlan(string Name, int Layer, string Part, TensorRole Role, TensorKind Kind, int Offset, int ByteLength, int Count, string Description);

/// <summary>
/// One weight matrix (y = W x + b, or a table looked up by row) and the kernel strategy chosen for it.
/// </summary>
/// <param name="Data">The prefix of its tensors' properties, L{layer}{part}.</param>
/// <param name="Codec">The weights' codec in the description.</param>
/// <param name="Bits">The weight codes' bit width (0 for float).</param>
/// <param name="Planes">{0, 1} planes of the table kernel; 0 for other kernels.</param>
/// <param name="Input">The quantizer applied to this matrix's input (the layer's, or an LSTM/GRU's recurrent quantizer), or null.</param>
/// <param name="FusesInput">The kernel codes its input itself: the emitter passes the unquantized vector and runs no quantizer.</param>
/// <param name="InputOnGrid">The input already holds <paramref name="Input"/>'s levels (h under a uniform hidden quantizer): no quantizer runs before the kernel.</param>
/// <param name="Products">Products per call: a convolution's output positions, 1 otherwise.</param>
/// <param name="Batched">The kernel takes all <paramref name="Products"/> patches in one call.</param>
/// <param name="ScratchFloats">Floats of kernel scratch one product needs.</param>
/// <param name="WeightBytes">Bytes of this matrix's tensors in the blob (without alignment padding).</param>
/// <param name="Summary">The codec, e.g. "Uniform 4-bit signed, per-row scale".</param>
/// <param name="Reason">Why this kernel, and the bounds it relies on: the generated comment.</param>
/// <param name="SplitThreads">Threads the rows are split across (runtime RowSplit); 1: the calling thread alone.</param>
/// <param name="SharedCodes">Where the slot this xor/popcount matrix shares with another reader of the same vector starts in
/// the model's shared-codes memory (Plan/SharedCodes.cs); -1: none, the kernel codes its input every call.</param>
internal sealed record MatrixPlan(
    string Part,
    string Data,
    KernelKind Kernel,
    QuantGen.Schema.Weights.CodecOneofCase Codec,
    int Rows,
    int Cols,
    int Bits,
    bool Signed,
    bool HasZeroPoints,
    int Planes,
    QuantizerPlan? Input,
    bool FusesInput,
    bool InputOnGrid,
    bool HasBias,
    int Products,
    bool Batched,
    int ScratchFloats,
    long WeightBytes,
    string Summary,
    string Reason,
    int SplitThreads = 1,
    int SharedCodes = -1);
