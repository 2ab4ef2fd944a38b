using System.Linq;
using QuantGen.Runtime;

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
    Clip,
    LeakyRelu,
    AvgPool2d,
    GlobalAvgPool2d,
    Add,
    Concat,
}

internal enum QuantizerKind
{
    Uniform,
    /// <summary>A uniform quantizer in ONNX's affine form: x / scale rounded, then the zero point added (Scale, ZeroPoint).</summary>
    Affine,
    Thresholds,
    LogQuant,
    OnlineMultiBinary,
}

internal enum BufferKind
{
    Input,
    Output,
    /// <summary>A working buffer: a chain's layers write buffers 0 and 1 (a and b) in turn; a graph's may need more.</summary>
    Work,
    /// <summary>The buffer that holds a layer's quantized input.</summary>
    Quantized,
}

/// <summary>Where a layer reads from or writes to: the model's input or output, the quantized input, or working buffer <see cref="Index"/>.</summary>
internal readonly record struct BufferSlot(BufferKind Kind, int Index = 0)
{
    public static BufferSlot Input => new BufferSlot(BufferKind.Input);

    public static BufferSlot Output => new BufferSlot(BufferKind.Output);

    /// <summary>The first of the two working buffers that a chain's layers write in turn.</summary>
    public static BufferSlot A => new BufferSlot(BufferKind.Work, 0);

    public static BufferSlot B => new BufferSlot(BufferKind.Work, 1);

    public static BufferSlot Quantized => new BufferSlot(BufferKind.Quantized);
}

/// <summary>One of the values an Add or a Concat reads, and its length.</summary>
internal readonly record struct LayerRead(BufferSlot Slot, int Length);

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
    string Summary,
    float Scale = 0f,
    int ZeroPoint = 0);

/// <summary>
/// One layer, decided: its op, shapes and buffers, the quantizer of its input, and a
/// <see cref="MatrixPlan"/> (kernel, tensors, scratch) for each of its weight matrices.
/// </summary>
/// <param name="Reason">What the layer computes around its matrices (a recurrent cell, a window sweep, an element-wise function).</param>
/// <param name="Recurrence">The state and options of an LSTM or GRU layer; null for other layers.</param>
/// <param name="Window">Channels, height, width, kernel h/w, stride h/w, padding h/w of a Conv2d or MaxPool2d layer; empty otherwise.</param>
/// <param name="InputShape">The shape the layer reads (<see cref="QuantGen.Schema.ShapeTrace"/>), for the class's metadata.</param>
/// <param name="OutputShape">The shape the layer writes.</param>
/// <param name="Reads">Every value an Add or a Concat reads, in order; empty for other layers, which read <paramref name="PreviousOutput"/>.</param>
/// <param name="Scalars">Clip's min and max, LeakyRelu's alpha, AvgPool2d's count_include_pad (1 or 0); empty for other layers.</param>
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
    EquatableArray<MatrixPlan> Matrices,
    string Reason,
    RecurrencePlan? Recurrence,
    EquatableArray<int> Window,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    EquatableArray<LayerRead> Reads = default,
    EquatableArray<float> Scalars = default)
{
    /// <summary>The matrices' codecs, as the header table and the layer comment show them.</summary>
    public string WeightSummary => string.Join("; ", System.Linq.Enumerable.Select(Matrices, m => (m.Part.Length == 0 ? "" : m.Part + " ") + m.Summary));

    /// <summary>The kernels of the layer's matrices, or its op when it has none.</summary>
    public string KernelSummary => Matrices.Count == 0 ? Op.ToString() : string.Join(", ", System.Linq.Enumerable.Select(Matrices, m => m.Kernel.ToString()));

    /// <summary>Parameter bytes of the layer: the sum of its matrices' tensors.</summary>
    public long WeightBytes => System.Linq.Enumerable.Sum(Matrices, m => m.WeightBytes);
}

