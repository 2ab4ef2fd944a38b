using System;
using System.Globalization;
using Spectre.Console;

namespace QuantGen.Cli;

/// <summary>
/// Progress of a long step: a Spectre.Console progress bar when a person watches the terminal, otherwise
/// plain lines on stderr (one per finished step, so logs stay short and stdout keeps only the result).
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/>, giving it a callback (what, stage, done, total) that it calls as it goes.</summary>
    public static T Run<T>(CliContext context, string title, Func<Action<string, string, int, int>, T> work)
    {
        if (!context.Interactive)
        {
            // One line per finished step: enough to see a long run move, short enough for a log.
            int reported = 0;
            return work((what, stage, done, total) =>
            {
                if (done > reported)
                {
                    context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {what} {stage} ({done}/{total})"));
                    reported = done;
                }
            });
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out) });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(Markup.Escape(title));
                result = work((what, stage, done, total) =>
                {
                    task.Description = Markup.Escape($"{title}: {what} {stage}");
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                });
            });
        return result;
    }
}
