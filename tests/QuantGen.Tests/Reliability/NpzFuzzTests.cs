using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using QuantGen.Cli;
using QuantGen.Cli.Data;
using QuantGen.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Fuzzed .npy and .npz files through the reader <c>quantgen eval --data</c> and <c>quantize --calibration</c>
/// use (NpzReader, then Dataset), and a sample of them through the whole <c>eval</c> verb. Cases start from
/// valid files (each dtype, header versions 1 to 3, stored and deflated zips) and mutate their structure
/// (header nesting, descr, fortran_order, shapes with huge, negative or many dimensions, lying header
/// lengths, versions, keys, data cut or extended, zip members duplicated, many, oddly named, compression
/// bombs) and their bytes (flipped, deleted, inserted, truncated). Every case must end in arrays or in
/// one NpyFormatException / CliException(exit 1), within <see cref="MaxCaseTime"/> and allocating at most
/// <see cref="AllocationBound"/>. QUANTGEN_FUZZ_CASES (default 1,000), QUANTGEN_FUZZ_SEED (default 20261125)
/// and QUANTGEN_FUZZ_MINUTES, as for the description fuzzer.
/// </summary>
public sealed class NpzFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 1_000;
    private const int DefaultSeed = 20261125;

    /// <summary>One case, on a loaded 2-core machine; the real cost is milliseconds.</summary>
    private static readonly TimeSpan MaxCaseTime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The reader never allocates more than what a member could hold (deflate expands at most 1032 times) plus
    /// fixed costs: 1032 x the file's size + 16 MiB. The fuzzer's files are at most a few hundred KiB.
    /// </summary>
    private static long AllocationBound(long fileBytes) => 1032 * (fileBytes + 1) + (16L << 20);

    [Fact]
    public void Fuzzed_npy_and_npz_files_give_arrays_or_one_clear_error()
    {
        int cases = FuzzSettings.Int(FuzzTests.CasesVariable, DefaultCases);
        int seed = FuzzSettings.Int(FuzzTests.SeedVariable, DefaultSeed);
        TimeSpan budget = FuzzSettings.Budget();
        var clock = Stopwatch.StartNew();
        var fuzzer = new NpzFuzzer(seed);
        string dir = CliRunner.TempDirectory();
        var failures = new List<string>();
        var rejectedBy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int accepted = 0, ran = 0, cliRuns = 0;
        TimeSpan slowest = TimeSpan.Zero, making = TimeSpan.Zero, reading = TimeSpan.Zero, verbs = TimeSpan.Zero;
        long mostAllocated = 0;
        int every = Math.Clamp(cases / 400, 100, 1000);

        for (; ran < cases && failures.Count < 10 && clock.Elapsed < budget; ran++)
        {
            long made = Stopwatch.GetTimestamp();
            NpzFuzzer.Case fuzz = fuzzer.Next(ran);
            string path = Path.Combine(dir, "case.npz");
            File.WriteAllBytes(path, fuzz.Bytes);
            making += Stopwatch.GetElapsedTime(made);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            string? outcome;
            try
            {
                IReadOnlyDictionary<string, NpyArray> arrays = NpzReader.Read(path);
                outcome = null;
                accepted++;
                if (arrays.ContainsKey("x"))
                {
                    Dataset.Calibration(path, 64);
                }
            }
            catch (NpyFormatException e)
            {
                outcome = OneLine(e.Message) ? Reason(e.Message) : "a message of several lines: " + e.Message;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.BadInput)
            {
                outcome = OneLine(e.Message) ? "dataset: " + Reason(e.Message) : "a message of several lines: " + e.Message;
            }
            catch (Exception e)
            {
                failures.Add($"case {ran} ({fuzz.Mutations}): {e.GetType().Name} escaped: {e}");
                continue;
            }

            watch.Stop();
            reading += watch.Elapsed;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            mostAllocated = Math.Max(mostAllocated, allocated);
            if (watch.Elapsed > MaxCaseTime)
            {
                failures.Add($"case {ran} ({fuzz.Mutations}): took {watch.Elapsed}");
            }

            if (allocated > AllocationBound(fuzz.Bytes.Length))
            {
                failures.Add($"case {ran} ({fuzz.Mutations}): allocated {allocated:N0} bytes for a file of {fuzz.Bytes.Length:N0}");
            }

            if (outcome is not null)
            {
                if (outcome.StartsWith("a message of several lines", StringComparison.Ordinal))
                {
                    failures.Add($"case {ran} ({fuzz.Mutations}): {outcome}");
                }

                rejectedBy[outcome] = rejectedBy.TryGetValue(outcome, out int n) ? n + 1 : 1;
            }

            // The whole verb, as a user runs it: exit 0 or 1 with one quantgen: line.
            if (ran % every == 0)
            {
                cliRuns++;
                long verb = Stopwatch.GetTimestamp();
                CliResult result = CliRunner.Run("eval", CliRunner.FloatModel, "--data", path, "--interpreter");
                verbs += Stopwatch.GetElapsedTime(verb);
                bool clean = result.ExitCode == ExitCodes.Success
                    ? result.Error.Length == 0 || result.ErrorLines.All(l => !l.StartsWith("quantgen:", StringComparison.Ordinal))
                    : result.ExitCode == ExitCodes.BadInput && result.ErrorLines.Length == 1 && result.ErrorLines[0].StartsWith("quantgen: ", StringComparison.Ordinal);
                if (!clean)
                {
                    failures.Add($"case {ran} ({fuzz.Mutations}): eval gave {result}");
                }
            }
        }

        output.WriteLine($"seed {seed}: {ran} cases in {clock.Elapsed.TotalSeconds:F1} s, {accepted} read, {ran - accepted} rejected, {cliRuns} also through 'eval', {failures.Count} failures");
        output.WriteLine($"time making cases {making.TotalSeconds:F1} s, reading them {reading.TotalSeconds:F1} s, in 'eval' {verbs.TotalSeconds:F1} s");
        output.WriteLine($"slowest case {slowest.TotalMilliseconds:F0} ms (bound {MaxCaseTime.TotalSeconds:F0} s), most allocated by one case {mostAllocated:N0} bytes (bound 1032 x file + 16 MiB)");
        output.WriteLine($"{rejectedBy.Count} kinds of rejection, the most frequent: " + string.Join("; ", rejectedBy.OrderByDescending(p => p.Value).Take(30).Select(p => $"{p.Key} {p.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(accepted >= ran / 20, $"only {accepted} of {ran} cases were read");
        Assert.True(rejectedBy.Count >= 15, "rejections covered only " + string.Join(", ", rejectedBy.Keys));
    }

    private static bool OneLine(string message) => message.Length > 0 && !message.Contains('\n') && !message.Contains('\r');

    /// <summary>The message without the file name and numbers, to count rejections by kind.</summary>
    private static string Reason(string message)
    {
        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        string rest = colon >= 0 ? message[(colon + 2)..] : message;
        var kind = new StringBuilder();
        foreach (char c in rest.Take(40))
        {
            kind.Append(char.IsAsciiDigit(c) ? '#' : c);
        }

        return kind.ToString();
    }
}

/// <summary>Makes the cases of <see cref="NpzFuzzTests"/>: valid .npy/.npz files, then structural and byte mutations.</summary>
internal sealed class NpzFuzzer(int seed)
{
    private static readonly string[] ValidDescrs = ["<f4", "<f8", "<i4", "<i8"];
    private static readonly string[] OddDescrs =
    [
        ">f4", ">i8", "|u1", "<f2", "<c8", "|O", "O", "|b1", "<U5", "|S3", "", "f4", "<f4 ", "<<f4", "<M8[s]", "<V4",
        "[('a', '<f4')]", "[('a', '<f4', (2, 3)), ('b', [('c', '<i8')])]", "None", "3", "('<f4',)",
    ];

    private readonly Random _random = new(seed);

    public sealed record Case(byte[] Bytes, string Mutations);

    private sealed class Npy
    {
        public int Major = 1;
        public int Minor;
        public string Descr = "'<f4'";
        public string Fortran = "False";
        public string Shape = "(2, 3)";
        public string? Header;
        public long? HeaderLength;
        public byte[] Data = [];
        public bool Utf8Junk;

        public byte[] ToBytes()
        {
            string text = Header ?? $"{{'descr': {Descr}, 'fortran_order': {Fortran}, 'shape': {Shape}, }}";
            byte[] header = Major == 3 ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text);
            if (Utf8Junk)
            {
                header = [.. header, 0xC3, 0x28, 0xFF];
            }

            int sizeBytes = Major == 1 ? 2 : 4;
            int pad = (64 - (8 + sizeBytes + header.Length + 1) % 64) % 64;
            if (Header is null && !Utf8Junk)
            {
                header = [.. header, .. Enumerable.Repeat((byte)' ', pad), (byte)'\n'];
            }

            var stream = new MemoryStream();
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)Major, (byte)Minor]);
            long length = HeaderLength ?? header.Length;
            stream.Write(BitConverter.GetBytes(length)[..sizeBytes]);
            stream.Write(header);
            stream.Write(Data);
            return stream.ToArray();
        }
    }

    public Case Next(int index)
    {
        var mutations = new List<string>();
        byte[] bytes;
        if (_random.Next(3) == 0)
        {
            Npy npy = ValidNpy(mutations);
            int count = 1 + _random.Next(3);
            for (int i = 0; i < count; i++)
            {
                MutateNpy(npy, mutations);
            }

            bytes = npy.ToBytes();
        }
        else
        {
            bytes = Npz(mutations);
        }

        if (_random.Next(4) == 0)
        {
            bytes = MutateBytes(bytes, mutations);
        }

        return new Case(bytes, string.Join(", ", mutations));
    }

    private Npy ValidNpy(List<string> mutations, string? dtype = null, int[]? shape = null)
    {
        dtype ??= ValidDescrs[_random.Next(ValidDescrs.Length)];
        shape ??= Enumerable.Range(0, _random.Next(4)).Select(_ => _random.Next(6)).ToArray();
        var npy = new Npy
        {
            Major = 1 + _random.Next(3),
            Descr = $"'{dtype}'",
            Shape = ShapeText(shape),
        };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        npy.Data = new byte[count * (dtype[2] == '4' ? 4 : 8)];
        _random.NextBytes(npy.Data);
        mutations.Add($"v{npy.Major} {dtype} {npy.Shape}");
        return npy;
    }

    private static string ShapeText(int[] shape) =>
        shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    private void MutateNpy(Npy npy, List<string> mutations)
    {
        switch (_random.Next(13))
        {
            case 0:
                string descr = OddDescrs[_random.Next(OddDescrs.Length)];
                npy.Descr = descr.StartsWith('[') || descr is "None" or "3" || descr.StartsWith('(') ? descr : $"'{descr}'";
                mutations.Add("descr " + npy.Descr);
                break;
            case 1:
                npy.Fortran = new[] { "True", "None", "1", "'False'", "false", "Tru" }[_random.Next(6)];
                mutations.Add("fortran_order " + npy.Fortran);
                break;
            case 2:
                npy.Shape = new[]
                {
                    "(2147483648,)", "(4611686018427387904, 4)", "(-1,)", "(99999999999999999999,)", "()", "((2, 3),)", "'3'", "(3.5,)",
                    "(" + string.Join(", ", Enumerable.Repeat("2", 64)) + ")", "(" + string.Join(", ", Enumerable.Repeat("1", 1000)) + ")",
                    "(0, 4611686018427387904)", "(65536, 65536)", "[2, 3]", "(2, 3", "(2,, 3)", "(,)", "(-0,)", "(3L, 2L)",
                }[_random.Next(18)];
                mutations.Add("shape " + (npy.Shape.Length > 30 ? npy.Shape[..30] + "..." : npy.Shape));
                break;
            case 3:
                // Nesting, balanced or not, up to far beyond the limit (the header may hold up to 1 MiB).
                int depth = new[] { 2, 7, 8, 9, 50, 1000, 25_000, 100_000 }[_random.Next(8)];
                string open = new[] { "(", "[", "{'a': " }[_random.Next(3)];
                string close = open == "(" ? ")" : open == "[" ? "]" : "}";
                bool balanced = _random.Next(2) == 0;
                npy.Shape = string.Concat(Enumerable.Repeat(open, depth)) + (balanced ? "1" + string.Concat(Enumerable.Repeat(close, depth)) : "");
                if (depth > 60_000 / open.Length)
                {
                    npy.Major = 2;
                }

                mutations.Add($"nested {depth} x {open.Trim()} {(balanced ? "balanced" : "open")}");
                break;
            case 4:
                npy.Header = new[]
                {
                    "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (0,), }",
                    "{'fortran_order': False, 'shape': (0,), }",
                    "{'descr': '<f4', 'shape': (0,), }",
                    "{'descr': '<f4', 'fortran_order': False, }",
                    "{1: 2, 'descr': '<f4', 'fortran_order': False, 'shape': (0,)}",
                    "{'descr': '<f4, 'fortran_order': False, 'shape': (0,)}",
                    "['descr', '<f4']",
                    "{'descr': '<f4' 'fortran_order': False, 'shape': (0,)}",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'extra': [None, True, -3, 'x'], }",
                    "", " ", "{", "}", "{'descr': '\\", "{'d\u00e9scr': '<f4'}",
                }[_random.Next(15)];
                npy.Data = [];
                mutations.Add("header " + npy.Header);
                break;
            case 5:
                npy.HeaderLength = new long[] { 0, 1, 65535, 0xFFFF_FFFF, 1 << 20, (1 << 20) + 1, _random.Next(200) }[_random.Next(7)];
                mutations.Add("header length " + npy.HeaderLength);
                break;
            case 6:
                npy.Major = new[] { 0, 4, 255, 1, 2, 3 }[_random.Next(6)];
                npy.Minor = _random.Next(256);
                mutations.Add($"version {npy.Major}.{npy.Minor}");
                break;
            case 7:
                npy.Major = 3;
                npy.Utf8Junk = _random.Next(2) == 0;
                npy.Descr = _random.Next(2) == 0 ? "'<f4'" : "'\u00e9\U0001F600'";
                mutations.Add("utf-8 " + (npy.Utf8Junk ? "invalid bytes" : "non-ASCII descr"));
                break;
            case 8:
                int cut = npy.Data.Length == 0 ? 0 : 1 + _random.Next(npy.Data.Length);
                npy.Data = npy.Data[..(npy.Data.Length - cut)];
                mutations.Add($"data cut by {cut}");
                break;
            case 9:
                int extra = 1 + _random.Next(16);
                npy.Data = [.. npy.Data, .. new byte[extra]];
                mutations.Add($"data + {extra} bytes");
                break;
            case 10:
                // A large but true shape: the reader allocates what the file really holds.
                int rows = 1 << (6 + _random.Next(8));
                npy.Shape = $"({rows}, 64)";
                npy.Descr = "'<f4'";
                npy.Data = new byte[rows * 64 * 4];
                mutations.Add($"large true shape ({rows}, 64)");
                break;
            case 11:
                npy.Shape = "(" + (1 + _random.Next(1 << 20)).ToString(CultureInfo.InvariantCulture) + ", 64)";
                mutations.Add("shape larger than the data " + npy.Shape);
                break;
            default:
                npy.Fortran = "True";
                npy.Descr = "'>f8'";
                mutations.Add("fortran and big-endian");
                break;
        }
    }

    private byte[] Npz(List<string> mutations)
    {
        var members = new List<(string Name, byte[] Bytes, bool Deflate)>();
        int rows = 1 + _random.Next(8);
        Npy x = ValidNpy(mutations, _random.Next(4) == 0 ? "<f8" : "<f4", [rows, 64]);
        Npy y = ValidNpy(mutations, _random.Next(2) == 0 ? "<i8" : "<i4", [rows]);
        y.Data = y.Data.Length == rows * 8
            ? Enumerable.Range(0, rows).SelectMany(_ => BitConverter.GetBytes((long)_random.Next(10))).ToArray()
            : Enumerable.Range(0, rows).SelectMany(_ => BitConverter.GetBytes(_random.Next(12))).ToArray();
        if (_random.Next(2) == 0)
        {
            MutateNpy(_random.Next(2) == 0 ? x : y, mutations);
        }

        bool deflate = _random.Next(2) == 0;
        members.Add(("x.npy", x.ToBytes(), deflate));
        members.Add(("y.npy", y.ToBytes(), deflate));
        switch (_random.Next(8))
        {
            case 0:
                members.Add(("x.npy", ValidNpy(mutations).ToBytes(), deflate));
                mutations.Add("member x twice");
                break;
            case 1:
                members.Clear();
                mutations.Add("no members");
                break;
            case 2:
                int many = 50 + _random.Next(400);
                for (int i = 0; i < many; i++)
                {
                    members.Add(($"m{i}.npy", ValidNpy([], "<f4", [1]).ToBytes(), deflate));
                }

                mutations.Add($"{many} more members");
                break;
            case 3:
                string name = new[] { "../x.npy", "dir/", "dir/x.npy", "x", "\u00e9.npy", " ", "x.NPY", "/abs.npy", "x.npy\0" }[_random.Next(8)];
                members.Add((name, name.EndsWith('/') ? [] : ValidNpy([]).ToBytes(), deflate));
                mutations.Add("member named " + name);
                break;
            case 4:
                // A compression bomb: a true shape of up to 1 Mi zeros, which deflate to almost nothing.
                int n = 1 << (12 + _random.Next(9));
                var bomb = new Npy { Major = 1, Descr = "'<f4'", Shape = $"({n / 64}, 64)", Data = new byte[n * 4] };
                members[0] = ("x.npy", bomb.ToBytes(), true);
                mutations.Add($"deflated zeros, {n} floats");
                break;
            case 5:
                members[0] = ("x.npy", [], deflate);
                mutations.Add("empty member");
                break;
            default:
                break;
        }

        mutations.Add(deflate ? "deflated" : "stored");
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] content, bool compress) in members)
            {
                using Stream entry = zip.CreateEntry(name, compress ? CompressionLevel.Fastest : CompressionLevel.NoCompression).Open();
                entry.Write(content);
            }
        }

        return stream.ToArray();
    }

    private byte[] MutateBytes(byte[] bytes, List<string> mutations)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        int at = _random.Next(bytes.Length);
        switch (_random.Next(5))
        {
            case 0:
                bytes = (byte[])bytes.Clone();
                int flips = 1 + _random.Next(8);
                for (int i = 0; i < flips; i++)
                {
                    bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
                }

                mutations.Add($"{flips} bits flipped");
                return bytes;
            case 1:
                mutations.Add($"cut at {at}");
                return bytes[..at];
            case 2:
                int length = Math.Min(bytes.Length - at, 1 + _random.Next(64));
                mutations.Add($"{length} bytes deleted at {at}");
                return [.. bytes[..at], .. bytes[(at + length)..]];
            case 3:
                byte[] junk = new byte[1 + _random.Next(32)];
                _random.NextBytes(junk);
                mutations.Add($"{junk.Length} bytes inserted at {at}");
                return [.. bytes[..at], .. junk, .. bytes[at..]];
            default:
                int chunk = Math.Min(bytes.Length - at, 1 + _random.Next(64));
                mutations.Add($"{chunk} bytes repeated at {at}");
                return [.. bytes[..(at + chunk)], .. bytes[at..]];
        }
    }
}

/// <summary>The fuzzers' shared settings (the variables are <see cref="FuzzTests"/>'s).</summary>
internal static class FuzzSettings
{
    public static int Int(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;

    public static TimeSpan Budget() => TimeSpan.FromMinutes(Int(FuzzTests.MinutesVariable, int.MaxValue / 60_000));
}
