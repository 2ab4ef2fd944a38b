using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Sdk;

namespace QuantGen.Tests.Infrastructure;

/// <summary>
/// Golden files for generated code: <c>Snapshots/{Test}#{HintName}.verified.cs</c> beside the tests.
/// A mismatch writes <c>.received.cs</c> next to it and fails with the first differing lines. To accept
/// new output: set QUANTGEN_ACCEPT_SNAPSHOTS=1 and run the tests again, then review the diff in git.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "QUANTGEN_ACCEPT_SNAPSHOTS";

    public static void Verify(string test, string hintName, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        string stem = Path.Combine(directory, $"{test}#{Path.GetFileNameWithoutExtension(hintName)}");
        string verified = stem + ".verified.cs";
        string received = stem + ".received.cs";
        actual = actual.Replace("\r\n", "\n");

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual, new UTF8Encoding(false));
            File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(received, actual, new UTF8Encoding(false));
        string why = expected is null
            ? $"No snapshot {Path.GetFileName(verified)} yet."
            : "Generated code differs from the snapshot:\n" + Diff(expected, actual);
        throw new XunitException($"{why}\nReceived: {received}\nTo accept: {AcceptVariable}=1 dotnet test, then review the change.");
    }

    /// <summary>The first differing line with three lines of context on each side.</summary>
    private static string Diff(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        int first = 0;
        while (first < a.Length && first < b.Length && a[first] == b[first])
        {
            first++;
        }

        var text = new StringBuilder();
        for (int i = Math.Max(0, first - 3); i < first; i++)
        {
            text.AppendLine($"  {i + 1,5}   {Cut(a[i])}");
        }

        for (int i = first; i < Math.Min(a.Length, first + 3); i++)
        {
            text.AppendLine($"- {i + 1,5}   {Cut(a[i])}");
        }

        for (int i = first; i < Math.Min(b.Length, first + 3); i++)
        {
            text.AppendLine($"+ {i + 1,5}   {Cut(b[i])}");
        }

        text.AppendLine($"(expected {a.Length} lines, got {b.Length})");
        return text.ToString();
    }

    private static string Cut(string line) => line.Length <= 160 ? line : line.Substring(0, 160) + "...";
}
