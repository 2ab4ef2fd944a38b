using System;
using System.Buffers.Binary;
using System.Linq;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Import;

/// <summary>
/// A tensor whose values are in the file (an initializer or a Constant node's value). The shape is
/// checked when it is registered; the values are decoded, and checked, only when a converter asks for them.
/// </summary>
internal sealed partial class ConstantTensor
{
    private const int FloatDataType = 1;
    private const int Int64DataType = 7;
    private const int ExternalLocation = 1;

    private readonly TensorProto _proto;

    public ConstantTensor(TensorProto proto, string description)
    {
        _proto = proto;
        Description = description;
        if (proto.DataLocation == ExternalLocation || proto.ExternalData.Count > 0)
        {
            throw Error($"its values are stored in an external file; only tensors inside the .onnx file are supported");
        }

        if (!proto.Segment.IsEmpty)
        {
            throw Error($"it is split into segments, which is not supported");
        }

        long count = 1;
        foreach (long dim in proto.Dims)
        {
            if (dim < 0)
            {
                throw Error($"its shape {OnnxText.Shape(proto.Dims)} has a negative dimension");
            }

            // Checked before multiplying, so a corrupt shape cannot overflow.
            if (dim > DescriptionValidator.MaxTensorLength || count * dim > DescriptionValidator.MaxTensorLength)
            {
                throw Error($"its shape {OnnxText.Shape(proto.Dims)} holds more than {DescriptionValidator.MaxTensorLength} values");
            }

            count *= dim;
        }

        Dims = proto.Dims.ToArray();
        Count = count;
    }

    /// <summary>Where the tensor comes from, for messages: initializer "fc1.weight".</summary>
    public string Description { get; }

    public long[] Dims { get; }

    /// <summary>The number of values (the product of <see cref="Dims"/>; 1 for a scalar).</summary>
    public long Count { get; }

    /// <summary>The values as float32; refuses any other data type, a wrong count and non-finite values.</summary>
    public float[] ReadFloats()
    {
        RequireType(FloatDataType);
        float[] values;
        if (!_proto.RawData.IsEmpty)
        {
            ReadOnlySpan<byte> raw = RequireRawLength(sizeof(float));
            values = new float[Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
            }
        }
        else
        {
            RequireListLength(_proto.FloatData.Count, "float_data");
            values = _proto.FloatData.ToArray();
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw Error($"value {i} is {values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}; the model's parameters must be finite");
            }
        }

        return values;
    }

    /// <summary>The values as int64 (shape operands such as Reshape's target shape).</summary>
    public long[] ReadInt64s()
    {
        RequireType(Int64DataType);
        if (!_proto.RawData.IsEmpty)
        {
            ReadOnlySpan<byte> raw = RequireRawLength(sizeof(long));
            var values = new long[Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * sizeof(long)));
            }

            return values;
        }

        RequireListLength(_proto.Int64Data.Count, "int64_data");
        return _proto.Int64Data.ToArray();
    }

    public OnnxImportException Error(FormattableString message) =>
        new OnnxImportException(Description + ": " + FormattableString.Invariant(message));

    private void RequireType(int dataType)
    {
        if (_proto.DataType != dataType)
        {
            throw Error($"its data type is {OnnxText.DataTypeName(_proto.DataType)}; it must be {OnnxText.DataTypeName(dataType)}");
        }
    }

    private ReadOnlySpan<byte> RequireRawLength(int elementSize)
    {
        ReadOnlySpan<byte> raw = _proto.RawData.Span;
        if (raw.Length != Count * elementSize)
        {
            throw Error($"raw_data holds {raw.Length} bytes but the shape {OnnxText.Shape(Dims)} needs {Count * elementSize}");
        }

        return raw;
    }

    private void RequireListLength(int length, string field)
    {
        if (length != Count)
        {
            throw Error($"{field} holds {length} values but the shape {OnnxText.Shape(Dims)} needs {Count}");
        }
    }
}
