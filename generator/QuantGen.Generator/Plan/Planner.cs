using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;
using QuantGen.Runtime;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>
/// Step three of a description's journey: a validated model -> a complete <see cref="ModelPlan"/>. For every
/// weight matrix of every layer the kernel registry picks a strategy; the planner places and repacks the
/// tensors once into the blob (<see cref="BlobPlan"/>), assigns buffers and sizes the working memory. The
/// emitter only writes down what the plan says.
/// </summary>
internal static partial class Planner
{
    /// <summary>Working memory up to this many floats (64 KiB) lives on the stack; more comes from a per-thread buffer.</summary>
    public const int MaxStackFloats = 16 * 1024;

    /// <summary>The parameter blob is decoded from string literals; past this size the compiler itself struggles.</summary>
    public const long MaxBlobBytes = 256L * 1024 * 1024;

    /// <summary>The blob a plan would need, with the kernels the registry would choose, in long arithmetic: checked before planning so that an absurd model gets a diagnostic, not an overflow.</summary>
    public static long BlobBytes(QuantGen.Schema.Model model, CostModel costs) => Layouts(model, costs).Sum(l => BlobBuilder.Space(l.Tensors));

    /// <summary>Every weight matrix of the model with the strategy the registry picks and the tensors it would store (nothing is repacked yet).</summary>
    internal static IEnumerable<MatrixLayout> Layouts(QuantGen.Schema.Model model, CostModel costs)
    {
        for (int i = 0; i < model.Layers.Count; i++)
        {
            foreach (MatrixRequest m in MatrixRequests.Of(model.Layers[i], i, costs))
            {
                KernelStrategy strategy = KernelRegistry.Choose(m);
                yield return new MatrixLayout(m, strategy, TensorsOf(strategy, m).Select(t => t.Shape).ToArray());
            }
        }
    }

    internal sealed record MatrixLayout(MatrixRequest Request, KernelStrategy Strategy, IReadOnlyList<TensorShape> Tensors);

    public static ModelPlan Plan(ModelBinding target, ModelFile file, CancellationToken cancellationToken) =>
        Plan(target, file, CpuTarget.Portable, cancellationToken);

