using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator;

public sealed partial class QuantModelGenerator
{
    /// <summary>Reads one description: parse (QuantGen.Schema's DescriptionParser), then validate (DescriptionValidator).</summary>
    private static ModelFile ReadModelFile(AdditionalText file, ModelItem item, CancellationToken cancellationToken)
    {
        string hash = "";
        try
        {
            if (NotARegularFile(file.Path))
            {
                string message = $"{System.IO.Path.GetFileName(file.Path)} is empty, or is not a regular file (a FIFO, a device, a socket); QuantGen reads model files only when they are regular files with content, because reading a FIFO or a device would block the build";
                var special = new DiagnosticInfo(DiagnosticDescriptors.NotARegularFile, message, FileStart(file.Path));
                return new ModelFile(file.Path, item, "", null, new[] { special }.ToEquatableArray());
            }

            string? text = file.GetText(cancellationToken)?.ToString();
            if (text is null)
            {
                var unreadable = new DiagnosticInfo(DiagnosticDescriptors.InvalidJson, $"{System.IO.Path.GetFileName(file.Path)} could not be read", FileStart(file.Path));
                return new ModelFile(file.Path, item, "", null, new[] { unreadable }.ToEquatableArray());
            }

            hash = Hash(text);
            ParsedDescription parsed = DescriptionParser.Parse(text, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<DescriptionError> errors = parsed.Model is null
                ? parsed.Errors
                : DescriptionValidator.Validate(parsed.Model, parsed.Locator!, cancellationToken);
            EquatableArray<DiagnosticInfo> diagnostics = errors.Select(e => ToDiagnostic(file.Path, item, e)).ToEquatableArray();
            return new ModelFile(file.Path, item, hash, errors.Count == 0 ? parsed.Model : null, diagnostics);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ModelFile(file.Path, item, hash, null, new[] { Internal(file.Path, "reading", e) }.ToEquatableArray());
        }
    }

    /// <summary>
    /// True when the path names something on disk that reading could block on forever: a FIFO waits for a
    /// writer, a device (/dev/zero) never ends. netstandard2.0 cannot ask for the kind of file without opening
    /// it, but all of those report a length of 0, and so does an empty file, which holds no model either; so
    /// a file of length 0 is not read. A path that is not on disk (an editor's buffer, a test's in-memory
    /// text) is read as before.
    /// </summary>
    private static bool NotARegularFile(string path)
    {
        try
        {
#pragma warning disable RS1035 // Only the file's length and kind are asked, so that GetText cannot block on a FIFO; nothing is read or written.
            var info = new System.IO.FileInfo(path);
            return info.Exists && info.Length == 0;
#pragma warning restore RS1035
        }
        catch (Exception e) when (e is System.IO.IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException)
        {
            return false;
        }
    }

    /// <summary>
    /// A description error at its line in the file the generator read. For a binary description that is the
    /// JSON form under obj/ (binary has no lines); the message then names the binary file too.
    /// </summary>
    private static DiagnosticInfo ToDiagnostic(string path, ModelItem item, DescriptionError error)
    {
        TextPosition p = error.Position;
        var start = new LinePosition(p.Line, p.Column);
        var location = new LocationInfo(path, new TextSpan(p.Offset, p.Length), new LinePositionSpan(start, new LinePosition(p.Line, p.Column + p.Length)));
        string message = item.SourcePath is null ? error.Message : $"{error.Message} (in the JSON form of {item.SourcePath})";
        return new DiagnosticInfo(DiagnosticDescriptors.For(error.Code), message, location);
    }

    /// <summary>SHA-256 of the text: the identity of a model file's content in the pipeline.</summary>
    private static string Hash(string text)
    {
        using SHA256 sha = SHA256.Create();
        byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
        return string.Concat(digest.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
