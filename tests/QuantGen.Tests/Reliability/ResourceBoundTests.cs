using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using QuantGen.Generator;
using QuantGen.Generator.Emit;
using QuantGen.Generator.Model;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Reliability;

/// <summary>
/// Absurd sizes in a small file (2^31 rows, 2^28 weights with one byte of codes, 10^9 levels or cycles,
/// 20,000 layers, nesting 100,000 deep) are rejected with a diagnostic, and the generator allocates
/// nothing near the absurd size on the way: measured around the whole pipeline. A cancelled build stops
/// the generator inside its loops.
/// </summary>
public sealed class ResourceBoundTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Far below every absurd size here (each is a gigabyte or more), far above what reading a small file costs.</summary>
    private const long AllocationBound = 64L << 20;

    private const string Template = """
        {
          "schema": "quantgen.v1",
          "name": "absurd",
          "inputs": [{"name": "x", "shape": [INPUT]}],
          "outputs": [{"name": "y", "shape": [OUTPUT]}],
          "layers": [LAYERS]
        }
        """;

    public static TheoryData<string, string, string> Absurd() => new()
    {
        { "2^31 - 1 rows", Text("4", "2147483647", Dense(4, int.MaxValue, """{"float32": {"values": [1]}}""")), "QG0010" },
        { "2^31 rows (past int32)", Text("4", "2147483648", Dense(4, 1, """{"float32": {"values": [1]}}""").Replace("\"outFeatures\": 1", "\"outFeatures\": 2147483648")), "QG0002" },
        { "an input of 2^62 values", Text("2147483647, 2147483647", "1", Dense(1, 1, """{"float32": {"values": [1]}}""")), "QG0010" },
        { "2^24 x 2^24 weights", Text("16777216", "16777216", Dense(1 << 24, 1 << 24, """{"uniform": {"bits": 1, "scales": [1], "codes": "AA=="}}""")), "QG0010" },
        { "2^28 level codes in one byte", Text("16384", "16384", Dense(16384, 16384, """{"levels": {"bits": 8, "levels": [0], "codes": "AA=="}}""")), "QG0007" },
        { "2^28 x 8 bit planes in one byte", Text("16384", "16384", Dense(16384, 16384, """{"multiBinary": {"bits": 8, "coefficients": [1], "planes": "AA=="}}""")), "QG0007" },
        { "2^28 float weights, one given", Text("16", "16777216", Dense(16, 1 << 24, """{"float32": {"values": [1]}}""")), "QG0007" },
        { "a table of 2^(10^9) levels", Text("2", "1", Dense(2, 1, """{"levels": {"bits": 1000000000, "levels": [0], "codes": "AA=="}}""")), "QG0006" },
        { "a staircase of 2^(10^9) levels", Text("2", "1", Quantized("""{"thresholds": {"bits": 1000000000, "thresholds": [0], "levels": [0, 1]}}""")), "QG0006" },
        { "LogQuant with 2^(10^9) levels", Text("2", "1", Quantized("""{"logQuant": {"bits": 1000000000, "fsr": 0, "step": 1}}""")), "QG0006" },
        { "10^9 alternating cycles", Text("2", "1", Quantized("""{"onlineMultiBinary": {"bits": 2, "cycles": 1000000000}}""")), "QG0010" },
        { "an embedding of 2^31 - 1 tokens", Text("1", "4", """{"embedding": {"numEmbeddings": 2147483647, "embeddingDim": 4, "weights": {"float32": {"values": [1]}}}}"""), "QG0010" },
        { "an LSTM with 2^30 hidden units", Text("2", "1073741824", """{"lstm": {"inputSize": 2, "hiddenSize": 1073741824, "inputWeights": {"float32": {"values": [1]}}, "recurrentWeights": {"float32": {"values": [1]}}}}"""), "QG0010" },
        { "a GRU of 2^28 x 2^28 recurrent weights", Text("2", "268435456", """{"gru": {"inputSize": 2, "hiddenSize": 268435456, "inputWeights": {"uniform": {"bits": 1, "scales": [1], "codes": "AA=="}}, "recurrentWeights": {"uniform": {"bits": 1, "scales": [1], "codes": "AA=="}}}}"""), "QG0010" },
        { "a 2^31 - 1 channel 65536 x 65536 convolution", Text("2147483647, 65536, 65536", "1", """{"conv2d": {"inChannels": 2147483647, "outChannels": 2147483647, "height": 65536, "width": 65536, "kernelH": 65536, "kernelW": 65536, "strideH": 1, "strideW": 1, "weights": {"float32": {"values": [1]}}}}"""), "QG0010" },
        { "max pooling with a 2^31 - 1 kernel and padding", Text("1, 4, 4", "1", """{"maxPool2d": {"channels": 1, "height": 4, "width": 4, "kernelH": 2147483647, "kernelW": 2147483647, "strideH": 1, "strideW": 1, "paddingH": 2147483647, "paddingW": 2147483647}}"""), "QG0010" },
        { "20,000 layers", Text("2", "2", string.Join(", ", Enumerable.Repeat("""{"relu": {}}""", 20_000))), "QG0010" },
        { "a 100,000-character name", Text("2", "2", """{"name": "NAME", "relu": {}}""".Replace("NAME", new string('n', 100_000))), "QG0010" },
        { "nesting 100,000 deep", Text("2", "2", new string('[', 100_000) + new string(']', 100_000)), "QG0001" },
    };

    [Theory]
    [MemberData(nameof(Absurd))]
    public void Absurd_sizes_are_rejected_without_allocating_them(string what, string json, string id)
    {
        var session = new GeneratorSession();
        session.Run(TestModels.Json(TestModels.AllOps(1)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        GeneratorOutcome outcome = session.Run(json);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"{what}: {allocated:N0} bytes allocated; {string.Join("; ", outcome.Diagnostics.Select(d => d.Id + ": " + d.GetMessage().Substring(0, Math.Min(100, d.GetMessage().Length))))}");
        Assert.False(outcome.GeneratedModel);
        Assert.Contains(outcome.Diagnostics, d => d.Id == id && d.Severity == DiagnosticSeverity.Error);
        Assert.DoesNotContain(outcome.Diagnostics, d => d.Id == "QG0014");
        Assert.True(allocated < AllocationBound, $"{what}: the generator allocated {allocated:N0} bytes on the way to its diagnostic");
    }

    [Fact]
    public void A_schema_error_that_quotes_a_huge_value_stays_short_and_cheap()
    {
        // Google.Protobuf quotes the bad value whole; the key search used to walk the whole tree for every
        // word of that quote (43 s for this 200 KB file). Now the message is cut and the keys indexed once.
        string words = string.Join(" ", Enumerable.Range(0, 20_000).Select(i => "w" + i));
        string json = Text("\"" + words + "\"", "2", string.Join(", ", Enumerable.Repeat("""{"relu": {}}""", 5_000)));
        var session = new GeneratorSession();
        session.Run(TestModels.Json(TestModels.AllOps(1)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        GeneratorOutcome outcome = session.Run(json);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Diagnostic diagnostic = Assert.Single(outcome.Diagnostics);
        Assert.Equal("QG0002", diagnostic.Id);
        Assert.Contains("Invalid numeric value", diagnostic.GetMessage());
        Assert.True(diagnostic.GetMessage().Length < 400, diagnostic.GetMessage().Length + " characters");
        Assert.True(allocated < AllocationBound, $"{allocated:N0} bytes");
    }

    [Fact]
    public void The_allocation_measure_sees_the_generators_work()
    {
        // The control for the test above: a valid model with 1 MiB of codes costs the pipeline (on this
        // thread, where the driver runs it) more than 1 MiB, so a small figure there means a small cost.
        string json = TestModels.Json(LargeModel());
        var session = new GeneratorSession();
        session.Run(TestModels.Json(TestModels.AllOps(1)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        GeneratorOutcome outcome = session.Run(json);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"valid 1 MiB model: {allocated:N0} bytes allocated");
        Assert.Equal(3, outcome.Sources.Count);
        Assert.True(allocated > 1L << 20, $"only {allocated:N0} bytes");
    }

    [Fact]
    public void A_cancelled_build_stops_every_step_with_OperationCanceledException()
    {
        Model model = LargeModel();
        string json = TestModels.Json(model);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => DescriptionParser.Parse(json, cancelled.Token));
        ParsedDescription parsed = DescriptionParser.Parse(json);
        Assert.ThrowsAny<OperationCanceledException>(() => DescriptionValidator.Validate(parsed.Model!, parsed.Locator!, cancelled.Token));
        Assert.Empty(DescriptionValidator.Validate(parsed.Model!, parsed.Locator!));

        var file = new ModelFile("/src/m.qgm.json", ModelItem.None, "hash", parsed.Model, EquatableArray<DiagnosticInfo>.Empty);
        var binding = new ModelBinding("N", "M", EquatableArray<ContainingType>.Empty, "m.qgm.json", "/src", null, null);
        Assert.ThrowsAny<OperationCanceledException>(() => Planner.Plan(binding, file, cancelled.Token));

        // The emitter checks only inside its loop over the parameter chunks (1 MiB here: 22 of them).
        ModelPlan plan = Planner.Plan(binding, file, CancellationToken.None);
        Assert.ThrowsAny<OperationCanceledException>(() => Emitter.Emit(plan, cancelled.Token).ToList());
        Assert.Equal(3, Emitter.Emit(plan).Count());

        var session = new GeneratorSession();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Run(json, cancelled.Token));
        Assert.Equal(3, session.Run(json).Sources.Count);
    }

    [Fact]
    public void The_json_scan_honours_cancellation_inside_a_long_array()
    {
        // 100,000 numbers: the scanner checks the token every 16 Ki values, long before the end.
        string json = "[" + string.Join(",", Enumerable.Repeat("1", 100_000)) + "]";
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => JsonLocator.TryScan(json, out _, cancelled.Token));
        Assert.NotNull(JsonLocator.TryScan(json, out DescriptionError? error));
        Assert.Null(error);
    }

    /// <summary>1024 x 1024 levels codes of 8 bits (1 MiB) between two float layers.</summary>
    private static Model LargeModel()
    {
        var random = new Random(2);
        var model = new Model { Schema = "quantgen.v1", Name = "large" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 1024 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 4 } });
        model.Layers.Add(new Layer { Name = "big", Dense = new Dense { InFeatures = 1024, OutFeatures = 1024, Weights = TestModels.Levels(random, 1024, 1024, 8) } });
        model.Layers.Add(new Layer { Name = "head", Dense = new Dense { InFeatures = 1024, OutFeatures = 4, Weights = TestModels.Float(random, 4, 1024) } });
        return model;
    }

    private static string Text(string input, string output, string layers) =>
        Template.Replace("INPUT", input).Replace("OUTPUT", output).Replace("LAYERS", layers);

    private static string Dense(int inFeatures, int outFeatures, string weights) =>
        $$"""{"name": "fc", "dense": {"inFeatures": {{inFeatures}}, "outFeatures": {{outFeatures}}, "weights": """ + weights + "}}";

    private static string Quantized(string quantizer) =>
        """{"name": "fc", "inputQuantizer": """ + quantizer + """, "dense": {"inFeatures": 2, "outFeatures": 1, "weights": {"float32": {"values": [1, 2]}}}}""";
}