    /// <param name="cpu">The instruction set whose costs pick the kernels (<see cref="CostModel.For"/>).</param>
    public static ModelPlan Plan(ModelBinding target, ModelFile file, CpuTarget cpu, CancellationToken cancellationToken)
    {
        CostModel costs = CostModel.For(cpu);
        QuantGen.Schema.Model model = file.Description!;
        int length = ModelShape.InputLength(model);
        int inputLength = length;
        int lastWriter = LastWritingLayer(model);
        var layers = new List<LayerPlan>();
        var blob = new BlobBuilder();
        var sizes = new ScratchSizes();
        long floatBytes = 0;
        BufferSlot current = BufferSlot.Input;
        IReadOnlyList<(int[] Input, int[] Output)> shapes = ShapeTrace.Of(model);
        GraphBuffers? graph = LayerGraph.IsChain(model) ? null : GraphBuffers.Assign(model, shapes);

        for (int i = 0; i < model.Layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Layer layer = model.Layers[i];
            if (graph is not null)
            {
                (current, length) = (graph.Previous[i], graph.InputLengths[i]);
            }

            int outputLength = graph is null ? ModelShape.OutputLength(layer, length) : shapes[i].Output.Aggregate(1, (a, b) => a * b);
            QuantizerPlan? quantizer = layer.InputQuantizer is null ? null : QuantizerPlans.Of(layer.InputQuantizer);
            LayerOp op = OpOf(layer);

            var matrices = new List<MatrixPlan>();
            foreach (MatrixRequest request in MatrixRequests.Of(layer, i, costs))
            {
                cancellationToken.ThrowIfCancellationRequested();
                matrices.Add(PlanMatrix(request, blob, target.Threads));
                floatBytes += 4L * (request.Weights64 + (request.Bias?.Count ?? 0));
                // A batched kernel's scratch is the layer's (PlanLayerWork); a per-product kernel's is kernelScratch.
                if (!matrices[matrices.Count - 1].Batched)
                {
                    sizes.Kernel = Math.Max(sizes.Kernel, matrices[matrices.Count - 1].ScratchFloats);
                }
            }

            // A quantizer runs on its own unless the kernel that reads the layer's input codes it itself.
            bool quantizerRuns = quantizer is not null && !(matrices.Count > 0 && matrices[0].Part != "Recurrent" && matrices[0].FusesInput);
            if (quantizerRuns)
            {
                sizes.Quantized = Math.Max(sizes.Quantized, length);
                sizes.NeedOnlineScratch(quantizer!, length);
            }

            BufferSlot source = quantizerRuns ? BufferSlot.Quantized : current;
            BufferSlot destination;
            if (graph is not null)
            {
                destination = graph.Destinations[i];
                if (destination.Kind == BufferKind.Work)
                {
                    sizes.Work = Math.Max(sizes.Work, outputLength);
                }
            }
            else if (op == LayerOp.Flatten && quantizer is null)
            {
                destination = current;
            }
            else
            {
                destination = i == lastWriter ? BufferSlot.Output : current == BufferSlot.A ? BufferSlot.B : BufferSlot.A;
                if (destination != BufferSlot.Output)
                {
                    sizes.Work = Math.Max(sizes.Work, outputLength);
                }
            }

            (string reason, RecurrencePlan? recurrence, EquatableArray<int> window) = PlanLayerWork(layer, matrices, sizes);
            EquatableArray<LayerRead> reads = graph is not null && LayerGraph.JoinsInputs(layer) ? graph.ReadsOf[i].ToEquatableArray() : default;
            layers.Add(new LayerPlan(i, layer.Name, op, length, outputLength, current, source, destination, quantizer, matrices.ToEquatableArray(), reason, recurrence, window, shapes[i].Input.ToEquatableArray(), shapes[i].Output.ToEquatableArray(), reads, ScalarsOf(layer)));
            current = destination;
            length = outputLength;
        }

        int shared = graph is null ? SharedCodes.Assign(layers, model) : 0;
        int scratch = (2 + (graph?.ExtraWorkBuffers ?? 0)) * sizes.Work + sizes.Quantized + sizes.Kernel + sizes.Layer + shared;
        return new ModelPlan(
            target,
            model.Name,
            model.Doc,
            System.IO.Path.GetFileName(file.Path),
            model.Inputs[0].Name,
            model.Outputs[0].Name,
            model.Inputs[0].Shape.ToEquatableArray(),
            model.Outputs[0].Shape.ToEquatableArray(),
            inputLength,
            length,
            layers.ToEquatableArray(),
            blob.Build(file.ContentHash),
            sizes.Work,
            sizes.Quantized,
            sizes.Kernel,
            sizes.Layer,
            sizes.State,
            scratch <= MaxStackFloats,
            floatBytes,
            file,
            LayerShapes.IsRecurrent(model),
            LayerShapes.TakesTokens(model) ? model.Layers[0].Embedding.NumEmbeddings : 0,
            graph?.ExtraWorkBuffers ?? 0,
            shared);
    }

    /// <summary>Chooses the matrix's kernel, repacks its tensors once into the blob, and records what the emitter needs.</summary>
    private static MatrixPlan PlanMatrix(MatrixRequest m, BlobBuilder blob, int threads)
    {
        KernelStrategy strategy = KernelRegistry.Choose(m);
        var packed = new List<byte[]>();
        long bytes = 0;
        foreach ((TensorShape shape, Func<byte[]> make) in TensorsOf(strategy, m))
        {
            byte[] data = make();
            packed.Add(data);
            bytes += blob.Add(m, shape, data).ByteLength;
        }

        Weights w = m.Weights;
        return new MatrixPlan(
            m.Part,
            m.Data,
            strategy.Kind,
            w.CodecCase,
            m.Rows,
            m.Cols,
            CodecText.Bits(w),
            w.CodecCase == Weights.CodecOneofCase.Uniform && w.Uniform.Signed,
            w.CodecCase == Weights.CodecOneofCase.Uniform && w.Uniform.ZeroPoints.Count > 0,
            strategy.Planes(m),
            m.Input,
            strategy.FusesInput,
            m.InputOnGrid,
            m.Bias is { Count: > 0 },
            m.Products,
            strategy.Batches(m),
            strategy.ScratchFloats(m),
            bytes,
            CodecText.Summary(w),
            strategy.Reason(m, packed),
            SplitThreads(strategy, m, bytes, threads));
    }

