using System.CommandLine;

namespace QuantGen.Cli.Commands;

internal static class ReportCommand
{
    public static Command Create(CliContext context) => new Command("report", "todo");
}
