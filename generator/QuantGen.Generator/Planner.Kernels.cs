using System.Collections.Generic;
using QuantGen.Generator.Layouts;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator;

internal static partial class Planner
{
    /// <summary>
    /// The table kernel's cost grows with its plane count (one permute per 4 columns, 16 rows and plane);
    /// past 8 planes (a 4-bit level table expands to 15) decoding each weight is about as cheap, so those
    /// layers keep the plain kernel.
    /// </summary>
    public const int MaxLutPlanes = 8;

    /// <summary>
    /// An upper bound of the bytes a fast kernel's repacked weights take (padding, per-row scales), in long
    /// arithmetic, for the blob-size check made before planning; 0 when no fast kernel applies.
    /// </summary>
    private static long FastPayloadBytes(Dense dense, ActivationQuantizer? quantizer)
    {
        long rows = dense.OutFeatures, cols = dense.InFeatures;
        Weights w = dense.Weights;
        if (w.CodecCase == Weights.CodecOneofCase.MultiBinary && quantizer?.KindCase == ActivationQuantizer.KindOneofCase.OnlineMultiBinary)
        {
            return rows * w.MultiBinary.Bits * ((cols + 511) / 512 * 64) + 4L * w.MultiBinary.Coefficients.Count + 2 * WeightBlobAlignment;
        }

        if (w.CodecCase == Weights.CodecOneofCase.Uniform && w.Uniform.Bits == 8 && quantizer?.KindCase == ActivationQuantizer.KindOneofCase.Uniform && quantizer.Uniform.Bits == 8)
        {
            return rows * ((cols + 63) / 64 * 64) + 12 * rows + 4 * WeightBlobAlignment;
        }

        long planes = KernelLayouts.LutPlaneCount(w);
        if (planes == 0 || planes > MaxLutPlanes)
        {
            return 0;
        }

        long paddedRows = (rows + KernelLayouts.LutBlockRows - 1) / KernelLayouts.LutBlockRows * KernelLayouts.LutBlockRows;
        return paddedRows * planes * ((cols + 7) / 8) + 4 * paddedRows * (planes + 1) + 3 * WeightBlobAlignment;
    }

    /// <summary>A fast kernel chosen for a dense layer, with its tensors already placed.</summary>
    private sealed record FastDense(KernelKind Kernel, string Reason, string Summary, int Bits, int Planes, int RowScratch);

