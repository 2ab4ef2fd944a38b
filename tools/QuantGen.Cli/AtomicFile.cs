using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace QuantGen.Cli;

/// <summary>
/// Writes an output whole or not at all: into a temporary file beside it, flushed to disk, then renamed
/// over the target (a rename within one directory is atomic). A failed run deletes its temporary file; a
/// killed one can leave only a hidden <c>.NAME.*.tmp</c>, never a half-written NAME. An output that is a
/// symbolic link is written through: the file it points to is replaced whole, beside which the temporary
/// file is made, and the link stays. An output that exists and is not a regular file is refused.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Refuses, before any work is done, an output that is one of the inputs (by device and inode, so through
    /// symbolic links in the folders or the name and through hard links), an output whose folder is missing,
    /// and an output that exists and is not a regular file (a FIFO, a device, a folder).
    /// </summary>
    public static void EnsureNotAnInput(string output, IEnumerable<string?> inputs)
    {
        EnsureFolderExists(output);
        string target = Path.GetFullPath(output);
        foreach (string? input in inputs)
        {
            if (input is not null && SameFile(target, Path.GetFullPath(input)))
            {
                throw CliException.Usage($"the output {output} is the input {input}; refusing to overwrite it");
            }
        }
    }

    /// <summary>Fails before any work when the output's folder does not exist or the output is not a regular file.</summary>
    public static void EnsureFolderExists(string output)
    {
        string destination = Destination(output);
        string? directory = Path.GetDirectoryName(destination);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.OutputFailed, $"cannot write {output}: the folder {directory} does not exist");
        }

        EnsureRegularOrMissing(output, destination);
    }

    /// <summary>
    /// Where an output really goes: the path itself, or, when it is a symbolic link, the file the link
    /// finally points to. The link is written through (that file is replaced whole) and stays a link.
    /// </summary>
    public static string Destination(string output)
    {
        string full = Path.GetFullPath(output);
        return new FileInfo(full).LinkTarget is null ? full : FileIdentity.Resolve(full);
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));

    /// <summary>Runs <paramref name="write"/> on a temporary file and moves it to <paramref name="path"/> only if it returns.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Destination(path);
        EnsureRegularOrMissing(path, full);
        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temporary);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.OutputFailed, $"cannot write {path}: {e.Message}");
            }

            throw;
        }
    }

    // Two names for one file: the same path, a symbolic link (to the file or to a folder on the way), a hard link.
    private static bool SameFile(string a, string b) =>
        string.Equals(a, b, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)
        || FileIdentity.Same(a, b);

    // A rename would replace a FIFO, a device node or a socket with a regular file (and a reader of the FIFO
    // would never see the output): only a regular file, or nothing, may be at the output's path.
    private static void EnsureRegularOrMissing(string output, string destination)
    {
        FileIdentity.Kind kind = FileIdentity.KindOf(destination);
        if (kind is not (FileIdentity.Kind.Regular or FileIdentity.Kind.Missing))
        {
            throw new CliException(ExitCodes.OutputFailed, $"cannot write {output}: it is {FileIdentity.Describe(kind)}, not a regular file; quantgen writes only regular files");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
