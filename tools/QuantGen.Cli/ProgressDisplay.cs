using System;
using System.Globalization;
using Spectre.Console;

namespace QuantGen.Cli;

/// <summary>
/// Progress of a long step, always on stderr (stdout keeps only the result): a Spectre.Console progress bar
/// when stderr is a terminal, otherwise plain lines (one per finished step, so logs stay short). The bar is
/// cleared when the work ends, also when it fails or is interrupted, so the error line stands alone.
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

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Error) });
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
