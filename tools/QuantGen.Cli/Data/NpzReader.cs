using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace QuantGen.Cli.Data;

/// <summary>
/// Reads a .npz (a zip of .npy members, stored or deflated, as numpy's savez and savez_compressed write
/// it) or a single .npy; which one is decided by the file's first bytes, not its name.
/// </summary>
public static class NpzReader
{
    /// <summary>Every array in the file by name: the member's name without ".npy"; a lone .npy file gives one array named after the file.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        string name = Path.GetFileName(path);
        using FileStream file = OpenRead(path);
        Span<byte> start = stackalloc byte[4];
        int read = file.Read(start);
        file.Position = 0;
        if (read >= 2 && start[0] == 0x93 && start[1] == (byte)'N')
        {
            string stem = Path.GetFileNameWithoutExtension(path);
            return new Dictionary<string, NpyArray> { [stem] = NpyReader.Read(file, name, file.Length) };
        }

        if (read < 4 || start[0] != (byte)'P' || start[1] != (byte)'K')
        {
            throw new NpyFormatException($"{name}: not a .npz (zip) or .npy file");
        }

        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Read);
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                {
                    continue;
                }

                string member = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using Stream stream = entry.Open();
                arrays[member] = NpyReader.Read(stream, $"{name}:{member}", entry.Length);
            }
        }
        catch (InvalidDataException e)
        {
            throw new NpyFormatException($"{name}: not a readable zip archive ({e.Message.TrimEnd('.')})");
        }

        return arrays;
    }

    private static FileStream OpenRead(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{path}: no such file");
        }
    }
}
