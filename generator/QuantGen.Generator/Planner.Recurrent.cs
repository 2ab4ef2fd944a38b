using System;
using System.Collections.Generic;
using QuantGen.Generator.Layouts;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>Planning of the Embedding, LSTM, GRU, Conv2d and MaxPool2d layers.</summary>
internal static partial class Planner
{
    private static bool IsSequenceOrSpatial(LayerOp op) =>
        op is LayerOp.Embedding or LayerOp.Lstm or LayerOp.Gru or LayerOp.Conv2d or LayerOp.MaxPool2d;

    private static LayerOp SequenceOpOf(Layer layer) => layer.OpCase switch
    {
        Layer.OpOneofCase.Embedding => LayerOp.Embedding,
        Layer.OpOneofCase.Lstm => LayerOp.Lstm,
        Layer.OpOneofCase.Gru => LayerOp.Gru,
        Layer.OpOneofCase.Conv2D => LayerOp.Conv2d,
        _ => LayerOp.MaxPool2d,
    };

    /// <summary>
    /// The layer's matrices and buffers. Working memory beyond the shared buffers ("extra"): for a recurrent
    /// layer the two gate products (gates x hidden each), a quantized copy of h and the GRU's reset product
    /// (hidden each), then the codes of the xor-popcount kernel; for a convolution a patch and a column.
    /// </summary>
    private static (KernelKind, string, string, SequencePlan) PlanSequenceLayer(
        Layer layer, int index, List<TensorPlan> tensors, ref int offset, ref long weightBytes, ref long floatBytes, ref int row, ref int extra, ref int state)
    {
        QuantizerPlan? input = layer.InputQuantizer is null ? null : PlanQuantizer(layer.InputQuantizer);
        RecurrentOptions? options = LayerShapes.Options(layer);
        QuantizerPlan? hidden = options?.HiddenQuantizer is null ? null : PlanQuantizer(options.HiddenQuantizer);
        QuantizerPlan? recurrent = options?.RecurrentQuantizer is null ? null : PlanQuantizer(options.RecurrentQuantizer);
        var matrices = new List<MatrixPlan>();
        int binaryScratch = 0;
        foreach (LayerMatrix m in LayerShapes.Matrices(layer))
        {
            QuantizerPlan? feeding = m.Part == "Recurrent" ? recurrent : m.Part == "Input" ? input : null;
            MatrixPlan plan = PlanMatrix(m, index, feeding, tensors, ref offset, ref weightBytes);
            matrices.Add(plan);
            floatBytes += 4L * ((long)m.Rows * m.Cols + (m.Bias?.Count ?? 0));
            if (plan.Kernel == KernelKind.DenseXnor)
            {
                // Xnor.ScratchFloats: a clean copy and the reconstruction, the codes, the packed planes.
                binaryScratch = Math.Max(binaryScratch, KernelLayouts.XnorScratchFloats(m.Cols, plan.InputBits));
            }
            else if (plan.Kernel != KernelKind.DenseFloat)
            {
                row = Math.Max(row, m.Cols);
            }
        }

        var geometry = EquatableArray<int>.Empty;
        int outChannels = 0;
        int stateOffset = state;
        int hiddenSize = 0;
        string reason;
        KernelKind kernel;
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Embedding:
                kernel = KernelKind.Embedding;
                reason = "decode the token's row of the table";
                break;

            case Layer.OpOneofCase.Lstm:
            case Layer.OpOneofCase.Gru:
            {
                bool lstm = layer.OpCase == Layer.OpOneofCase.Lstm;
                hiddenSize = LayerShapes.Hidden(layer);
                int gates = LayerShapes.Gates(layer) * hiddenSize;
                state += lstm ? 2 * hiddenSize : hiddenSize;
                extra = Math.Max(extra, 2 * gates + 2 * hiddenSize + binaryScratch);
                if (hidden?.Kind == QuantizerKind.OnlineMultiBinary || recurrent?.Kind == QuantizerKind.OnlineMultiBinary)
                {
                    row = Math.Max(row, hiddenSize);
                }

                kernel = lstm ? KernelKind.Lstm : KernelKind.Gru;
                reason = (lstm ? "gates i, f, g, o" : "gates r, z, n") + $" from W x and U h ({matrices[0].Kernel} and {matrices[1].Kernel}), then the cell update"
                    + (options!.SigmoidCandidate ? " with sigmoid in place of tanh (bit-RNN)" : "");
                break;
            }

            case Layer.OpOneofCase.Conv2D:
            {
                Conv2d c = layer.Conv2D;
                geometry = new[] { c.InChannels, c.Height, c.Width, c.KernelH, c.KernelW, c.StrideH, c.StrideW, c.PaddingH, c.PaddingW }.ToEquatableArray();
                outChannels = c.OutChannels;
                extra = Math.Max(extra, matrices[0].Cols + c.OutChannels + binaryScratch);
                kernel = KernelKind.Conv2d;
                reason = $"per output position, the {matrices[0].Cols}-value patch times the weights ({matrices[0].Kernel})";
                break;
            }

            default:
            {
                MaxPool2d p = layer.MaxPool2D;
                geometry = new[] { p.Channels, p.Height, p.Width, p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PaddingH, p.PaddingW }.ToEquatableArray();
                kernel = KernelKind.MaxPool2d;
                reason = "the maximum of each window";
                break;
            }
        }

