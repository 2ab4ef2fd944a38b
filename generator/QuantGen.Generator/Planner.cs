using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using QuantGen.Generator.Layouts;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>
/// Step three of a description's journey: a validated model -> a <see cref="ModelPlan"/>. Pure: chooses a
/// kernel per layer from its codec, bit width and shape, lays out the parameter blob, assigns buffers and
/// sizes the working memory. The emitter only writes down what the plan says.
/// </summary>
internal static partial class Planner
{
    /// <summary>Working memory up to this many floats (64 KiB) lives on the stack; more comes from a per-thread buffer.</summary>
    public const int MaxStackFloats = 16 * 1024;

    /// <summary>The parameter blob is decoded from one string literal; past this size the compiler itself struggles.</summary>
    public const long MaxBlobBytes = 256L * 1024 * 1024;

    public static ModelPlan Plan(ModelBinding target, ModelFile file, CancellationToken cancellationToken)
    {
        QuantGen.Schema.Model model = file.Description!;
        int length = ModelShape.InputLength(model);
        int inputLength = length;
        int lastWriter = LastWritingLayer(model);
        var layers = new List<LayerPlan>();
        int offset = 0;
        int work = 0, quantized = 0, row = 0, extra = 0, state = 0;
        long weightBytes = 0, floatBytes = 0;
        BufferSlot current = BufferSlot.Input;

        for (int i = 0; i < model.Layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Layer layer = model.Layers[i];
            int outputLength = ModelShape.OutputLength(layer, length);
            QuantizerPlan? quantizer = layer.InputQuantizer is null ? null : PlanQuantizer(layer.InputQuantizer);
            if (quantizer is not null)
            {
                quantized = Math.Max(quantized, length);
                if (quantizer.Kind == QuantizerKind.OnlineMultiBinary)
                {
                    row = Math.Max(row, length);
                }
            }

            LayerOp op = OpOf(layer);
            BufferSlot source = quantizer is null ? current : BufferSlot.Quantized;
            BufferSlot destination;
            if (op == LayerOp.Flatten && quantizer is null)
            {
                destination = current;
            }
            else
            {
                destination = i == lastWriter ? BufferSlot.Output : current == BufferSlot.A ? BufferSlot.B : BufferSlot.A;
                if (destination != BufferSlot.Output)
                {
                    work = Math.Max(work, outputLength);
                }
            }

            var tensors = new List<TensorPlan>();
            KernelKind kernel;
            string reason;
            string weights = "";
            int bits = 0;
            bool signed = false;
            int planes = 0, rowScratch = 0;
            SequencePlan? sequence = null;
            if (IsSequenceOrSpatial(op))
            {
                (kernel, reason, weights, sequence) = PlanSequenceLayer(layer, i, tensors, ref offset, ref weightBytes, ref floatBytes, ref row, ref extra, ref state);
            }
            else if (op == LayerOp.Dense)
            {
                Dense dense = layer.Dense;
                if (TryPlanFastDense(dense, i, quantizer, tensors, ref offset, ref weightBytes) is FastDense fast)
                {
                    (kernel, reason, weights, bits, planes, rowScratch) = (fast.Kernel, fast.Reason, fast.Summary, fast.Bits, fast.Planes, fast.RowScratch);
                }
                else
                {
                    (kernel, reason, weights, bits, signed) = PlanDense(dense, i, tensors, ref offset, ref weightBytes);
                    rowScratch = kernel == KernelKind.DenseFloat ? 0 : length;
                }

                row = Math.Max(row, rowScratch);

                floatBytes += 4L * ((long)dense.InFeatures * dense.OutFeatures + dense.Bias.Count);
            }
            else
            {
                (kernel, reason) = PlanElementwise(op);
            }

            layers.Add(new LayerPlan(i, layer.Name, op, length, outputLength, current, source, destination, quantizer, kernel, reason, weights, bits, signed, tensors.ToEquatableArray(), sequence)
            {
                Planes = planes,
                RowScratch = rowScratch,
            });
            current = destination;
            length = outputLength;
        }

        bool stack = 2L * work + quantized + row + extra <= MaxStackFloats;
        return new ModelPlan(
            target,
            model.Name,
            model.Doc,
            System.IO.Path.GetFileName(file.Path),
            model.Inputs[0].Name,
            model.Outputs[0].Name,
            inputLength,
            length,
            layers.ToEquatableArray(),
            offset,
            work,
            quantized,
            row,
            stack,
            weightBytes,
            floatBytes,
            file,
            extra,
            state,
            LayerShapes.IsRecurrent(model),
            LayerShapes.TakesTokens(model) ? model.Layers[0].Embedding.NumEmbeddings : 0);
    }

