using System;
using System.IO;
using System.Linq;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>The weight store that large models decode from many base64 literals (Emitter.Data.cs, ChunkBytes).</summary>
public sealed class WeightBlobTests
{
    private static readonly byte[] Data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 37 + 11)).ToArray();

    [Theory]
    [InlineData(999)]   // one chunk holds it all
    [InlineData(300)]   // 4 chunks, the last shorter
    [InlineData(3)]     // many tiny chunks
    public void Chunks_decode_in_order(int chunkBytes)
    {
        byte[][] chunks = Data.Chunk(chunkBytes).Select(c => System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(c))).ToArray();

        WeightBlob blob = WeightBlob.FromBase64(Data.Length, chunkBytes, chunks.Length, i => chunks[i]);

        Assert.Equal(Data, blob.Bytes(0, Data.Length).ToArray());
    }

    [Fact]
    public void A_damaged_chunk_is_an_error_naming_where_it_starts()
    {
        byte[][] chunks = Data.Chunk(300).Select(c => System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(c))).ToArray();
        chunks[2] = chunks[2][..^4];

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => WeightBlob.FromBase64(Data.Length, 300, chunks.Length, i => chunks[i]));
        Assert.Contains("at byte 600", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(300, 3)]   // too few chunks for 1000 bytes
    [InlineData(300, 5)]   // one chunk too many
    [InlineData(0, 1)]
    public void Chunk_counts_that_cannot_hold_the_length_are_rejected(int chunkBytes, int chunkCount) =>
        Assert.Throws<ArgumentException>(() => WeightBlob.FromBase64(Data.Length, chunkBytes, chunkCount, _ => default));
}
