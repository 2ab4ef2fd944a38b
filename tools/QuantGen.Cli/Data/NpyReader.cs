using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace QuantGen.Cli.Data;

/// <summary>
/// Reads the .npy format (numpy's NEP 1: magic, version, header length, a dict literal, then the raw
/// values) for versions 1.0, 2.0 and 3.0; float32, float64, int32 and int64, little-endian, C order.
/// Anything else is refused with a message that says what the file holds and what would work.
/// </summary>
public static class NpyReader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy pads headers to a multiple of 64 bytes and keeps them small; a larger one is not a real header.
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>Reads one array. <paramref name="length"/> is the stream's byte count when known, to catch a short file before allocating.</summary>
    public static NpyArray Read(Stream stream, string source, long? length = null)
    {
        // The values are copied straight into the arrays' memory: that is only right on a little-endian machine.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("this reader runs on little-endian machines only");
        }

        Span<byte> preamble = stackalloc byte[8];
        if (ReadFully(stream, preamble) < preamble.Length || !preamble[..6].SequenceEqual(Magic))
        {
            throw new NpyFormatException($"{source}: not a .npy array (it does not start with \\x93NUMPY)");
        }

        int major = preamble[6];
        int sizeBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new NpyFormatException($"{source}: .npy version {major}.{preamble[7]} is not supported (1.0, 2.0 and 3.0 are)"),
        };
        Span<byte> sizeField = stackalloc byte[4];
        if (ReadFully(stream, sizeField[..sizeBytes]) < sizeBytes)
        {
            throw new NpyFormatException($"{source}: truncated in the header");
        }

        long headerLength = sizeBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(sizeField) : BinaryPrimitives.ReadUInt32LittleEndian(sizeField);
        if (headerLength > MaxHeaderBytes)
        {
            throw new NpyFormatException($"{source}: a header of {headerLength} bytes is not a .npy header");
        }

        byte[] headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength)
        {
            throw new NpyFormatException($"{source}: truncated in the header");
        }

        // Versions 1 and 2 write the header in latin-1, version 3 in UTF-8.
        string headerText = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        NpyHeader header = NpyHeader.Parse(headerText, source);
        NpyType type = TypeOf(header.Descr, source);
        if (header.FortranOrder)
        {
            throw new NpyFormatException($"{source}: the array is in Fortran (column-major) order; save it in C order (np.ascontiguousarray)");
        }

        long count = 1;
        foreach (long d in header.Shape)
        {
            count = d == 0 ? 0 : count > Array.MaxLength / d ? throw new NpyFormatException($"{source}: shape {string.Join("x", header.Shape)} is too large") : count * d;
        }

        int itemSize = type is NpyType.Float32 or NpyType.Int32 ? 4 : 8;
        long dataBytes = count * itemSize;
        if (length is long total)
        {
            long available = total - 8 - sizeBytes - headerLength;
            if (available < dataBytes)
            {
                throw new NpyFormatException($"{source}: truncated: shape {string.Join("x", header.Shape)} needs {dataBytes} bytes of data, the file has {Math.Max(0, available)}");
            }
        }

        Array values = type switch
        {
            NpyType.Float32 => new float[count],
            NpyType.Float64 => new double[count],
            NpyType.Int32 => new int[count],
            _ => new long[count],
        };
        Span<byte> bytes = values switch
        {
            float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
            double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
            int[] i => MemoryMarshal.AsBytes(i.AsSpan()),
            _ => MemoryMarshal.AsBytes(((long[])values).AsSpan()),
        };
        int read = ReadFully(stream, bytes);
        if (read < bytes.Length)
        {
            throw new NpyFormatException($"{source}: truncated: shape {string.Join("x", header.Shape)} needs {dataBytes} bytes of data, the file has {read}");
        }

        if (stream.ReadByte() != -1)
        {
            throw new NpyFormatException($"{source}: more bytes follow the {dataBytes} bytes its shape {string.Join("x", header.Shape)} holds");
        }

        return new NpyArray(source, type, Array.ConvertAll(header.Shape, d => (int)d), values);
    }

    private static NpyType TypeOf(object descr, string source)
    {
        if (descr is not string text)
        {
            throw new NpyFormatException($"{source}: a structured dtype is not supported; save a plain float32, float64, int32 or int64 array");
        }

        if (text.Length >= 2 && text[0] == '>' && text[1] != '>')
        {
            throw new NpyFormatException($"{source}: big-endian data ('{text}') is not supported; save it little-endian (a.astype('<{text[1..]}'))");
        }

        return text switch
        {
            "<f4" => NpyType.Float32,
            "<f8" => NpyType.Float64,
            "<i4" => NpyType.Int32,
            "<i8" => NpyType.Int64,
            "|O" or "O" => throw new NpyFormatException($"{source}: object arrays (dtype 'O') are not supported; save numbers (float32, float64, int32 or int64)"),
            _ => throw new NpyFormatException($"{source}: dtype '{text}' is not supported; use float32, float64, int32 or int64"),
        };
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