    /// <summary>
    /// Below this many bytes of weights a layer stays on one thread even when the model allows more: handing parts
    /// to workers costs several microseconds, a good share of a product that streams less than a megabyte.
    /// </summary>
    internal const long MinSplitBytes = 1L << 20;

    /// <summary>The threads a fully connected layer's rows run on: the model's Threads when its kernel can run a
    /// range of rows (<see cref="KernelStrategy.CallRows"/>) and its weights take at least <see cref="MinSplitBytes"/>, else 1.</summary>
    private static int SplitThreads(KernelStrategy strategy, MatrixRequest m, long bytes, int threads) =>
        threads > 1 && m.Part.Length == 0 && m.Use == MatrixUse.Product && !strategy.Batches(m)
            && bytes >= MinSplitBytes && strategy.SplitsRows && KernelGeometry.SplitParts(m.Rows, threads) > 1
            ? threads : 1;

    /// <summary>The strategy's tensors, then the bias (every product has its own), each with the code that makes its bytes.</summary>
    private static IEnumerable<(TensorShape Shape, Func<byte[]> Make)> TensorsOf(KernelStrategy strategy, MatrixRequest m)
    {
        IReadOnlyList<TensorShape> shapes = strategy.Layout(m);
        IReadOnlyList<byte[]>? packed = null;
        for (int i = 0; i < shapes.Count; i++)
        {
            int index = i;
            yield return (shapes[i], () => (packed ??= strategy.Pack(m))[index]);
        }

        if (m.Bias is { Count: > 0 } bias && m.Use != MatrixUse.Lookup)
        {
            yield return (new TensorShape(TensorRole.Bias, TensorKind.Floats, bias.Count, $"{m.What}bias"), () => LittleEndian.Floats(bias));
        }
    }

    private static int LastWritingLayer(QuantGen.Schema.Model model)
    {
        for (int i = model.Layers.Count - 1; i >= 0; i--)
        {
            if (model.Layers[i].OpCase != Layer.OpOneofCase.Flatten || model.Layers[i].InputQuantizer is not null)
            {
                return i;
            }
        }

        return -1;
    }

    private static LayerOp OpOf(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Dense => LayerOp.Dense,
        Layer.OpOneofCase.Flatten => LayerOp.Flatten,
        Layer.OpOneofCase.Relu => LayerOp.Relu,
        Layer.OpOneofCase.Sigmoid => LayerOp.Sigmoid,
        Layer.OpOneofCase.Tanh => LayerOp.Tanh,
        Layer.OpOneofCase.Softmax => LayerOp.Softmax,
        Layer.OpOneofCase.Embedding => LayerOp.Embedding,
        Layer.OpOneofCase.Lstm => LayerOp.Lstm,
        Layer.OpOneofCase.Gru => LayerOp.Gru,
        Layer.OpOneofCase.Conv2D => LayerOp.Conv2d,
        Layer.OpOneofCase.Clip => LayerOp.Clip,
        Layer.OpOneofCase.LeakyRelu => LayerOp.LeakyRelu,
        Layer.OpOneofCase.AvgPool2D => LayerOp.AvgPool2d,
        Layer.OpOneofCase.GlobalAvgPool2D => LayerOp.GlobalAvgPool2d,
        Layer.OpOneofCase.Add => LayerOp.Add,
        Layer.OpOneofCase.Concat => LayerOp.Concat,
        _ => LayerOp.MaxPool2d,
    };

    /// <summary>The floats of each part of the working memory, as the layers need them.</summary>
    private sealed class ScratchSizes
    {
        /// <summary>Each of the two buffers layers write in turn.</summary>
        public int Work;

        /// <summary>A layer's quantized input.</summary>
        public int Quantized;

        /// <summary>The kernels' own scratch: tables of partial sums, a decoded row, input codes; also the online quantizer's.</summary>
        public int Kernel;

        /// <summary>Recurrent layers' gate products and quantized h; convolutions' patch and column.</summary>
        public int Layer;

        /// <summary>Hidden and cell state of every recurrent layer.</summary>
        public int State;

        /// <summary>The online multi-bit quantizer, when it runs on its own, works in the kernel scratch.</summary>
        public void NeedOnlineScratch(QuantizerPlan q, int length)
        {
            if (q.Kind == QuantizerKind.OnlineMultiBinary)
            {
                Kernel = Math.Max(Kernel, length);
            }
        }
    }
}
