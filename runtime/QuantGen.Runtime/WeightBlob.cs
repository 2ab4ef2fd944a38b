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
/// literal seconds (shared/DESIGN.md; README "Weights in the assembly").
/// </remarks>
public sealed class WeightBlob
{
    public const int Alignment = 64;

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
    public static unsafe WeightBlob FromBase64(ReadOnlySpan<byte> utf8Base64, int length)
    {
        if (!BitConverter.IsLittleEndian)
        {
            // Parameters are stored little-endian and viewed in place.
            throw new PlatformNotSupportedException("QuantGen models need a little-endian processor.");
        }

        byte[] buffer = GC.AllocateUninitializedArray<byte>(length + Alignment, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        int start = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1));
        Span<byte> target = buffer.AsSpan(start, length);
        OperationStatus status = Base64.DecodeFromUtf8(utf8Base64, target, out _, out int written);
        if (status != OperationStatus.Done || written != length)
        {
            throw new InvalidDataException($"The embedded model parameters are damaged ({status}, {written} of {length} bytes).");
        }

        return new WeightBlob(buffer, start, length);
    }

    public int Length => _length;

    public ReadOnlySpan<byte> Bytes(int offset, int length) => _buffer.AsSpan(_start + offset, length);

    public ReadOnlySpan<float> Floats(int offset, int count) => MemoryMarshal.Cast<byte, float>(Bytes(offset, count * sizeof(float)));

    public ReadOnlySpan<int> Int32s(int offset, int count) => MemoryMarshal.Cast<byte, int>(Bytes(offset, count * sizeof(int)));
}