        string summary = string.Join("; ", matrices.ConvertAll(m => (m.Part.Length == 0 ? "" : m.Part + " ") + m.Summary));
        var plan2 = new SequencePlan(matrices.ToEquatableArray(), hiddenSize, options?.SigmoidCandidate ?? false, hidden, recurrent, stateOffset, geometry, outChannels);
        return (kernel, reason, summary, plan2);
    }

    /// <summary>
    /// A matrix's tensors and kernel. Multi-binary weights whose input is coded online by alternating
    /// quantization take the xor-popcount kernel (the quantizer is fused into it: its codes are the input);
    /// every other combination the plain dense kernel of its codec.
    /// </summary>
    private static MatrixPlan PlanMatrix(LayerMatrix m, int index, QuantizerPlan? feeding, List<TensorPlan> tensors, ref int offset, ref long weightBytes)
    {
        Weights w = m.Weights!;
        string shape = $"{m.Rows} x {m.Cols}";
        string part = m.Part;
        string what = part.Length == 0 ? "" : part.ToLowerInvariant() + " ";
        KernelKind kernel;
        int bits = 0, inputBits = 0, inputCycles = 0;
        bool signed = false, zeroPoints = false;
        string summary;
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Float32:
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.FloatWeights, TensorKind.Floats, m.Rows * m.Cols, $"{what}float32 weights, {shape}", part);
                kernel = KernelKind.DenseFloat;
                summary = "Float32";
                break;

            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = w.Uniform;
                bits = u.Bits;
                signed = u.Signed;
                zeroPoints = u.ZeroPoints.Count > 0;
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Codes, TensorKind.Bytes, (int)PackedCodes.ByteLength((long)m.Rows * m.Cols, bits), $"{what}{(signed ? "signed" : "unsigned")} {bits}-bit codes, {shape}", part);
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Scales, TensorKind.Floats, u.Scales.Count, $"{what}scale{(u.Scales.Count == 1 ? " (per tensor)" : "s (per row)")}", part);
                if (zeroPoints)
                {
                    Add(tensors, ref offset, ref weightBytes, index, TensorRole.ZeroPoints, TensorKind.Int32s, u.ZeroPoints.Count, $"{what}zero point{(u.ZeroPoints.Count == 1 ? " (per tensor)" : "s (per row)")}", part);
                }

                kernel = KernelKind.DenseUniform;
                summary = $"Uniform {bits}-bit";
                break;
            }

            case Weights.CodecOneofCase.Levels:
                bits = w.Levels.Bits;
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Codes, TensorKind.Bytes, (int)PackedCodes.ByteLength((long)m.Rows * m.Cols, bits), $"{what}{bits}-bit level indices, {shape}", part);
                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Levels, TensorKind.Floats, w.Levels.Levels.Count, $"{what}level table", part);
                kernel = KernelKind.DenseLevels;
                summary = $"Levels {bits}-bit";
                break;

            default:
            {
                bits = w.MultiBinary.Bits;
                bool fused = feeding?.Kind == QuantizerKind.OnlineMultiBinary && m.Part.Length > 0;
                if (fused)
                {
                    // The dense layer's xnor kernel and layout (Layouts/KernelLayouts.XnorPlanes): one kernel for both.
                    int words = KernelLayouts.XnorRowWords(m.Cols);
                    Add(tensors, ref offset, ref weightBytes, index, TensorRole.XnorPlanes, TensorKind.Bytes, m.Rows * bits * words * 8, $"{what}{bits} bit planes of {{-1, +1}} as 64-bit words, [row][plane][{words}], {shape}", part);
                    kernel = KernelKind.DenseXnor;
                    inputBits = feeding!.Bits;
                    inputCycles = feeding.Cycles;
                }
                else
                {
                    Add(tensors, ref offset, ref weightBytes, index, TensorRole.Codes, TensorKind.Bytes, (int)PackedCodes.ByteLength((long)m.Rows * m.Cols * bits, 1), $"{what}{bits} bit planes of {{-1, +1}}, {shape}", part);
                    kernel = KernelKind.DenseMultiBinary;
                }

                Add(tensors, ref offset, ref weightBytes, index, TensorRole.Coefficients, TensorKind.Floats, w.MultiBinary.Coefficients.Count, $"{what}coefficients, {m.Rows} x {bits}", part);
                summary = $"MultiBinary {bits}-bit" + (fused ? $" x online {inputBits}-bit input" : "");
                break;
            }
        }

        bool hasBias = m.Bias is not null && m.Bias.Count > 0;
        if (hasBias)
        {
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Bias, TensorKind.Floats, m.Bias!.Count, $"{what}bias", part);
        }

        return new MatrixPlan(part, kernel, m.Rows, m.Cols, bits, signed, zeroPoints, hasBias, inputBits, inputCycles, summary);
    }
}
