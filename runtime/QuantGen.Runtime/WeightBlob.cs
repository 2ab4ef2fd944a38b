using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QuantGen.Runtime;

/// <summary>
/// A model's parameters, decoded once from the base64 text the generator embeds, into a pinned buffer
/// whose start is 64-byte aligned (each tensor sits at a multiple of 64 inside it), so kernels may use
/// aligned vector loads. Views cost nothing per call.
/// </summary>
/// <remarks>
/// Why base64 text and not <c>new byte[] { ... }</c>: the compiler's cost follows the number of array
/// elements; 4 MB as a byte array literal takes minutes and gigabytes to compile, as a UTF-8 string
/// literal seconds (measured in benchmarks/build-cost/README.md; README "Weights in the assembly").
/// </remarks>
public sealed class WeightBlob
{
    /// <summary>Returns chunk <paramref name="index"/> of a model's parameters as UTF-8 base64 (a generated literal).</summary>
    public delegate ReadOnlySpan<byte> Base64Chunk(int index);

    /// <summary>Bytes every tensor's offset is a multiple of, so that vector loads of a row start aligned.</summary>
    public const int Alignment = KernelGeometry.BlobAlignment;

    private readonly byte[] _buffer;
    private readonly int _start;
    private readonly int _length;

    private WeightBlob(byte[] buffer, int start, int length)
    {
        _buffer = buffer;
        _start = start;
        _length = length;
    }

    /// <summary>Decodes <paramref name="utf8Base64"/>, which must hold exactly <paramref name="length"/> bytes.</summary>
    public static WeightBlob FromBase64(ReadOnlySpan<byte> utf8Base64, int length)
    {
        (byte[] buffer, int start) = Allocate(length);
        Decode(utf8Base64, buffer.AsSpan(start, length), 0);
        return new WeightBlob(buffer, start, length);
    }

    /// <summary>
    /// Decodes <paramref name="chunkCount"/> base64 chunks, each <paramref name="chunkBytes"/> bytes but the last,
    /// into one blob of <paramref name="length"/> bytes. Large models embed their parameters this way because
    /// the compiler's memory follows the size of the largest literal in one member (Emitter.Data.cs).
    /// </summary>
    public static WeightBlob FromBase64(int length, int chunkBytes, int chunkCount, Base64Chunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunkBytes <= 0 || chunkCount <= 0 || (long)chunkBytes * (chunkCount - 1) >= length || (long)chunkBytes * chunkCount < length)
        {
            throw new ArgumentException($"{chunkCount} chunks of {chunkBytes} bytes cannot hold {length} bytes.", nameof(chunkCount));
        }

        (byte[] buffer, int start) = Allocate(length);
        for (int i = 0; i < chunkCount; i++)
        {
            int offset = i * chunkBytes;
            Decode(chunk(i), buffer.AsSpan(start + offset, Math.Min(chunkBytes, length - offset)), offset);
        }

        return new WeightBlob(buffer, start, length);
    }

    /// <summary>A pinned buffer and the offset in it of a 64-byte boundary with <paramref name="length"/> bytes after it.</summary>
    private static unsafe (byte[] Buffer, int Start) Allocate(int length)
    {
        if (!BitConverter.IsLittleEndian)
        {
            // Parameters are stored little-endian and viewed in place.
            throw new PlatformNotSupportedException("QuantGen models need a little-endian processor.");
        }

        byte[] buffer = GC.AllocateUninitializedArray<byte>(length + Alignment, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        int start = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1));
        return (buffer, start);
    }

    /// <summary>Decodes base64 that must fill <paramref name="target"/> exactly (<paramref name="offset"/> is for the message).</summary>
    private static void Decode(ReadOnlySpan<byte> utf8Base64, Span<byte> target, int offset)
    {
        OperationStatus status = Base64.DecodeFromUtf8(utf8Base64, target, out int consumed, out int written);
        if (status != OperationStatus.Done || written != target.Length || consumed != utf8Base64.Length)
        {
            throw new InvalidDataException($"The embedded model parameters are damaged at byte {offset} ({status}, {written} of {target.Length} bytes).");
        }
    }

    /// <summary>Bytes of parameters the blob holds.</summary>
    public int Length => _length;

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public ReadOnlySpan<byte> Bytes(int offset, int length) => _buffer.AsSpan(_start + offset, length);

    /// <summary>The <paramref name="count"/> little-endian float32 values at byte <paramref name="offset"/>.</summary>
    public ReadOnlySpan<float> Floats(int offset, int count) => MemoryMarshal.Cast<byte, float>(Bytes(offset, count * sizeof(float)));

    /// <summary>The <paramref name="count"/> little-endian int32 values at byte <paramref name="offset"/>.</summary>
    public ReadOnlySpan<int> Int32s(int offset, int count) => MemoryMarshal.Cast<byte, int>(Bytes(offset, count * sizeof(int)));
}
