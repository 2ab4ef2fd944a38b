using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using QuantGen.Cli;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>docs/cli.md, the one place the exit codes are listed, lists exactly the codes quantgen returns.</summary>
public sealed class CliDocsTests
{
    [Fact]
    public void The_exit_code_table_is_the_programs()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "cli.md"));
        string table = page[page.IndexOf("## Exit codes", StringComparison.Ordinal)..];
        int[] documented = Regex.Matches(table, @"^\| (\d+) \|", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int[] returned = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetRawConstantValue()!).Order().ToArray();
        Assert.Equal(returned, documented);

        // The README's command-line section sends readers there rather than keeping a second table.
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        Assert.Contains("(docs/cli.md)", readme);
        Assert.DoesNotContain("| 130 |", readme);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "QuantGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no QuantGen.sln above {AppContext.BaseDirectory}");
    }
}
