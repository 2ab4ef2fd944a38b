using System;

namespace QuantGen.Generator.Model;

/// <summary>
/// The parameter blob, complete: every tensor placed (<see cref="Tensors"/>) and its bytes already
/// repacked for the kernel that reads it (<see cref="Bytes"/>). The emitter writes it out as it is;
/// WeightBytes, the generated header and <c>quantgen inspect</c> all read <see cref="PayloadBytes"/>.
/// Compared by its tensors and the content hash of the description the bytes were made from: the bytes
/// are a function of those two, and may be hundreds of megabytes that the pipeline must not compare.
/// </summary>
internal sealed class BlobPlan : IEquatable<BlobPlan>
{
    public BlobPlan(EquatableArray<TensorPlan> tensors, int length, long payloadBytes, byte[] bytes, string sourceHash)
    {
        Tensors = tensors;
        Length = length;
        PayloadBytes = payloadBytes;
        Bytes = bytes;
        SourceHash = sourceHash;
    }

    public EquatableArray<TensorPlan> Tensors { get; }

    /// <summary>Bytes of the blob, alignment padding included.</summary>
    public int Length { get; }

    /// <summary>Bytes of the tensors themselves, without alignment padding.</summary>
    public long PayloadBytes { get; }

    /// <summary>The blob's contents, little-endian; not part of equality (see the class summary).</summary>
    public byte[] Bytes { get; }

    public string SourceHash { get; }

    public bool Equals(BlobPlan? other) =>
        other is not null && Length == other.Length && PayloadBytes == other.PayloadBytes && SourceHash == other.SourceHash && Tensors.Equals(other.Tensors);

    public override bool Equals(object? obj) => Equals(obj as BlobPlan);

    public override int GetHashCode() => Length ^ SourceHash.GetHashCode();
}
