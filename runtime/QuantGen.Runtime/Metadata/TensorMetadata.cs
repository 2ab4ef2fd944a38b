using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace QuantGen;

/// <summary>A model's input or output as its description declares it: a name and a shape.</summary>
public sealed class TensorMetadata
{
    /// <summary>Makes the metadata of one tensor; generated code calls this with constants.</summary>
    /// <param name="name">The tensor's name in the description ("" when it has none).</param>
    /// <param name="shape">Its dimensions, outermost first; each above zero. The array is copied.</param>
    /// <exception cref="ArgumentException">When <paramref name="shape"/> is empty or a dimension is not above zero.</exception>
    public TensorMetadata(string name, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0)
        {
            throw new ArgumentException("A shape needs at least one dimension.", nameof(shape));
        }

        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException($"Dimensions must be above zero; this shape has {dimension}.", nameof(shape));
            }

            length = checked(length * dimension);
        }

        Name = name;
        Shape = new ReadOnlyCollection<int>((int[])shape.Clone());
        Length = checked((int)length);
    }

    /// <summary>The name the description gives the tensor ("" when it has none).</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first, as the description declares them (for example 1, 8, 8 for one 8 x 8 channel).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Values in the tensor: the product of <see cref="Shape"/>, the length of the vector the model reads or writes.</summary>
    public int Length { get; }

    /// <summary>The name and the shape, for example <c>pixels [1, 8, 8]</c>.</summary>
    public override string ToString() => $"{Name} {ShapeText.Of(Shape)}";
}
