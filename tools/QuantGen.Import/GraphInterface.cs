using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// The graph's input and output: exactly one of each (a recurrent layer's final states aside), float32 (or token ids) with the batch first. The input's
/// other dimensions give the description's input shape; the output's declared shape, where it says one,
/// must be what the layers give.
/// </summary>
internal static class GraphInterface
{
    private const int FloatType = 1;
    private const int Int32Type = 6;
    private const int Int64Type = 7;

    /// <summary>The one graph input that is not an initializer (files before IR version 4 list initializers as inputs too).</summary>
    public static ValueInfoProto SingleInput(GraphProto graph, Func<string, bool> isInitializer) =>
        Single(graph.Input.Where(i => !isInitializer(i.Name)).ToList(), "inputs");

    /// <summary>The one value of a list (the graph's inputs or outputs), or an error naming them all.</summary>
    public static ValueInfoProto Single(IList<ValueInfoProto> values, string what)
    {
        if (values.Count != 1)
        {
            string names = values.Count == 0 ? "" : " (" + string.Join(", ", values.Select(v => OnnxText.Quote(v.Name))) + ")";
            throw new OnnxImportException(FormattableString.Invariant($"the graph has {values.Count} {what}{names}; QuantGen models have exactly one"));
        }

        return values[0];
    }

    /// <summary>
    /// The input's shape per sample (per time step for a <paramref name="sequence"/>); its first dimension
    /// is the batch (a number or a symbol), then for a sequence the time (any). Token ids (int64 or int32)
    /// are one id per sample or step: [batch] or [batch, 1], or [batch, time] for a sequence.
    /// </summary>
    public static GraphInput Input(ValueInfoProto input, bool sequence)
    {
        string label = "the graph input " + OnnxText.Quote(input.Name);
        TypeProto.Types.Tensor tensor = Tensor(input, label);
        bool tokens = tensor.ElemType is Int64Type or Int32Type;
        if (!tokens && tensor.ElemType != FloatType)
        {
            throw new OnnxImportException($"{label} has the element type {OnnxText.DataTypeName(tensor.ElemType)}; only float32 (or int64 token ids for an embedding) is supported");
        }

        int leading = sequence ? 2 : 1;
        int rank = tensor.Shape?.Dim.Count ?? -1;
        bool rankFits = tokens ? (sequence ? rank == 2 : rank is 1 or 2) : rank > leading;
        if (!rankFits)
        {
            string shape = rank < 0 ? "no shape" : FormattableString.Invariant($"{rank} dimension(s)");
            string expected = (tokens, sequence) switch
            {
                (true, true) => "[batch, time] token ids",
                (true, false) => "[batch] or [batch, 1] token ids",
                (false, true) => "[batch, time, features...] (batch_first)",
                _ => "[batch, features...] with the batch first",
            };
            throw new OnnxImportException($"{label} has {shape}; it must be {expected}");
        }

        var sample = new long[rank - leading];
        for (int i = 0; i < sample.Length; i++)
        {
            TensorShapeProto.Types.Dimension dim = tensor.Shape!.Dim[i + leading];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                throw new OnnxImportException(FormattableString.Invariant($"{label}: dimension {i + leading} is not a number; only the batch{(sequence ? " and the time" : "")} may be symbolic"));
            }

            sample[i] = dim.DimValue;
        }

        if (tokens && sample.Any(d => d != 1))
        {
            throw new OnnxImportException($"{label} holds {OnnxText.DataTypeName(tensor.ElemType)} values of the shape {OnnxText.BatchShape(sample)}; integers are token ids for an embedding, one per sample ([batch] or [batch, 1]); other inputs must be float32");
        }

        if (!ImportContext.TryLength(sample, out _))
        {
            throw new OnnxImportException(FormattableString.Invariant($"{label} has the shape {OnnxText.BatchShape(sample)}; every dimension must be positive and a sample at most {DescriptionValidator.MaxActivationLength} values"));
        }

        TensorShapeProto.Types.Dimension first = tensor.Shape!.Dim[0];
        long? batch = first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? first.DimValue : null;
        return new GraphInput(tokens ? new long[] { 1 } : sample, sample, batch, sequence, tokens);
    }

    /// <summary>The input's first two dimensions (batch and time) are both the number 1.</summary>
    public static bool HasOneStep(ValueInfoProto input)
    {
        var dims = input.Type?.TensorType?.Shape?.Dim;
        return dims is { Count: >= 2 } && dims.Take(2).All(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue == 1);
    }

    /// <summary>The output's declared shape (if any) must be what the layers give.</summary>
    public static long[] CheckOutput(ValueInfoProto output, long[] computed, SequenceAxes? sequence)
    {
        string label = "the graph output " + OnnxText.Quote(output.Name);
        if (sequence is not (null or SequenceAxes.BatchTime))
        {
            throw new OnnxImportException($"{label} is not batch first ({sequence}); a sequence model's output must be [batch, time, features...] (batch_first)");
        }

        int leading = sequence is null ? 1 : 2;
        TypeProto.Types.Tensor tensor = Tensor(output, label);
        if (tensor.ElemType != FloatType)
        {
            throw new OnnxImportException($"{label} has the element type {OnnxText.DataTypeName(tensor.ElemType)}; only float32 is supported");
        }

        if (tensor.Shape is not null)
        {
            var dims = tensor.Shape.Dim;
            bool fits = dims.Count == computed.Length + leading;
            for (int i = 0; fits && i < computed.Length; i++)
            {
                TensorShapeProto.Types.Dimension dim = dims[i + leading];
                fits = dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dim.DimValue == computed[i];
            }

            if (!fits)
            {
                string declared = "[" + string.Join(", ", dims.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
                    ? d.DimValue.ToString(CultureInfo.InvariantCulture) : "?")) + "]";
                throw new OnnxImportException($"{label} is declared as {declared} but the layers give {OnnxText.BatchShape(computed)}");
            }
        }

        return computed;
    }

    private static TypeProto.Types.Tensor Tensor(ValueInfoProto value, string label) =>
        value.Type?.TensorType ?? throw new OnnxImportException($"{label} is not a tensor");

    public static TensorInfo Tensor(string name, long[] shape)
    {
        var info = new TensorInfo { Name = name };
        info.Shape.Add(shape.Select(d => (int)d));
        return info;
    }
}

/// <summary>
/// The graph input as the import sees it: the description's input shape (one value for a token id), the
/// shape of one sample (one time step of a sequence; empty for a token id), and the batch when it is a number.
/// </summary>
internal sealed record GraphInput(long[] DescriptionShape, long[] Sample, long? Batch, bool Sequence, bool Tokens);
