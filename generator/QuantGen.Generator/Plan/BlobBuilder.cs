using System;
using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;
using QuantGen.Runtime;

namespace QuantGen.Generator;

/// <summary>Places tensors one after another at <see cref="KernelGeometry.BlobAlignment"/> boundaries and gathers their bytes.</summary>
internal sealed class BlobBuilder
{
    private readonly List<(TensorPlan Tensor, byte[] Bytes)> _tensors = new();
    private int _offset;
    private long _payload;

    /// <summary>Bytes a matrix's tensors take in the blob, alignment included, in long arithmetic (checked before planning).</summary>
    public static long Space(IEnumerable<TensorShape> shapes)
    {
        long total = 0;
        foreach (TensorShape shape in shapes)
        {
            total += KernelGeometry.Aligned(shape.ByteLength);
        }

        return total;
    }

    public TensorPlan Add(MatrixRequest m, TensorShape shape, byte[] bytes)
    {
        if (bytes.Length != shape.ByteLength)
        {
            throw new InvalidOperationException($"the {shape.Role} tensor of layer {m.Layer} holds {bytes.Length} bytes where its layout says {shape.ByteLength}");
        }

        var tensor = new TensorPlan(m.Data + shape.Role, m.Layer, m.Part, shape.Role, shape.Kind, _offset, bytes.Length, (int)shape.Count, shape.Description);
        _tensors.Add((tensor, bytes));
        _offset += (int)KernelGeometry.Aligned(bytes.Length);
        _payload += bytes.Length;
        return tensor;
    }

    public BlobPlan Build(string sourceHash)
    {
        var blob = new byte[_offset];
        var tensors = new TensorPlan[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            tensors[i] = _tensors[i].Tensor;
            Buffer.BlockCopy(_tensors[i].Bytes, 0, blob, tensors[i].Offset, tensors[i].ByteLength);
        }

        return new BlobPlan(tensors.ToEquatableArray(), _offset, _payload, blob, sourceHash);
    }
}