    /// <summary>
    /// Picks a fast kernel for a dense layer when one fits its codec and input quantizer, and lays out the
    /// repacked weights; null keeps the plain decode-then-dot kernel.
    /// MultiBinary weights with online multi-bit activations: xor/popcount over every pair of planes.
    /// Any other low-bit weights (Uniform, MultiBinary, Levels up to 3 bits) with float or quantized
    /// activations: bit-planes and tables of partial sums.
    /// </summary>
    private static FastDense? TryPlanFastDense(Dense dense, int index, QuantizerPlan? quantizer, List<TensorPlan> tensors, ref int offset, ref long weightBytes)
    {
        int rows = dense.OutFeatures;
        int cols = dense.InFeatures;
        Weights w = dense.Weights;
        string shape = $"{rows} x {cols}";
        FastDense? plan;
        if (w.CodecCase == Weights.CodecOneofCase.MultiBinary && quantizer is { Kind: QuantizerKind.OnlineMultiBinary })
        {
            int bits = w.MultiBinary.Bits;
            int words = KernelLayouts.XnorRowWords(cols);
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.XnorPlanes, TensorKind.Bytes, rows * bits * words * 8, $"{bits} bit planes of {{-1, +1}} as 64-bit words, [row][plane][{words}], {shape}");
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Coefficients, TensorKind.Floats, w.MultiBinary.Coefficients.Count, $"coefficients, {rows} x {bits}");
            // The bound the generator knows: a plane pair's disagreement count is at most cols, so per-vector
            // byte counters (at most 8 each) are summed into 64-bit lanes every 31 vectors and never overflow.
            string reason = $"xnor/popcount over {bits} x {quantizer.Bits} plane pairs, 4 rows per pass, the input coded online "
                + $"({quantizer.Cycles} alternating cycles) and packed into {words * 64}-bit rows; each pair's count is at most {cols} "
                + $"(byte counters summed every 31 vectors, totals in 64-bit lanes); coefficients x betas applied once per row";
            plan = new FastDense(KernelKind.DenseXnor, reason, $"MultiBinary {bits}-bit, per-row coefficients", bits, 0, KernelLayouts.XnorScratchFloats(cols, quantizer.Bits));
        }
        else if (w.CodecCase == Weights.CodecOneofCase.Uniform && w.Uniform.Bits == 8 && quantizer is { Kind: QuantizerKind.Uniform, Bits: 8 })
        {
            UniformCodec u = w.Uniform;
            int stride = KernelLayouts.Int8RowBytes(cols);
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Int8Codes, TensorKind.Bytes, rows * stride, $"signed 8-bit codes{(u.Signed ? "" : " (stored code - 128)")}, rows padded to {stride} bytes, {shape}");
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Int8Product, TensorKind.Floats, rows, "per-row scale x input step");
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Int8Constant, TensorKind.Floats, rows, "per-row constant (input offset, zero point)");
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Int8PerSum, TensorKind.Floats, rows, "per-row multiple of the sum of input codes");
            // The bound the generator knows from the actual codes: the largest |dot| any input can give.
            long bound = KernelLayouts.Int8(u, rows, cols, quantizer.Lo, quantizer.Hi).Bound;
            string reason = $"integer dot products of signed weight codes and the input's 8-bit codes (AVX-VNNI vpdpbusd or widening multiply-add), 4 rows per pass; "
                + $"the largest possible |dot| from these weights is {bound}, {(bound <= short.MaxValue ? "within 16 bits" : "beyond 16 bits")}, so 32-bit accumulators (exact); scales, zero points and the input range in a per-row float epilogue";
            plan = new FastDense(KernelKind.DenseInt8, reason, $"Uniform 8-bit {(u.Signed ? "signed" : "unsigned")}, {(u.Scales.Count == 1 ? "per-tensor" : "per-row")} scale{(u.ZeroPoints.Count == 0 ? "" : ", zero point")}", 8, 0, stride / 4);
        }
        else
        {
            int planes = KernelLayouts.LutPlaneCount(w);
            if (planes == 0 || planes > MaxLutPlanes)
            {
                return null;
            }

            int bytes = KernelLayouts.LutPlaneBytes(rows, cols, planes);
            int blocks = KernelLayouts.LutBlocks(rows);
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.LutPlanes, TensorKind.Bytes, bytes, $"{planes} {{0, 1}} planes, [16-row block][plane][8-column group][row], {shape}");
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.LutPlaneScales, TensorKind.Floats, blocks * planes * KernelLayouts.LutBlockRows, "plane scales, [16-row block][plane][row]");
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.LutSumScales, TensorKind.Floats, blocks * KernelLayouts.LutBlockRows, "per-row multiple of sum(x)");
            (string summary, string planesAre) = w.CodecCase switch
            {
                Weights.CodecOneofCase.Uniform => (
                    $"Uniform {w.Uniform.Bits}-bit {(w.Uniform.Signed ? "signed" : "unsigned")}, {(w.Uniform.Scales.Count == 1 ? "per-tensor" : "per-row")} scale{(w.Uniform.ZeroPoints.Count == 0 ? "" : ", zero point")}",
                    $"the codes' binary digits{(w.Uniform.Signed ? " (sign digit -2^" + (w.Uniform.Bits - 1) + ")" : "")} times the scale, zero point folded into a multiple of sum(x)"),
                Weights.CodecOneofCase.MultiBinary => (
                    $"MultiBinary {w.MultiBinary.Bits}-bit, per-row coefficients",
                    "the sign planes as (+-1 + 1) / 2, scaled by 2c, minus sum(c) sum(x)"),
                _ => (
                    $"Levels {w.Levels.Bits}-bit, {w.Levels.Levels.Count} levels",
                    "the level table's expansion over ANDs of code bits (Moebius coefficients), levels[0] times sum(x)"),
            };
            int tables = KernelLayouts.LutTableFloats(cols);
            string reason = $"bit-plane table lookup: {planes} planes ({planesAre}); per input, 16 partial sums for every 4 columns ({tables} floats); "
                + $"one permute gives 16 rows x 4 columns of a plane; plane scales applied once per block";
            int bits = w.CodecCase switch { Weights.CodecOneofCase.Uniform => w.Uniform.Bits, Weights.CodecOneofCase.MultiBinary => w.MultiBinary.Bits, _ => w.Levels.Bits };
            plan = new FastDense(KernelKind.DensePlaneLut, reason, summary, bits, planes, tables);
        }

        if (dense.Bias.Count > 0)
        {
            Add(tensors, ref offset, ref weightBytes, index, TensorRole.Bias, TensorKind.Floats, dense.Bias.Count, "bias");
        }

        return plan;
    }
}
