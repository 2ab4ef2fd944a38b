using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>
/// `dotnet pack packaging/QuantGen -o FEED`, as the README writes it: a version unique to the commit (and to the
/// time, when there are uncommitted edits) so a NuGet cache never serves an older build under the same number,
/// and QuantGen.Runtime packed beside it with the same version, which is exactly what QuantGen depends on.
/// Nothing is restored, so nothing lands in the global packages folder.
/// </summary>
public sealed class LocalPackTests : IDisposable
{
    private readonly string _feed = Path.Combine(Path.GetTempPath(), "quantgen-pack-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public void A_local_pack_is_versioned_by_the_commit_and_brings_the_runtime_at_the_same_version()
    {
        string commits = Git("rev-list", "--count", "HEAD");
        string commit = Git("rev-parse", "--short=8", "HEAD");

        DotnetCli.Run(DotnetCli.RepoRoot, "pack", "packaging/QuantGen/QuantGen.csproj", "--no-build", "-c", DotnetCli.Configuration, "-o", _feed, "-nodeReuse:false").Succeeded();

        string[] packages = Directory.GetFiles(_feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(2, packages.Length);
        Match quantGen = Regex.Match(packages[0], @"^QuantGen\.(0\.1\.0-dev\.(\d+)\.g([0-9a-f]+)(\.\d{14})?)\.nupkg$");
        Assert.True(quantGen.Success, $"QuantGen's package is named {packages[0]}");
        string version = quantGen.Groups[1].Value;
        Assert.Equal(commits, quantGen.Groups[2].Value);
        Assert.Equal(commit, quantGen.Groups[3].Value);
        Assert.Equal($"QuantGen.Runtime.{version}.nupkg", packages[1]);

        using ZipArchive package = ZipFile.OpenRead(Path.Combine(_feed, packages[0]));
        using Stream nuspec = package.Entries.Single(e => e.FullName == "QuantGen.nuspec").Open();
        XElement dependency = XDocument.Load(nuspec).Descendants().Single(e => e.Name.LocalName == "dependency");
        Assert.Equal("QuantGen.Runtime", dependency.Attribute("id")!.Value);
        Assert.Equal(version, dependency.Attribute("version")!.Value);
    }

    private static string Git(params string[] arguments)
    {
        CliResult result = DotnetCli.RunProgram(DotnetCli.RepoRoot, "git", arguments).Succeeded();
        return result.Output.Trim();
    }

    public void Dispose()
    {
        if (Directory.Exists(_feed))
        {
            Directory.Delete(_feed, recursive: true);
        }
    }
}
