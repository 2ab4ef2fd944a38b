using QuantGen.Generator.Model;

namespace QuantGen.Generator.Strategies;

/// <summary>A tensor a strategy stores, sized in long arithmetic so that the blob is checked before anything is repacked.</summary>
internal sealed class TensorShape
{
    public TensorShape(TensorRole role, TensorKind kind, long count, string description)
    {
        Role = role;
        Kind = kind;
        Count = count;
        Description = description;
    }

    public TensorRole Role { get; }
    public TensorKind Kind { get; }
    public long Count { get; }
    public string Description { get; }
    public long ByteLength => Kind == TensorKind.Bytes ? Count : 4 * Count;
}
