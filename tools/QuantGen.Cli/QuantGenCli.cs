using System;
using System.CommandLine;
using System.Globalization;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;
using System.Threading;
using QuantGen.Cli.Commands;

namespace QuantGen.Cli;

/// <summary>
/// The <c>quantgen</c> command line. <see cref="Run"/> is the whole program, callable in-process: tests
/// drive every verb through it with their own writers.
/// </summary>
public static class QuantGenCli
{
    /// <summary>Runs one command line and returns the exit code (<see cref="ExitCodes"/>); failures print one line on <paramref name="stderr"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        Run(args, stdout, stderr, interactive: ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected, cancellationToken);

    /// <summary>
    /// As <see cref="Run(string[], TextWriter, TextWriter, CancellationToken)"/>; <paramref name="interactive"/> draws
    /// progress bars on stderr instead of one line per finished step. Cancelling <paramref name="cancellationToken"/>
    /// (Ctrl+C) stops the work, clears the bar and prints <c>quantgen: interrupted</c>; nothing is written.
    /// </summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellationToken = default)
    {
        // Every number quantgen prints or writes is culture-invariant (fi-FI's minus sign is U+2212).
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return RunInvariant(args, stdout, stderr, interactive, cancellationToken);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static int RunInvariant(string[] args, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellationToken)
    {
        var context = new CliContext(stdout, stderr, interactive);
        var root = new RootCommand("quantgen: quantize float neural networks with published methods, then inspect, evaluate and compare the results.")
        {
            QuantizeCommand.Create(context),
            InspectCommand.Create(context),
            EvalCommand.Create(context),
            ReportCommand.Create(context),
        };
        MethodsHelp.Install(root);

        ParseResult parse = root.Parse(args);
        // With --help or --version the parser picks their action even when arguments are missing.
        if (parse.Action is ParseErrorAction)
        {
            string verb = parse.CommandResult.Command == root ? "" : " " + parse.CommandResult.Command.Name;
            // An unknown word explains the rest ("required command missing" follows from it): say it first.
            ParseError error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            stderr.WriteLine($"quantgen: {error.Message.TrimEnd('.')} (see 'quantgen{verb} --help')");
            return ExitCodes.Usage;
        }

        try
        {
            // Ctrl+C is Program's to catch (Interruption); the parser's own handler would end the process
            // without a word. The work runs on this thread, so the task is complete when it returns.
            var configuration = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return parse.InvokeAsync(configuration, cancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            (int code, string message) = Describe(e);
            stderr.WriteLine("quantgen: " + message);
            return code;
        }
    }

    // Every failure becomes one line; only a bug is told apart as such.
    private static (int Code, string Message) Describe(Exception e) => e switch
    {
        CliException c => (c.ExitCode, c.Message),
        OperationCanceledException => (ExitCodes.Cancelled, "interrupted; nothing was written"),
        FormatException or ArgumentException or InvalidOperationException or InvalidDataException => (ExitCodes.BadInput, OneLine(e.Message)),
        IOException or UnauthorizedAccessException => (ExitCodes.BadInput, OneLine(e.Message)),
        _ => (ExitCodes.InternalError, $"internal error ({e.GetType().Name}: {OneLine(e.Message)}); please report it"),
    };

    private static string OneLine(string message) => message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
}
