using System;
using System.IO;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace QuantGen.Tests.Cli;

/// <summary>Writes small .npz files for tests that need data of a given shape (the reader's own fixtures come from numpy).</summary>
public static class TestNpz
{
    public static void Write(string path, float[] x, int rows, long[]? y)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        Member(zip, "x", "<f4", $"({rows}, {x.Length / rows})", MemoryMarshal.AsBytes(x.AsSpan()).ToArray());
        if (y is not null)
        {
            Member(zip, "y", "<i8", $"({y.Length},)", MemoryMarshal.AsBytes(y.AsSpan()).ToArray());
        }
    }

    /// <summary>A version 1.0 .npy file with the given header text (a dict literal) and data bytes.</summary>
    public static byte[] Npy(string header, byte[] data)
    {
        byte[] text = Encoding.ASCII.GetBytes(header + "\n");
        var file = new MemoryStream();
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)text.Length, (byte)(text.Length >> 8)]);
        file.Write(text);
        file.Write(data);
        return file.ToArray();
    }

    private static void Member(ZipArchive zip, string name, string descr, string shape, byte[] data)
    {
        using Stream s = zip.CreateEntry(name + ".npy").Open();
        s.Write(Npy($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}", data));
    }
}
