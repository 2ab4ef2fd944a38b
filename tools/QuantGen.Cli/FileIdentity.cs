using System;
using System.IO;
using System.Runtime.InteropServices;

namespace QuantGen.Cli;

/// <summary>
/// What a path really names: the file's device and inode number on Linux (stat(2), which follows every
/// symbolic link, of the folders and of the file, and sees hard links), elsewhere the path with every
/// symbolic link in it resolved. And what kind of file it is, so that an output that is a FIFO, a device
/// or a folder is refused instead of being replaced by a regular file.
/// </summary>
internal static class FileIdentity
{
    /// <summary>The kinds of file stat(2) tells apart.</summary>
    public enum Kind
    {
        Missing,
        Regular,
        Directory,
        Fifo,
        CharacterDevice,
        BlockDevice,
        Socket,
        Other,
    }

    /// <summary>True when both paths name one existing file (through any symbolic or hard link).</summary>
    public static bool Same(string a, string b)
    {
        if (TryStat(a, out Stat sa) && TryStat(b, out Stat sb))
        {
            return sa.Kind != Kind.Missing && sa.Device == sb.Device && sa.Inode == sb.Inode;
        }

        return string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    /// <summary>The kind of file at <paramref name="path"/>, links followed.</summary>
    public static Kind KindOf(string path)
    {
        if (TryStat(path, out Stat s))
        {
            return s.Kind;
        }

        // Without stat(2) only folders and files can be told apart.
        return Directory.Exists(path) ? Kind.Directory : File.Exists(path) ? Kind.Regular : Kind.Missing;
    }

    public static string Describe(Kind kind) => kind switch
    {
        Kind.Directory => "a folder",
        Kind.Fifo => "a FIFO (named pipe)",
        Kind.CharacterDevice => "a character device",
        Kind.BlockDevice => "a block device",
        Kind.Socket => "a socket",
        _ => "not a regular file",
    };

    /// <summary>
    /// The absolute path with every symbolic link resolved, in the folders and in the last component
    /// (a missing last component is kept as it is). At most 40 links are followed, as Linux does.
    /// </summary>
    public static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        for (int hops = 0; hops < 40; hops++)
        {
            string? link = FirstLink(full, out string rest);
            if (link is null)
            {
                return full;
            }

            string target = new FileInfo(link).LinkTarget!;
            string resolved = Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(link)!, target);
            full = Path.GetFullPath(rest.Length == 0 ? resolved : Path.Combine(resolved, rest));
        }

        return full;
    }

    /// <summary>The shortest prefix of <paramref name="full"/> that is a symbolic link, and what follows it.</summary>
    private static string? FirstLink(string full, out string rest)
    {
        string root = Path.GetPathRoot(full) ?? "";
        string[] parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        string current = root;
        for (int i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            FileSystemInfo info = new FileInfo(current);
            if (!info.Exists && !Directory.Exists(current) && info.LinkTarget is null)
            {
                break;
            }

            if (info.LinkTarget is not null)
            {
                rest = string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]);
                return current;
            }
        }

        rest = "";
        return null;
    }

    private readonly record struct Stat(Kind Kind, ulong Device, ulong Inode);

    // struct stat on 64-bit Linux: st_dev at 0 and st_ino at 8 (both 64 bits) on x86-64 and arm64; st_mode
    // (32 bits) at 24 on x86-64 (after a 64-bit st_nlink), at 16 on arm64. The struct is 144 and 128 bytes.
    private static bool TryStat(string path, out Stat stat)
    {
        stat = default;
        int modeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => -1,
        };
        if (!OperatingSystem.IsLinux() || modeOffset < 0)
        {
            return false;
        }

        byte[] buffer = new byte[256];
        int result;
        try
        {
            result = NativeStat(path, buffer);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }

        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // ENOENT or ENOTDIR: nothing there. Any other error (EACCES, ELOOP): let the caller's own I/O report it.
            if (errno is 2 or 20)
            {
                stat = new Stat(Kind.Missing, 0, 0);
                return true;
            }

            return false;
        }

        uint mode = BitConverter.ToUInt32(buffer, modeOffset);
        Kind kind = (mode & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            0x1000 => Kind.Fifo,
            0x2000 => Kind.CharacterDevice,
            0x6000 => Kind.BlockDevice,
            0xC000 => Kind.Socket,
            _ => Kind.Other,
        };
        stat = new Stat(kind, BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
        return true;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer);
}
