using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Google.Protobuf;
using QuantGen.Cli;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Tests.Cli;
using QuantGen.Tests.Import;
using Xunit;
using Xunit.Abstractions;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Fuzzed ONNX files through the importer (<c>quantgen quantize/inspect model.onnx</c>), and a sample of them
/// through the whole <c>inspect</c> verb. Cases start from the PyTorch exports in Import/Fixtures, the digits
/// and CharLm models and a small built graph, and mutate the parsed graph (duplicate, empty and suffix-like
/// node names, a node repeated up to beyond the layer limit, initializer dims huge, negative or zero,
/// raw_data and float_data cut, extended or of the wrong type, data types, attributes, opsets, nodes removed,
/// duplicated, reordered or made into cycles, graph inputs and outputs, value shapes, op types, subgraph
/// attributes nested past protobuf's recursion limit, sparse initializers) and its bytes (flipped, cut,
/// inserted). Every case must end in a model (which has passed the validator) or in one OnnxImportException
/// with a one-line message, within <see cref="MaxCaseTime"/> and allocating at most <see cref="AllocationBound"/>.
/// QUANTGEN_FUZZ_CASES (default 1,000), QUANTGEN_FUZZ_SEED (default 20261125) and QUANTGEN_FUZZ_MINUTES.
/// </summary>
public sealed class OnnxFuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 1_000;
    private const int DefaultSeed = 20261125;

    /// <summary>
    /// One case: 10 s, plus 1 s per 10 MiB of file (a node with a 1,000-deep subgraph attribute repeated 10,001
    /// times makes a file of some hundred MiB, which takes 10 to 15 s to parse, copy and walk on the loaded machine).
    /// </summary>
    private static TimeSpan MaxCaseTime(long fileBytes) => TimeSpan.FromSeconds(10 + fileBytes / (10.0 * (1 << 20)));

    /// <summary>
    /// What one import may allocate: 64 times the file (the parsed protobuf, the constants as floats, the
    /// description and its JSON for the validator) plus 64 MiB, and never what a lying shape claims.
    /// </summary>
    private static long AllocationBound(long fileBytes) => 64 * fileBytes + (64L << 20);

    [Fact]
    public void Fuzzed_onnx_files_import_or_give_one_clear_error()
    {
        int cases = FuzzSettings.Int(FuzzTests.CasesVariable, DefaultCases);
        int seed = FuzzSettings.Int(FuzzTests.SeedVariable, DefaultSeed);
        TimeSpan budget = FuzzSettings.Budget();
        var clock = Stopwatch.StartNew();
        var fuzzer = new OnnxFuzzer(seed, Seeds());
        string dir = CliRunner.TempDirectory();
        var failures = new List<string>();
        var rejectedBy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int accepted = 0, ran = 0, cliRuns = 0;
        TimeSpan slowest = TimeSpan.Zero, making = TimeSpan.Zero, importing = TimeSpan.Zero;
        string slowestCase = "";
        long largest = 0;
        long mostAllocated = 0;
        int every = Math.Clamp(cases / 400, 100, 1000);

        for (; ran < cases && failures.Count < 10 && clock.Elapsed < budget; ran++)
        {
            long made = Stopwatch.GetTimestamp();
            OnnxFuzzer.Case fuzz = fuzzer.Next();
            making += Stopwatch.GetElapsedTime(made);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            string? rejection = null;
            try
            {
                QuantGen.Schema.Model model = OnnxImporter.Import(new MemoryStream(fuzz.Bytes), "fuzz.onnx");
                accepted++;
                if (model.Layers.Count == 0)
                {
                    failures.Add($"case {ran} ({fuzz.Mutations}): a model without layers was accepted");
                }
            }
            catch (OnnxImportException e)
            {
                rejection = e.Message;
                if (!e.Message.StartsWith("fuzz.onnx: ", StringComparison.Ordinal) || e.Message.Contains('\n') || e.Message.Contains('\r'))
                {
                    failures.Add($"case {ran} ({fuzz.Mutations}): the message is not one line naming the file: {e.Message}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"case {ran} ({fuzz.Mutations}): {e.GetType().Name} escaped: {e}");
                continue;
            }

            watch.Stop();
            importing += watch.Elapsed;
            largest = Math.Max(largest, fuzz.Bytes.Length);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (watch.Elapsed > slowest)
            {
                slowest = watch.Elapsed;
                slowestCase = fuzz.Mutations;
            }

            mostAllocated = Math.Max(mostAllocated, allocated);
            if (watch.Elapsed > MaxCaseTime(fuzz.Bytes.Length))
            {
                failures.Add($"case {ran} ({fuzz.Mutations}): took {watch.Elapsed} for a file of {fuzz.Bytes.Length:N0} bytes");
            }

            if (allocated > AllocationBound(fuzz.Bytes.Length))
            {
                failures.Add($"case {ran} ({fuzz.Mutations}): allocated {allocated:N0} bytes for a file of {fuzz.Bytes.Length:N0}");
            }

            if (rejection is not null)
            {
                string kind = Kind(rejection);
                rejectedBy[kind] = rejectedBy.TryGetValue(kind, out int n) ? n + 1 : 1;
            }

            if (ran % every == 0)
            {
                cliRuns++;
                string path = Path.Combine(dir, "case.onnx");
                File.WriteAllBytes(path, fuzz.Bytes);
                CliResult result = CliRunner.Run("inspect", path);
                bool clean = result.ExitCode == ExitCodes.Success
                    ? rejection is null
                    : rejection is not null && result.ExitCode == ExitCodes.BadInput && result.ErrorLines.Length == 1 && result.ErrorLines[0].StartsWith("quantgen: ", StringComparison.Ordinal);
                if (!clean)
                {
                    failures.Add($"case {ran} ({fuzz.Mutations}): inspect gave {result}");
                }
            }
        }

        output.WriteLine($"seed {seed}: {ran} cases in {clock.Elapsed.TotalSeconds:F1} s, {accepted} imported, {ran - accepted} rejected, {cliRuns} also through 'inspect', {failures.Count} failures");
        output.WriteLine($"time making cases {making.TotalSeconds:F1} s, importing them {importing.TotalSeconds:F1} s; the slowest: {slowestCase}");
        output.WriteLine($"slowest case {slowest.TotalMilliseconds:F0} ms (bound 10 s + 1 s per 10 MiB), largest file {largest:N0} bytes, most allocated by one case {mostAllocated:N0} bytes (bound 64 x file + 64 MiB)");
        output.WriteLine($"{rejectedBy.Count} kinds of rejection, the most frequent: " + string.Join("; ", rejectedBy.OrderByDescending(p => p.Value).Take(30).Select(p => $"{p.Key} {p.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(accepted >= ran / 20, $"only {accepted} of {ran} cases were imported");
        Assert.True(rejectedBy.Count >= 15, "rejections covered only " + string.Join(", ", rejectedBy.Keys));
    }

    /// <summary>The message without the file name, node labels, quoted names and numbers.</summary>
    private static string Kind(string message)
    {
        string rest = message.StartsWith("fuzz.onnx: ", StringComparison.Ordinal) ? message["fuzz.onnx: ".Length..] : message;
        int colon = rest.IndexOf("): ", StringComparison.Ordinal);
        if (colon >= 0 && colon < 80)
        {
            rest = rest[(colon + 3)..];
        }

        var kind = new StringBuilder();
        bool quoted = false;
        foreach (char c in rest)
        {
            if (c == '"')
            {
                quoted = !quoted;
                kind.Append(quoted ? "\"…" : "\"");
                continue;
            }

            if (!quoted)
            {
                kind.Append(char.IsAsciiDigit(c) ? '#' : c);
            }

            if (kind.Length >= 48)
            {
                break;
            }
        }

        return kind.ToString();
    }

    private static IReadOnlyList<ModelProto> Seeds()
    {
        // The megabyte-sized language-model step graphs (issue 17's exact shapes) are left out: their form is in
        // the small gru_step_lbr0 seed, and a whole import allocates ~150x the file (the validator's JSON round trip).
        var seeds = Directory.GetFiles(OnnxFixtures.Directory, "*.onnx").Order(StringComparer.Ordinal)
            .Where(p => new FileInfo(p).Length < (512 << 10))
            .Select(p => ModelProto.Parser.ParseFrom(File.ReadAllBytes(p)))
            .ToList();
        // samples/CharLm's charlm.onnx (3.4 MB since its two layers of 256) is left out for the same reason: the
        // sequence-form recurrent export with its zero-initial-state chain is in the gru_lm seeds.
        seeds.Add(ModelProto.Parser.ParseFrom(File.ReadAllBytes(CliRunner.Onnx)));
        seeds.Add(new OnnxGraphBuilder().File);
        return seeds;
    }
}

/// <summary>Makes the cases of <see cref="OnnxFuzzTests"/>: a seed graph, 1 to 3 structural mutations, sometimes a byte mutation.</summary>
internal sealed class OnnxFuzzer(int seed, IReadOnlyList<ModelProto> seeds)
{
    private static readonly string[] Ops =
    [
        "Gemm", "MatMul", "Add", "Relu", "Sigmoid", "Tanh", "Softmax", "Flatten", "Reshape", "Conv", "MaxPool", "LSTM", "GRU",
        "Gather", "Identity", "Dropout", "Constant", "LeakyRelu", "Squeeze", "Unsqueeze", "Transpose", "Shape", "", "Foo",
    ];

    private readonly Random _random = new(seed);

    public sealed record Case(byte[] Bytes, string Mutations);

    public Case Next()
    {
        int which = _random.Next(seeds.Count);
        ModelProto model = seeds[which].Clone();
        var mutations = new List<string> { "seed " + which };
        int count = 1 + _random.Next(3);
        for (int i = 0; i < count; i++)
        {
            Mutate(model, mutations);
        }

        byte[] bytes = model.ToByteArray();
        if (_random.Next(6) == 0)
        {
            bytes = MutateBytes(bytes, mutations);
        }

        return new Case(bytes, string.Join(", ", mutations));
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private long Huge() => Pick(new long[] { 0, -1, -7, 1L << 31, 1L << 40, long.MaxValue, long.MinValue, 1 << 24, 1 << 28, 3 });

    private void Mutate(ModelProto model, List<string> mutations)
    {
        GraphProto graph = model.Graph ?? (model.Graph = new GraphProto());
        var nodes = graph.Node;
        NodeProto? node = nodes.Count == 0 ? null : nodes[_random.Next(nodes.Count)];
        TensorProto? tensor = graph.Initializer.Count == 0 ? null : graph.Initializer[_random.Next(graph.Initializer.Count)];
        switch (_random.Next(20))
        {
            case 0:
                string name = Pick(new[] { "r", "", "r_2", "/fc/Gemm", "a/b/c", "x\u0000y", new string('n', 5000) });
                foreach (NodeProto n in nodes.Where(_ => _random.Next(2) == 0))
                {
                    n.Name = name;
                }

                mutations.Add($"node names -> '{(name.Length > 20 ? name[..20] + "..." : name)}'");
                break;
            case 1 when node is not null && node.Output.Count > 0 && node.Input.Count > 0:
                // Repeat a node as a chain of copies: up to past the 10,000-layer limit.
                int copies = Pick(new[] { 2, 2, 10, 10, 100, 100, 1000, 10_001 });
                int at = nodes.IndexOf(node);
                string output = node.Output[0];
                string previous = output;
                var added = new List<NodeProto>();
                for (int i = 0; i < copies; i++)
                {
                    NodeProto copy = node.Clone();
                    copy.Input[0] = previous;
                    previous = $"{output}__{i}";
                    copy.Output[0] = previous;
                    copy.Name = _random.Next(2) == 0 ? node.Name : node.Name + i;
                    added.Add(copy);
                }

                foreach (NodeProto n in nodes.Skip(at + 1))
                {
                    for (int k = 0; k < n.Input.Count; k++)
                    {
                        n.Input[k] = n.Input[k] == output ? previous : n.Input[k];
                    }
                }

                foreach (ValueInfoProto o in graph.Output.Where(o => o.Name == output))
                {
                    o.Name = previous;
                }

                NodeProto[] all = [.. nodes.Take(at + 1), .. added, .. nodes.Skip(at + 1)];
                nodes.Clear();
                nodes.Add(all);

                mutations.Add($"{node.OpType} repeated {copies} times");
                break;
            case 2 when tensor is not null:
                if (tensor.Dims.Count == 0 || _random.Next(3) == 0)
                {
                    tensor.Dims.Add(Huge());
                }
                else
                {
                    tensor.Dims[_random.Next(tensor.Dims.Count)] = Huge();
                }

                mutations.Add($"initializer dims ({string.Join(", ", tensor.Dims)})");
                break;
            case 3 when tensor is not null:
                int length = tensor.RawData.Length;
                tensor.RawData = Pick(new[]
                {
                    ByteString.Empty,
                    ByteString.CopyFrom(tensor.RawData.Span[..(length / 2)]),
                    ByteString.CopyFrom([.. tensor.RawData.Span, 1, 2, 3]),
                    ByteString.CopyFrom(new byte[Math.Min(length * 4 + 8, 1 << 20)]),
                });
                mutations.Add($"raw_data {length} -> {tensor.RawData.Length} bytes");
                break;
            case 4 when tensor is not null:
                tensor.DataType = Pick(new[] { 0, 2, 3, 6, 7, 9, 10, 11, 16, 1000, -1 });
                mutations.Add("data_type " + tensor.DataType);
                break;
            case 5 when tensor is not null:
                tensor.FloatData.Add(Enumerable.Range(0, _random.Next(64)).Select(i => i % 7 == 0 ? float.NaN : i % 5 == 0 ? float.PositiveInfinity : i * 0.5f));
                if (_random.Next(2) == 0)
                {
                    tensor.RawData = ByteString.Empty;
                }

                tensor.Int64Data.Add(Huge());
                mutations.Add($"float_data {tensor.FloatData.Count} values, int64_data {tensor.Int64Data.Count}");
                break;
            case 6 when node is not null:
                if (node.Attribute.Count > 0 && _random.Next(2) == 0)
                {
                    AttributeProto attribute = node.Attribute[_random.Next(node.Attribute.Count)];
                    attribute.I = Huge();
                    attribute.F = Pick(new[] { float.NaN, float.NegativeInfinity, -1f, 1e30f });
                    attribute.Ints.Add(Huge());
                    attribute.Type = Pick(new[] { attribute.Type, 1, 2, 3, 4, 5, 7, 99, -1 });
                    mutations.Add($"attribute {attribute.Name} of {node.OpType} mangled");
                }
                else if (node.Attribute.Count > 0 && _random.Next(2) == 0)
                {
                    node.Attribute.Add(node.Attribute[0].Clone());
                    mutations.Add($"attribute {node.Attribute[0].Name} of {node.OpType} twice");
                }
                else
                {
                    node.Attribute.Clear();
                    mutations.Add($"attributes of {node.OpType} removed");
                }

                break;
            case 7:
                if (_random.Next(3) == 0)
                {
                    model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
                }
                else if (model.OpsetImport.Count > 0)
                {
                    model.OpsetImport[0].Version = Pick(new long[] { 0, 1, 10, 11, 17, 18, 30, -1, long.MaxValue });
                    model.OpsetImport[0].Domain = Pick(new[] { "", "ai.onnx", "com.microsoft", "x" });
                }

                mutations.Add("opset " + string.Join("/", model.OpsetImport.Select(o => $"{o.Domain}:{o.Version}")));
                break;
            case 8 when node is not null:
                nodes.Remove(node);
                mutations.Add($"{node.OpType} removed");
                break;
            case 9 when node is not null:
                nodes.Insert(_random.Next(nodes.Count + 1), node.Clone());
                mutations.Add($"{node.OpType} duplicated");
                break;
            case 10 when nodes.Count > 1:
                int a = _random.Next(nodes.Count), b = _random.Next(nodes.Count);
                (nodes[a], nodes[b]) = (nodes[b].Clone(), nodes[a].Clone());
                mutations.Add($"nodes {a} and {b} swapped");
                break;
            case 11 when node is not null && node.Input.Count > 0 && nodes.Count > 0:
                NodeProto later = nodes[_random.Next(nodes.Count)];
                node.Input[0] = later.Output.Count > 0 ? later.Output[0] : "nowhere";
                mutations.Add($"{node.OpType} reads the output of {later.OpType} (maybe a cycle)");
                break;
            case 12:
                if (graph.Output.Count > 0 && _random.Next(2) == 0)
                {
                    graph.Output[0].Name = Pick(new[] { "nowhere", graph.Input.FirstOrDefault()?.Name ?? "", "" });
                }
                else if (graph.Input.Count > 0 && _random.Next(2) == 0)
                {
                    graph.Input.Add(graph.Input[0].Clone());
                }
                else
                {
                    graph.Input.Clear();
                }

                mutations.Add("graph inputs/outputs changed");
                break;
            case 13 when graph.Input.Count > 0:
                ValueInfoProto input = graph.Input[0];
                TensorShapeProto? shape = input.Type?.TensorType?.Shape;
                if (shape is not null && shape.Dim.Count > 0)
                {
                    shape.Dim[_random.Next(shape.Dim.Count)] = _random.Next(3) == 0
                        ? new TensorShapeProto.Types.Dimension { DimParam = "n" }
                        : new TensorShapeProto.Types.Dimension { DimValue = Huge() };
                    if (_random.Next(4) == 0)
                    {
                        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Huge() });
                    }
                }
                else if (input.Type?.TensorType is not null)
                {
                    input.Type.TensorType.ElemType = Pick(new[] { 0, 2, 7, 11, 99 });
                }
                else
                {
                    input.Type = null;
                }

                mutations.Add($"input shape ({string.Join(", ", shape?.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? [])})");
                break;
            case 14 when node is not null:
                string op = Pick(Ops);
                mutations.Add($"{node.OpType} -> {op}");
                node.OpType = op;
                if (_random.Next(4) == 0)
                {
                    node.Domain = "com.example";
                }

                break;
            case 15 when node is not null:
                // Subgraphs nested deep: the importer keeps a graph attribute as bytes, so depth costs it nothing.
                int depth = Pick(new[] { 5, 90, 101, 1000 });
                ByteString inner = ByteString.Empty;
                for (int i = 0; i < depth; i++)
                {
                    var wrapper = new NodeProto { OpType = "If" };
                    wrapper.Attribute.Add(new AttributeProto { Name = "then_branch", Type = 5, G = inner });
                    var graphLevel = new GraphProto { Name = "g" };
                    graphLevel.Node.Add(wrapper);
                    inner = graphLevel.ToByteString();
                }

                node.Attribute.Add(new AttributeProto { Name = "nested", Type = 5, G = inner });
                mutations.Add($"subgraphs nested {depth} deep");
                break;
            case 16:
                graph.SparseInitializer.Add(new TensorProto { Name = "s", DataType = 1 }.ToByteString());
                mutations.Add("a sparse initializer");
                break;
            case 17 when tensor is not null && graph.Initializer.Count > 1:
                graph.Initializer[_random.Next(graph.Initializer.Count)].Name = tensor.Name;
                mutations.Add("two initializers of one name");
                break;
            case 18 when node is not null:
                node.Input.Add(Pick(new[] { "", node.Input.FirstOrDefault() ?? "", "missing", tensor?.Name ?? "w" }));
                mutations.Add($"{node.OpType} gets another input");
                break;
            default:
                var constant = new NodeProto { OpType = "Constant", Name = "c" };
                constant.Output.Add(tensor?.Name ?? "c0");
                var value = new TensorProto { DataType = 1 };
                value.Dims.Add(Huge());
                value.FloatData.Add(1f);
                constant.Attribute.Add(new AttributeProto { Name = _random.Next(2) == 0 ? "value" : "sparse_value", Type = 4, T = value });
                nodes.Insert(0, constant);
                mutations.Add($"a Constant of dims ({value.Dims[0]})");
                break;
        }
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
            case 4:
                // Unknown fields nested as groups (start-group tags of field 99), which the parser skips recursively.
                int groups = Pick(new[] { 10, 99, 101, 10_000 });
                mutations.Add($"{groups} nested unknown groups appended");
                return [.. bytes, .. Enumerable.Repeat(new byte[] { 0x9B, 0x06 }, groups).SelectMany(b => b)];
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
                byte[] junk = new byte[1 + _random.Next(16)];
                _random.NextBytes(junk);
                mutations.Add($"{junk.Length} bytes inserted at {at}");
                return [.. bytes[..at], .. junk, .. bytes[at..]];
            default:
                // A varint length made huge: 0xFF bytes where a length may be.
                bytes = (byte[])bytes.Clone();
                for (int i = at; i < Math.Min(bytes.Length, at + 5); i++)
                {
                    bytes[i] = 0xFF;
                }

                mutations.Add($"0xFF x 5 at {at}");
                return bytes;
        }
    }
}
