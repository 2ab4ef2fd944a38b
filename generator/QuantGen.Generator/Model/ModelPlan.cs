namespace QuantGen.Generator.Model;

/// <summary>What a layer does.</summary>
internal enum LayerOp
{
    Dense,
    Flatten,
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
    Embedding,
    Lstm,
    Gru,
    Conv2d,
    MaxPool2d,
}

/// <summary>
/// The kernel the Planner chose for a layer. Faster kernels are added here and chosen in Planner.cs;
/// parsing, validation and the rest of the emitter do not change.
/// </summary>
internal enum KernelKind
{
    /// <summary>Nothing to compute (Flatten).</summary>
    None,
    DenseFloat,
    DenseUniform,
    DenseLevels,
    DenseMultiBinary,
    /// <summary>Low-bit weights as {0, 1} bit-planes times float activations, by tables of partial sums (runtime PlaneLut).</summary>
    DensePlaneLut,
    /// <summary>Multi-bit binary weights times online multi-bit binary activations, by xor and popcount (runtime Xnor).</summary>
    DenseXnor,
    /// <summary>Uniform 8-bit weights times a uniform 8-bit input, integer dot products (runtime Int8).</summary>
    DenseInt8,
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
    /// <summary>Embedding, LSTM, GRU, Conv2d, MaxPool2d: written by Emitter.Recurrent.cs from <see cref="LayerPlan.Sequence"/>.</summary>
    Embedding,
    Lstm,
    Gru,
    Conv2d,
    MaxPool2d,
}

internal enum QuantizerKind
{
    Uniform,
    Thresholds,
    LogQuant,
    OnlineMultiBinary,
}

/// <summary>Where a layer reads from or writes to.</summary>
internal enum BufferSlot
{
    Input,
    Output,
    /// <summary>The first of two working buffers that layers write in turn.</summary>
    A,
    B,
    /// <summary>The buffer that holds a layer's quantized input.</summary>
    Quantized,
}

/// <summary>A tensor the model stores in its parameter blob; its place is fixed by the Planner.</summary>
internal enum TensorKind
{
    Bytes,
    Floats,
    Int32s,
}

/// <summary>What part of a layer a tensor holds; the emitter copies the values from the description.</summary>
internal enum TensorRole
{
    FloatWeights,
    Codes,
    Scales,
    ZeroPoints,
    Levels,
    Coefficients,
    Bias,
    /// <summary>Bit-planes repacked for the table kernel (Layouts/KernelLayouts.Lut).</summary>
    LutPlanes,
    LutPlaneScales,
    LutSumScales,
    /// <summary>Multi-bit binary planes as zero-padded 64-bit words per row (Layouts/KernelLayouts.XnorPlanes).</summary>
    XnorPlanes,
    /// <summary>Signed 8-bit codes with padded rows and the integer kernel's per-row epilogue (Layouts/KernelLayouts.Int8).</summary>
    Int8Codes,
    Int8Product,
    Int8Constant,
    Int8PerSum,
}

/// <param name="Part">Which of the layer's matrices (LayerMatrix.Part): "" for the only one, "Input" or "Recurrent".</param>
internal sealed record TensorPlan(string Name, int Layer, TensorRole Role, TensorKind Kind, int Offset, int ByteLength, int Count, string Description, string Part = "");

/// <summary>An activation quantizer with its parameters (tables are small: at most 256 values).</summary>
internal sealed record QuantizerPlan(
    QuantizerKind Kind,
    int Bits,
    float Lo,
    float Hi,
    int Fsr,
    int Step,
    int Cycles,
    EquatableArray<float> Thresholds,
    EquatableArray<float> Levels,
    string Summary);

internal sealed record LayerPlan(
    int Index,
    string Name,
    LayerOp Op,
    int InputLength,
    int OutputLength,
    BufferSlot PreviousOutput,
    BufferSlot Source,
    BufferSlot Destination,
    QuantizerPlan? Quantizer,
    KernelKind Kernel,
    string KernelReason,
    string WeightSummary,
    int Bits,
    bool Signed,
    EquatableArray<TensorPlan> Tensors,
    SequencePlan? Sequence = null)
{
    /// <summary>The {0, 1} planes a table kernel (<see cref="KernelKind.DensePlaneLut"/>) reads; 0 for other kernels.</summary>
    public int Planes { get; init; }

    /// <summary>Floats of the shared row buffer the layer's kernel needs (tables, decoded row, or online codes).</summary>
    public int RowScratch { get; init; }
}

/// <summary>One weight matrix of an Embedding, LSTM, GRU or Conv2d layer and the kernel chosen for it.</summary>
internal sealed record MatrixPlan(string Part, KernelKind Kernel, int Rows, int Cols, int Bits, bool Signed, bool HasZeroPoints, bool HasBias, int InputBits, int InputCycles, string Summary);

/// <summary>
/// What the Embedding, LSTM, GRU, Conv2d and MaxPool2d layers need beyond a <see cref="LayerPlan"/>: their
/// matrices, the recurrent options, where the layer's hidden (and cell) state sits in the state vector,
/// and the 2-D geometry (channels, height, width, kernel h/w, stride h/w, padding h/w).
/// </summary>
internal sealed record SequencePlan(
    EquatableArray<MatrixPlan> Matrices,
    int Hidden,
    bool SigmoidCandidate,
    QuantizerPlan? HiddenQuantizer,
    QuantizerPlan? RecurrentQuantizer,
    int StateOffset,
    EquatableArray<int> Geometry,
    int OutChannels);

/// <summary>
/// Everything the emitter needs, decided: the target class, each layer's kernel and buffers, where each
/// tensor sits in the parameter blob, and the working memory. Compared by value; the weights themselves
/// stay in <see cref="Source"/>, which compares by content hash.
/// </summary>
internal sealed record ModelPlan(
    ModelBinding Target,
    string ModelName,
    string Doc,
    string FileName,
    string InputName,
    string OutputName,
    int InputLength,
    int OutputLength,
    EquatableArray<LayerPlan> Layers,
    int BlobLength,
    int WorkLength,
    int QuantizedLength,
    int RowLength,
    bool StackScratch,
    long WeightBytes,
    long Float32WeightBytes,
    ModelFile Source,
    int ExtraLength = 0,
    int StateLength = 0,
    bool Recurrent = false,
    int Vocabulary = 0)
{
    /// <summary>Floats of working memory per call: buffers A and B, the quantized input, a kernel row, and the
    /// gate, patch and code buffers of recurrent and convolution layers.</summary>
    public int ScratchLength => 2 * WorkLength + QuantizedLength + RowLength + ExtraLength;
}
