using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// The graph's input and output: exactly one of each, float32 tensors with the batch first. The input's
/// other dimensions give the description's input shape; the output's declared shape, where it says one,
/// must be what the layers give.
/// </summary>
internal static class GraphInterface
{
    private const int FloatType = 1;

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

    /// <summary>The input's shape per sample; its first dimension is the batch (a number or a symbol).</summary>
    public static (long[] Sample, long? Batch) InputShape(ValueInfoProto input)
    {
        string label = "the graph input " + OnnxText.Quote(input.Name);
        TypeProto.Types.Tensor tensor = FloatTensor(input, label);
        if (tensor.Shape is null || tensor.Shape.Dim.Count < 2)
        {
            string shape = tensor.Shape is null ? "no shape" : FormattableString.Invariant($"{tensor.Shape.Dim.Count} dimension(s)");
            throw new OnnxImportException($"{label} has {shape}; it must be [batch, features...] with the batch first");
        }

        var sample = new long[tensor.Shape.Dim.Count - 1];
        for (int i = 0; i < sample.Length; i++)
        {
            TensorShapeProto.Types.Dimension dim = tensor.Shape.Dim[i + 1];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                throw new OnnxImportException(FormattableString.Invariant($"{label}: dimension {i + 1} is not a number; only the batch (the first) may be symbolic"));
            }

            sample[i] = dim.DimValue;
        }

        if (!ImportContext.TryLength(sample, out _))
        {
            throw new OnnxImportException(FormattableString.Invariant($"{label} has the shape {OnnxText.BatchShape(sample)}; every dimension must be positive and a sample at most {DescriptionValidator.MaxActivationLength} values"));
        }

        TensorShapeProto.Types.Dimension first = tensor.Shape.Dim[0];
        long? batch = first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? first.DimValue : null;
        return (sample, batch);
    }

    /// <summary>The output's declared shape (if any) must be what the layers give.</summary>
    public static long[] CheckOutput(ValueInfoProto output, long[] computed)
    {
        string label = "the graph output " + OnnxText.Quote(output.Name);
        TypeProto.Types.Tensor tensor = FloatTensor(output, label);
        if (tensor.Shape is not null)
        {
            var dims = tensor.Shape.Dim;
            bool fits = dims.Count == computed.Length + 1;
            for (int i = 0; fits && i < computed.Length; i++)
            {
                TensorShapeProto.Types.Dimension dim = dims[i + 1];
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

    private static TypeProto.Types.Tensor FloatTensor(ValueInfoProto value, string label)
    {
        TypeProto.Types.Tensor? tensor = value.Type?.TensorType;
        if (tensor is null)
        {
            throw new OnnxImportException($"{label} is not a tensor");
        }

        if (tensor.ElemType != FloatType)
        {
            throw new OnnxImportException($"{label} has the element type {OnnxText.DataTypeName(tensor.ElemType)}; only float32 is supported");
        }

        return tensor;
    }

    public static TensorInfo Tensor(string name, long[] shape)
    {
        var info = new TensorInfo { Name = name };
        info.Shape.Add(shape.Select(d => (int)d));
        return info;
    }
}
