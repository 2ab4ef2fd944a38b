using System;

namespace QuantGen.Cli;

/// <summary>A failure the user can fix; its message is the one line printed, <see cref="ExitCode"/> what the shell sees.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);

    public static CliException BadInput(string message) => new(ExitCodes.BadInput, message);
}
