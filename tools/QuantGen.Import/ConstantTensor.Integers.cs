using System;
using System.Buffers.Binary;
using Google.Protobuf;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>The integer tensors of quantized models (INT8 and UINT8 codes, INT32 biases), and float tensors made at import.</summary>
internal sealed partial class ConstantTensor
{
    private const int Uint8DataType = 2;
    private const int Int8DataType = 3;
    private const int Int32DataType = 6;

    /// <summary>Whether the tensor holds INT8 or UINT8 values (a quantized tensor's codes or zero points).</summary>
    public bool IsEightBit => _proto.DataType is Uint8DataType or Int8DataType;

    /// <summary>INT8 (true) or UINT8 (false); for other types, false.</summary>
    public bool IsSigned => _proto.DataType == Int8DataType;

    /// <summary>
    /// The values of an INT8, UINT8 or INT32 tensor, from raw_data or int32_data (where ONNX keeps the small
    /// integer types when not raw).
    /// </summary>
    public int[] ReadIntegers()
    {
        int size = _proto.DataType switch
        {
            Uint8DataType or Int8DataType => 1,
            Int32DataType => 4,
            _ => throw Error($"its data type is {OnnxText.DataTypeName(_proto.DataType)}; it must be INT8, UINT8 or INT32"),
        };
        var values = new int[Count];
        if (!_proto.RawData.IsEmpty)
        {
            ReadOnlySpan<byte> raw = RequireRawLength(size);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = _proto.DataType switch
                {
                    Uint8DataType => raw[i],
                    Int8DataType => (sbyte)raw[i],
                    _ => BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(i * 4)),
                };
            }

            return values;
        }

        RequireListLength(_proto.Int32Data.Count, "int32_data");
        for (int i = 0; i < values.Length; i++)
        {
            int v = _proto.Int32Data[i];
            values[i] = _proto.DataType switch
            {
                Uint8DataType => (byte)v,
                Int8DataType => (sbyte)v,
                _ => v,
            };
        }

        return values;
    }

    /// <summary>A FLOAT tensor made by the import (a dequantized weight), described as what it was made from.</summary>
    public static ConstantTensor FromFloats(long[] dims, float[] values, string description)
    {
        var proto = new TensorProto { DataType = FloatDataType };
        proto.Dims.Add(dims);
        var raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        proto.RawData = ByteString.CopyFrom(raw);
        return new ConstantTensor(proto, description);
    }
}
