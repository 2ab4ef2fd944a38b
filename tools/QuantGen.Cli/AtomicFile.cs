using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace QuantGen.Cli;

/// <summary>
/// Writes an output whole or not at all: into a temporary file beside it, flushed to disk, then renamed
/// over the target (a rename within one directory is atomic). A failed run deletes its temporary file; a
/// killed one can leave only a hidden <c>.NAME.*.tmp</c>, never a half-written NAME.
/// </summary>
public static class AtomicFile
{
    /// <summary>Refuses an output that is one of the inputs (or cannot be written at all), before any work is done.</summary>
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

    /// <summary>Fails before any work when the output's folder does not exist.</summary>
    public static void EnsureFolderExists(string output)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.OutputFailed, $"cannot write {output}: the folder {directory} does not exist");
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)));

    /// <summary>Runs <paramref name="write"/> on a temporary file and moves it to <paramref name="path"/> only if it returns.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
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

    // Also catches two names for one file (a symbolic link to the input).
    private static bool SameFile(string a, string b)
    {
        if (string.Equals(a, b, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            return true;
        }

        return File.Exists(a) && File.Exists(b) && string.Equals(Resolve(a), Resolve(b), StringComparison.Ordinal);
    }

    private static string Resolve(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

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
