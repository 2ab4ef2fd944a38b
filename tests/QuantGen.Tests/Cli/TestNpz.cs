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

    private static void Member(ZipArchive zip, string name, string descr, string shape, byte[] data)
    {
        byte[] header = Encoding.ASCII.GetBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
        using Stream s = zip.CreateEntry(name + ".npy").Open();
        s.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
        s.Write(header);
        s.Write(data);
    }
}