/// <summary>
/// What an LSTM or GRU layer needs beyond its matrices: the bit-RNN options, the quantizer of h before the
/// recurrent product, and where the layer's hidden (and cell) state sits in the state vector.
/// </summary>
internal sealed record RecurrencePlan(int Hidden, int Gates, bool SigmoidCandidate, QuantizerPlan? HiddenQuantizer, QuantizerPlan? RecurrentQuantizer, int StateOffset, bool ResetBeforeProduct = false);

/// <summary>
/// Everything the emitter needs, decided: the target class, each layer's kernels and buffers, the
/// parameter blob with every tensor already repacked and placed, and the working memory. Compared by
/// value; the blob's bytes compare by the description's content hash they are made from.
/// </summary>
internal sealed record ModelPlan(
    ModelBinding Target,
    string ModelName,
    string Doc,
    string FileName,
    string InputName,
    string OutputName,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    int InputLength,
    int OutputLength,
    EquatableArray<LayerPlan> Layers,
    BlobPlan Blob,
    int WorkLength,
    int QuantizedLength,
    int KernelScratchLength,
    int LayerScratchLength,
    int StateLength,
    bool StackScratch,
    long Float32WeightBytes,
    ModelFile Source,
    bool Recurrent,
    int Vocabulary,
    int ExtraWorkBuffers = 0,
    int SharedCodesLength = 0)
{
    /// <summary>Parameter bytes: what the generated class's WeightBytes, its header and <c>quantgen inspect</c> show.</summary>
    public long WeightBytes => Blob.PayloadBytes;

    /// <summary>Floats of working memory per call: buffers A and B (and, for a graph that branches, the
    /// <see cref="ExtraWorkBuffers"/> more that its live values need), the quantized input, the kernels' scratch
    /// (tables of partial sums, decoded rows, input codes), and the gate, patch and column buffers of
    /// recurrent and convolution layers, and the coded vectors two kernels share across steps (Plan/SharedCodes.cs).</summary>
    public int ScratchLength => (2 + ExtraWorkBuffers) * WorkLength + QuantizedLength + KernelScratchLength + LayerScratchLength + SharedCodesLength;

    /// <summary>Inputs <c>Predict(inputs, outputs, batchSize)</c> runs through the layers together, at most (0: one at a
    /// time): a chain of fully connected and element-wise layers with a float32 or integer product the batched kernels
    /// can take (runtime DenseKernels.FloatMany and Int8.DenseMany, which reuse each weight load for four inputs and
    /// keep a block of rows in L2 while every four of the tile pass: a tile of 16 reads a layer's weights from memory
    /// once per 16 inputs).</summary>
    public int BatchTile =>
        !Recurrent && ExtraWorkBuffers == 0 && LayerScratchLength == 0
        && Layers.All(l => l.Op is LayerOp.Dense or LayerOp.Relu or LayerOp.Sigmoid or LayerOp.Tanh or LayerOp.Softmax or LayerOp.Flatten or LayerOp.Clip or LayerOp.LeakyRelu)
        && Layers.Any(TakesBatch) ? 16 : 0;

    /// <summary>Floats of working memory a batched call needs beyond <see cref="ScratchLength"/>: two buffers of <see cref="BatchTile"/>
    /// layer outputs, then the <see cref="BatchKernelLength"/> floats of the batched kernels' own working memory.</summary>
    public int BatchScratchLength => (2 * BatchTile * WorkLength) + BatchKernelLength;

    /// <summary>Floats of the batched kernels' working memory for a tile (the integer products' input codes): the largest any layer needs.</summary>
    public int BatchKernelLength =>
        BatchTile == 0 ? 0 : Layers.Where(TakesBatch).Select(l => Strategies.KernelRegistry.Get(l.Matrices[0].Kernel).ManyScratchFloats(l.Matrices[0], BatchTile)).DefaultIfEmpty(0).Max();

    /// <summary>
    /// A fully connected layer whose product takes a whole tile in one call: a float32 product of an unquantized
    /// input (DenseKernels.FloatMany) or an integer product, which codes its input itself (Int8.DenseMany, DenseManyNibbles).
    /// </summary>
    public static bool TakesBatch(LayerPlan layer) =>
        layer.Op == LayerOp.Dense && TakesTile(layer.Matrices[0], layer.Quantizer);

    /// <summary>States <c>StepMany</c> runs through the layers together, at most (a recurrent model's; the last tile takes what is left).</summary>
    public const int StatesTile = 16;

    /// <summary>
    /// An LSTM or GRU layer whose two gate products take a tile of states in one call each (<c>StepMany</c>): both
    /// matrices on kernels with a batched form (<see cref="TakesTile"/>), and the recurrent product on h itself (a GRU that
    /// resets h before its recurrent product runs state by state).
    /// </summary>
    public static bool StepsTogether(LayerPlan layer) =>
        layer.Recurrence is { ResetBeforeProduct: false } r
        && TakesTile(layer.Matrices[0], layer.Quantizer) && TakesTile(layer.Matrices[1], r.RecurrentQuantizer);

    /// <summary>
    /// The last layer when it is fully connected, writes the outputs and has a batched product (<see cref="TakesBatch"/>):
    /// <c>StepMany</c> runs it once for the tile, straight into the output rows (a language model's logits).
    /// </summary>
    public static bool HeadTogether(LayerPlan layer) =>
        TakesBatch(layer) && layer.Destination.Kind == BufferKind.Output;

    /// <summary>Values per state of the gathered inputs of the layers <c>StepMany</c> runs together (0: none).</summary>
    public int StatesInputLength => Layers.Where(l => StepsTogether(l) || HeadTogether(l)).Select(l => l.InputLength).DefaultIfEmpty(0).Max();

    /// <summary>Values per state of the gathered h's of the recurrent layers that step together (0: none).</summary>
    public int StatesHiddenLength => Layers.Where(StepsTogether).Select(l => l.Recurrence!.Hidden).DefaultIfEmpty(0).Max();

    /// <summary>Values per state of one gate product of the recurrent layers that step together (0: none).</summary>
    public int StatesGateLength => Layers.Where(StepsTogether).Select(l => l.Recurrence!.Gates * l.Recurrence.Hidden).DefaultIfEmpty(0).Max();

    /// <summary>Floats of working memory <c>StepMany</c> needs for a tile of <see cref="StatesTile"/> states: the gathered
    /// inputs and h's, two gate products, then the batched kernels' own (the integer products' input codes).</summary>
    public int StatesTileLength
    {
        get
        {
            MatrixPlan[] batched = Layers.Where(l => StepsTogether(l) || HeadTogether(l)).SelectMany(l => l.Matrices).ToArray();
            if (batched.Length == 0)
            {
                return 0;
            }

            int codes = batched.Max(m => Strategies.KernelRegistry.Get(m.Kernel).ManyScratchFloats(m, StatesTile));
            return (StatesTile * (StatesInputLength + StatesHiddenLength + (2 * StatesGateLength))) + codes;
        }
    }

    /// <summary>
    /// Whether <c>PredictSequence</c> runs the model layer by layer over all the steps (else step by step through
    /// Forward): when some LSTM/GRU layer's input product has a batched form (<see cref="InputOverSteps"/>), which then
    /// runs for 16 steps at a time. Not where xor/popcount kernels share the codes of h across layers and steps
    /// (<see cref="SharedCodesLength"/>), which assumes the step order.
    /// </summary>
    public bool SequenceByLayers => Recurrent && SharedCodesLength == 0 && Layers.Any(InputOverSteps);

    /// <summary>An LSTM or GRU layer whose input product W x + b takes a tile of steps in one call (it does not depend on h).</summary>
    public static bool InputOverSteps(LayerPlan layer) =>
        layer.Recurrence is not null && TakesTile(layer.Matrices[0], layer.Quantizer);

    /// <summary>A product with a batched form for <paramref name="quantizer"/>, the quantizer of its input: float32 on an
    /// unquantized input, or the integer kernel, which codes its input itself.</summary>
    private static bool TakesTile(MatrixPlan m, QuantizerPlan? quantizer) =>
        m is { Batched: false, SplitThreads: 1 }
        && ((m.Kernel == KernelKind.Float && quantizer is null) || (m.Kernel is KernelKind.Int8 or KernelKind.Int4 && m.FusesInput));
}
