using System.IO;

namespace QuantGen.Cli;

/// <summary>Where a verb writes, and whether a person is watching (progress bars) or a pipe (plain lines).</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, bool Interactive);
