using System;
using System.IO;
using System.Linq;
using QuantGen.Cli.Data;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>The .npy/.npz reader against files numpy wrote (Cli/Fixtures/make_fixtures.py) and hand-made bad ones.</summary>
public sealed class NpzReaderTests
{
    private static string Fixture(string name) => Path.Combine(CliRunner.Fixtures, name);

    [Theory]
    [InlineData("float32-v1.npy", NpyType.Float32, new[] { 3, 4 })]
    [InlineData("float64-v2.npy", NpyType.Float64, new[] { 2, 3 })]
    public void Reads_floats_in_header_versions_1_and_2(string file, NpyType type, int[] shape)
    {
        NpyArray array = Single(file);
        Assert.Equal(type, array.Type);
        Assert.Equal(shape, array.Shape);
        float[] values = array.ToSingle();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(i * 0.5f - 3, values[i]);
        }
    }

    [Theory]
    [InlineData("int32-v1.npy", NpyType.Int32, new[] { 5 })]
    [InlineData("int64-v3.npy", NpyType.Int64, new[] { 2, 2 })]
    public void Reads_integers_in_header_versions_1_and_3(string file, NpyType type, int[] shape)
    {
        NpyArray array = Single(file);
        Assert.Equal(type, array.Type);
        Assert.Equal(shape, array.Shape);
        long[] values = array.ToInt64();
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(i * 7L - 20, values[i]);
        }
    }

    [Theory]
    [InlineData("xy.npz", NpyType.Float32, NpyType.Int64)]
    [InlineData("xy-compressed.npz", NpyType.Float64, NpyType.Int32)]
    public void Reads_npz_members_stored_and_deflated(string file, NpyType x, NpyType y)
    {
        var arrays = NpzReader.Read(Fixture(file));
        Assert.Equal(["x", "y"], arrays.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(x, arrays["x"].Type);
        Assert.Equal([4, 3], arrays["x"].Shape);
        Assert.Equal(-3f, arrays["x"].ToSingle()[0]);
        Assert.Equal(2.5f, arrays["x"].ToSingle()[11]);
        Assert.Equal(y, arrays["y"].Type);
        Assert.Equal([0L, 2, 1, 2], arrays["y"].ToInt64());
    }

    [Theory]
    [InlineData("fortran.npy", "Fortran (column-major) order")]
    [InlineData("big-endian.npy", "big-endian data ('>f4') is not supported")]
    [InlineData("uint8.npy", "dtype '|u1' is not supported")]
    [InlineData("object.npy", "object arrays (dtype 'O') are not supported")]
    [InlineData("structured.npy", "a structured dtype is not supported")]
    [InlineData("truncated.npy", "truncated: shape 3x4 needs 48 bytes of data, the file has 43")]
    [InlineData("truncated-member.npz", "truncated-member.npz:x: truncated: shape 3x4 needs 48 bytes of data, the file has 40")]
    [InlineData("cut.npz", "cut.npz: not a readable zip archive")]
    [InlineData("not-a-zip.npz", "not-a-zip.npz: not a .npz (zip) or .npy file")]
    public void Refuses_what_it_cannot_read_with_a_clear_message(string file, string message)
    {
        var e = Assert.Throws<NpyFormatException>(() => NpzReader.Read(Fixture(file)));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_huge_shape_is_refused_before_anything_is_allocated()
    {
        byte[] file = TestNpz.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", []);
        var e = Assert.Throws<NpyFormatException>(() => NpyReader.Read(new MemoryStream(file), "huge.npy", file.Length));
        Assert.Contains("is too large", e.Message);
    }

    [Fact]
    public void A_shape_larger_than_the_data_is_truncation_even_when_the_length_is_unknown()
    {
        byte[] file = TestNpz.Npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", new byte[8]);
        var e = Assert.Throws<NpyFormatException>(() => NpyReader.Read(new NonSeekable(file), "short.npy"));
        Assert.Contains("truncated: shape 3 needs 12 bytes of data, the file has 8", e.Message);
    }

    [Fact]
    public void Bytes_after_the_data_are_an_error()
    {
        byte[] file = TestNpz.Npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", new byte[12]);
        var e = Assert.Throws<NpyFormatException>(() => NpyReader.Read(new MemoryStream(file), "long.npy", file.Length));
        Assert.Contains("more bytes follow", e.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'shape': (2,), }", "no 'fortran_order'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", "shape entry 1 is not a non-negative integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "bad .npy header")]
    [InlineData("['descr']", "the header is not a dict")]
    public void A_malformed_header_is_an_error(string header, string message)
    {
        byte[] file = TestNpz.Npy(header, new byte[8]);
        var e = Assert.Throws<NpyFormatException>(() => NpyReader.Read(new MemoryStream(file), "bad.npy", file.Length));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        var e = Assert.Throws<FileNotFoundException>(() => NpzReader.Read(Fixture("no-such.npz")));
        Assert.Contains("no-such.npz: no such file", e.Message);
    }

    private static NpyArray Single(string file)
    {
        var arrays = NpzReader.Read(Fixture(file));
        return Assert.Single(arrays).Value;
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