    /// <summary>The blob size the plan would need, checked before planning so that an absurd model gets a diagnostic, not an overflow.</summary>
    public static long BlobBytes(QuantGen.Schema.Model model)
    {
        long total = 0;
        foreach (Layer layer in model.Layers)
        {
            foreach (LayerMatrix m in LayerShapes.Matrices(layer))
            {
                Weights w = m.Weights!;
                long payload = w.CodecCase switch
                {
                    Weights.CodecOneofCase.Float32 => 4L * w.Float32.Values.Count,
                    Weights.CodecOneofCase.Uniform => w.Uniform.Codes.Length + 4L * (w.Uniform.Scales.Count + w.Uniform.ZeroPoints.Count),
                    Weights.CodecOneofCase.Levels => w.Levels.Codes.Length + 4L * w.Levels.Levels.Count,
                    // The xor-popcount kernel may store the planes padded to 512-bit rows (Layouts/KernelLayouts.XnorPlanes).
                    _ => Math.Max(w.MultiBinary.Planes.Length, (long)m.Rows * w.MultiBinary.Bits * KernelLayouts.XnorRowWords(m.Cols) * 8) + 4L * w.MultiBinary.Coefficients.Count,
                };
                // A dense layer's fast kernel may store a larger repacked layout (Planner.Kernels.cs).
                long fast = layer.OpCase == Layer.OpOneofCase.Dense ? FastPayloadBytes(layer.Dense, layer.InputQuantizer) : 0;
                total += Math.Max(payload, fast) + 4L * (m.Bias?.Count ?? 0) + 5 * WeightBlobAlignment;
            }
        }

        return total;
    }

