using System;
using System.IO;
using QuantGen.Cli;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>Outputs appear whole or not at all.</summary>
public sealed class AtomicFileTests
{
    [Fact]
    public void A_write_that_fails_half_way_leaves_no_file_and_no_temporary()
    {
        string dir = CliRunner.TempDirectory();
        string path = Path.Combine(dir, "out.svg");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw new InvalidOperationException("killed half way");
        }));
        Assert.Empty(CliRunner.Files(dir));
    }

    [Fact]
    public void A_write_that_fails_keeps_the_previous_file_whole()
    {
        string dir = CliRunner.TempDirectory();
        string path = Path.Combine(dir, "out.qgm.json");
        File.WriteAllText(path, "previous");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("new, partial"u8);
            throw new InvalidOperationException("killed half way");
        }));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal(["out.qgm.json"], CliRunner.Files(dir));
    }

    [Fact]
    public void While_writing_the_target_still_holds_the_old_content()
    {
        string dir = CliRunner.TempDirectory();
        string path = Path.Combine(dir, "out.qgm.json");
        File.WriteAllText(path, "previous");
        string seen = "";
        AtomicFile.Write(path, stream =>
        {
            stream.Write("new"u8);
            stream.Flush();
            seen = File.ReadAllText(path);
        });
        Assert.Equal("previous", seen);
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["out.qgm.json"], CliRunner.Files(dir));
    }

    [Fact]
    public void A_symbolic_link_to_the_input_counts_as_the_input()
    {
        string dir = CliRunner.TempDirectory();
        string input = Path.Combine(dir, "model.qgm.json");
        File.WriteAllText(input, "{}");
        string link = Path.Combine(dir, "link.qgm.json");
        File.CreateSymbolicLink(link, input);
        var e = Assert.Throws<CliException>(() => AtomicFile.EnsureNotAnInput(link, [input]));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }
}
