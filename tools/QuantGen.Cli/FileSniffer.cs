using System;
using System.IO;
using System.Linq;
using System.Text;

namespace QuantGen.Cli;

/// <summary>
/// What a file looks like from its first bytes, in words a user recognises ("a zip archive (numpy .npz
/// data)", "text starting \"root:x:0:0\""), so that a file given in the wrong place is named for what it
/// is rather than reported as broken JSON.
/// </summary>
public static class FileSniffer
{
    private const int Probe = 4096;

    // Magic numbers of the files most likely to be given by mistake: the data files quantgen reads
    // elsewhere, and what a shell glob or a wrong path picks up.
    private static readonly (byte[] Magic, string What)[] Signatures =
    [
        ("PK\x03\x04"u8.ToArray(), "a zip archive (numpy .npz data is one)"),
        ("PK\x05\x06"u8.ToArray(), "an empty zip archive"),
        ([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'], "a numpy .npy array"),
        ([0x7F, (byte)'E', (byte)'L', (byte)'F'], "an ELF executable or library"),
        ([0x89, (byte)'P', (byte)'N', (byte)'G'], "a PNG image"),
        ("%PDF"u8.ToArray(), "a PDF document"),
        ([0x1F, 0x8B], "gzip-compressed data"),
        ("MZ"u8.ToArray(), "a Windows executable"),
    ];

    /// <summary>The first bytes of <paramref name="path"/> (at most 4 KiB).</summary>
    public static byte[] Head(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        byte[] buffer = new byte[Probe];
        int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return buffer[..length];
    }

    /// <summary>A known binary format by its magic number, or null.</summary>
    public static string? KnownFormat(ReadOnlySpan<byte> head)
    {
        foreach ((byte[] magic, string what) in Signatures)
        {
            if (head.StartsWith(magic))
            {
                return what;
            }
        }

        return null;
    }

    /// <summary>True when the bytes start, after white space and a byte order mark, with a JSON object.</summary>
    public static bool LooksLikeJsonObject(ReadOnlySpan<byte> head)
    {
        ReadOnlySpan<byte> rest = head.StartsWith("\xEF\xBB\xBF"u8) ? head[3..] : head;
        int i = 0;
        while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i < rest.Length && rest[i] == (byte)'{';
    }

    /// <summary>A short description of what the bytes are: a known format, empty, binary data, JSON, or text with its first line.</summary>
    public static string Describe(ReadOnlySpan<byte> head)
    {
        if (head.Length == 0)
        {
            return "an empty file";
        }

        if (KnownFormat(head) is string known)
        {
            return known;
        }

        if (!IsText(head))
        {
            return "binary data";
        }

        string text = Encoding.UTF8.GetString(head).TrimStart('\uFEFF');
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            return trimmed.StartsWith('{') ? "a JSON object" : "a JSON array";
        }

        string first = trimmed.Split('\n')[0].TrimEnd('\r');
        string shown = first.Length > 40 ? first[..40] + "..." : first;
        return $"text starting \"{CliText.Printable(shown)}\"";
    }

    // Text: valid UTF-8 (a character cut at the probe's end allowed) with no NUL and few control characters.
    private static bool IsText(ReadOnlySpan<byte> head)
    {
        if (head.Contains((byte)0))
        {
            return false;
        }

        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
        char[] chars = new char[head.Length];
        try
        {
            int count = decoder.GetChars(head, chars, flush: false);
            int control = chars.Take(count).Count(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t' or '\f'));
            return control * 100 <= count;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