    private const int WeightBlobAlignment = 64;

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
        _ => SequenceOpOf(layer),
    };

    private static (KernelKind, string) PlanElementwise(LayerOp op) => op switch
    {
        LayerOp.Flatten => (KernelKind.None, "no arithmetic: the vector is already flat"),
        LayerOp.Relu => (KernelKind.Relu, "element-wise max(x, 0)"),
        LayerOp.Sigmoid => (KernelKind.Sigmoid, "element-wise 1 / (1 + exp(-x))"),
        LayerOp.Tanh => (KernelKind.Tanh, "element-wise tanh"),
        _ => (KernelKind.Softmax, "exp(x - max) / sum"),
    };

    private static (KernelKind, string, string, int, bool) PlanDense(Dense dense, int index, List<TensorPlan> tensors, ref int offset, ref long weightBytes)
    {
        int rows = dense.OutFeatures;
        int cols = dense.InFeatures;
        string shape = $"{rows} x {cols}";
        Weights w = dense.Weights;
        KernelKind kernel;
        string reason;
        string summary;
        int bits = 0;
        bool signed = false;
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Float32:
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.FloatWeights, TensorKind.Floats, rows * cols, $"float32 weights, {shape}");
                kernel = KernelKind.DenseFloat;
                reason = "float32 weights: a vector dot product per row";
                summary = "Float32";
                break;

            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = w.Uniform;
                bits = u.Bits;
                signed = u.Signed;
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Codes, TensorKind.Bytes, (int)PackedCodes.ByteLength((long)rows * cols, bits), $"{(signed ? "signed" : "unsigned")} {bits}-bit codes, {shape}");
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Scales, TensorKind.Floats, u.Scales.Count, u.Scales.Count == 1 ? "scale (per tensor)" : "scales (per row)");
                if (u.ZeroPoints.Count > 0)
                {
                    Add(tensors, ref offset, ref weightBytes, index, TensorRole.ZeroPoints, TensorKind.Int32s, u.ZeroPoints.Count, u.ZeroPoints.Count == 1 ? "zero point (per tensor)" : "zero points (per row)");
                }

                kernel = KernelKind.DenseUniform;
                reason = $"plain: decode a row of {bits}-bit codes to float, one dot product, then scale (and zero point) per row";
                summary = $"Uniform {bits}-bit {(signed ? "signed" : "unsigned")}, {(u.Scales.Count == 1 ? "per-tensor" : "per-row")} scale{(u.ZeroPoints.Count == 0 ? "" : ", zero point")}";
                break;
            }

            case Weights.CodecOneofCase.Levels:
            {
                LevelsCodec l = w.Levels;
                bits = l.Bits;
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Codes, TensorKind.Bytes, (int)PackedCodes.ByteLength((long)rows * cols, bits), $"{bits}-bit level indices, {shape}");
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Levels, TensorKind.Floats, l.Levels.Count, "level table");
                kernel = KernelKind.DenseLevels;
                reason = $"plain: look up a row of {bits}-bit indices in the level table, then one dot product";
                summary = $"Levels {bits}-bit, {l.Levels.Count} levels";
                break;
            }

            default:
            {
                MultiBinaryCodec m = w.MultiBinary;
                bits = m.Bits;
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Codes, TensorKind.Bytes, (int)PackedCodes.ByteLength((long)rows * cols * bits, 1), $"{bits} bit planes of {{-1, +1}}, {shape}");
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Coefficients, TensorKind.Floats, m.Coefficients.Count, $"coefficients, {rows} x {bits}");
                kernel = KernelKind.DenseMultiBinary;
                reason = $"plain: per bit plane, a row of signs dotted with the input, times the row's coefficient";
                summary = $"MultiBinary {bits}-bit, per-row coefficients";
                break;
            }
        }

        if (dense.Bias.Count > 0)
        {
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Bias, TensorKind.Floats, dense.Bias.Count, "bias");
        }

        return (kernel, reason, summary, bits, signed);
    }

    private static void Add(List<TensorPlan> tensors, ref int offset, ref long weightBytes, int layer, TensorRole role, TensorKind kind, int count, string description, string part = "")
    {
        int byteLength = kind == TensorKind.Bytes ? count : count * 4;
        tensors.Add(new TensorPlan($"L{layer}{part}{role}", layer, role, kind, offset, byteLength, count, description, part));
        weightBytes += byteLength;
        offset += (byteLength + WeightBlobAlignment - 1) / WeightBlobAlignment * WeightBlobAlignment;
    }

    private static QuantizerPlan PlanQuantizer(ActivationQuantizer q)
    {
        var none = EquatableArray<float>.Empty;
        switch (q.KindCase)
        {
            case ActivationQuantizer.KindOneofCase.Uniform:
            {
                UniformActivation u = q.Uniform;
                return new QuantizerPlan(QuantizerKind.Uniform, u.Bits, u.Lo, u.Hi, 0, 0, 0, none, none,
                    $"Uniform {u.Bits}-bit over [{Invariant.Float(u.Lo)}, {Invariant.Float(u.Hi)}]");
            }

            case ActivationQuantizer.KindOneofCase.Thresholds:
            {
                ThresholdActivation t = q.Thresholds;
                return new QuantizerPlan(QuantizerKind.Thresholds, t.Bits, 0, 0, 0, 0, 0, t.Thresholds.ToEquatableArray(), t.Levels.ToEquatableArray(),
                    $"Thresholds {t.Bits}-bit, {t.Levels.Count} levels");
            }

            case ActivationQuantizer.KindOneofCase.LogQuant:
            {
                LogQuantActivation l = q.LogQuant;
                // The level table is baked in; runtime and reference compute each level with the same double expression.
                float[] levels = Enumerable.Range(0, (1 << l.Bits) - 1).Select(i => (float)Math.Pow(2.0, (l.Fsr + (double)l.Step * i) / 16.0)).ToArray();
                return new QuantizerPlan(QuantizerKind.LogQuant, l.Bits, 0, 0, l.Fsr, l.Step, 0, none, levels.ToEquatableArray(),
                    $"LogQuant {l.Bits}-bit, fsr {Invariant.Int(l.Fsr)}, step {l.Step}");
            }

            default:
            {
                OnlineMultiBinaryActivation o = q.OnlineMultiBinary;
                return new QuantizerPlan(QuantizerKind.OnlineMultiBinary, o.Bits, 0, 0, 0, 0, o.Cycles, none, none,
                    $"OnlineMultiBinary {o.Bits}-bit, {o.Cycles} cycles");
            }
        }
    }
}
