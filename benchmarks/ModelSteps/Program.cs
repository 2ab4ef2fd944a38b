using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using QuantGen;
using QuantGen.Benchmarks.ModelSteps;

// Whole-model step benchmark (issue 11). In one process, on this one thread: one step of each language model
// (generated Step on a token) and one inference of each digits model (generated Predict), in float32 and four
// quantized variants, and ONNX Runtime on the same float model. Prints a markdown table of thread CPU time
// per step, best of ROUNDS rounds, the rows interleaved round by round so that a noisy moment hits all rows.
// Usage: ModelSteps [--rounds N] [--round-ms M] | --spin MODEL:VARIANT [SECONDS] | --states [N] | --batch [N] | --sequence [N]
// (MODEL lm2, lstm, gru, mlp or cnn; VARIANT float32, uniform8, uniform4, alternating3, alternating2 or ort)
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int rounds = Option("--rounds", 31);
double roundMs = Option("--round-ms", 25);
string models = Path.Combine(AppContext.BaseDirectory, "models");
string loadBefore = LoadAverage();
DateTime started = DateTime.UtcNow;

// (model, generated variants in order float32, uniform 8/8, uniform 4/4, alternating 3/3, alternating 2/2, ONNX Runtime)
var groups = new List<(string Model, Runner[] Generated, Runner Ort)>
{
    ("LM: Emb 63x64, LSTM 64->256, LSTM 256->256, Dense 256->63", Recurrent("lm2", new Lm2Float(), new Lm2Uniform8(), new Lm2Uniform4(), new Lm2Alternating3(), new Lm2Alternating2()),
        new OrtRecurrent("lm2", Path.Combine(models, "lm2-step.onnx"), layers: 2, hidden: 256, vocabulary: 63, lstm: true)),
    ("LSTM: Emb 63x64, LSTM 64->256, Dense 256->63", Recurrent("lstm", new LstmFloat(), new LstmUniform8(), new LstmUniform4(), new LstmAlternating3(), new LstmAlternating2()),
        new OrtRecurrent("lstm", Path.Combine(models, "lstm-step.onnx"), layers: 1, hidden: 256, vocabulary: 63, lstm: true)),
    ("GRU: Emb 63x64, GRU 64->256, Dense 256->63", Recurrent("gru", new GruFloat(), new GruUniform8(), new GruUniform4(), new GruAlternating3(), new GruAlternating2()),
        new OrtRecurrent("gru", Path.Combine(models, "gru-step.onnx"), layers: 1, hidden: 256, vocabulary: 63, lstm: false)),
    ("digits MLP 64-128-64-10", Stateless("mlp", new MlpFloat(), new MlpUniform8(), new MlpUniform4(), new MlpAlternating3(), new MlpAlternating2()),
        new OrtStateless("mlp", Path.Combine(models, "digits.onnx"))),
    ("digits CNN: conv 1->16, conv 16->32 (3x3, pad 1), max pool 2, dense 512->10", Stateless("cnn", new CnnFloat(), new CnnUniform8(), new CnnUniform4(), new CnnAlternating3(), new CnnAlternating2()),
        new OrtStateless("cnn", Path.Combine(models, "cnn.onnx"))),
};

// --spin MODEL:VARIANT SECONDS: only step that row for SECONDS of CPU time (for a profiler such as perf), no table.
int spinAt = Array.IndexOf(args, "--spin");
if (spinAt >= 0)
{
    string[] key = args[spinAt + 1].Split(':');
    double seconds = spinAt + 2 < args.Length ? double.Parse(args[spinAt + 2], CultureInfo.InvariantCulture) : 10;
    string[] variants = ["float32", "uniform8", "uniform4", "alternating3", "alternating2", "ort"];
    (string _, Runner[] generatedRows, Runner ortRow) = groups.Single(g => g.Generated[0].Model == key[0]);
    Runner spin = generatedRows.Append(ortRow).ElementAt(Array.IndexOf(variants, key[1]));
    Console.WriteLine($"spinning {spin.Model}, {spin.Variant} for {seconds} s of CPU time (pid {Environment.ProcessId})");
    long spinStart = CpuClock.ThreadNs();
    int spinSteps = 0;
    while (CpuClock.ThreadNs() - spinStart < seconds * 1e9)
    {
        for (int i = 0; i < 100; i++)
        {
            spin.Step(spinSteps++);
        }
    }

    Console.WriteLine($"{spinSteps} steps, {(CpuClock.ThreadNs() - spinStart) / 1e3 / spinSteps:0.00} us/step");
    return 0;
}

// --states N: the language models' independent sequences, Step on each against StepMany on all (StatesTable.cs).
// --batch N: the digits models on N inputs, one Predict per input against Predict over the batch (BatchTable.cs).
// --sequence N: one sequence of N tokens per language model, Step token by token against PredictSequence (SequenceTable.cs).
foreach ((string flag, int fallback, string title) in new[] { ("--states", 16, "Independent sequences"), ("--batch", 64, "Batches"), ("--sequence", 256, "Whole sequences") })
{
    int at = Array.IndexOf(args, flag);
    if (at < 0)
    {
        continue;
    }

    int count = at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    Console.WriteLine($"# {title}, {started:yyyy-MM-dd HH:mm} UTC; QuantGen kernel path {QuantGen.Runtime.KernelPaths.Current}; .NET {Environment.Version}; load average at start {loadBefore}");
    Console.WriteLine();
    Runner[] generatedRunners = groups.SelectMany(g => g.Generated).ToArray();
    if (flag == "--states")
    {
        StatesTable.Print(generatedRunners.OfType<GeneratedRecurrent>(), count, Option("--rounds", 11), roundMs);
    }
    else if (flag == "--sequence")
    {
        SequenceTable.Print(generatedRunners.OfType<GeneratedRecurrent>(), count, Option("--rounds", 11), roundMs);
    }
    else
    {
        BatchTable.Print(generatedRunners.OfType<GeneratedStateless>(), count, Option("--rounds", 11), roundMs);
    }

    return 0;
}

Console.WriteLine($"# Whole-model step benchmark, {started:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine();
Console.WriteLine($"QuantGen kernel path {QuantGen.Runtime.KernelPaths.Current}; ONNX Runtime {OrtRunnerCore.Version} (IntraOpNumThreads 1, InterOpNumThreads 1, sequential, all graph optimizations, IO binding); " +
                  $".NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs; load average at start {loadBefore}.");
Console.WriteLine();

// Correctness: the generated float32 model against ONNX Runtime, so the peer runs the same model.
Console.WriteLine("Check, generated float32 vs ONNX Runtime (max |difference| of the outputs):");
bool ok = true;
foreach ((string model, Runner[] generated, Runner ort) in groups)
{
    double diff = Check(generated[0], ort, out string what);
    bool pass = diff <= 1e-3 && !double.IsNaN(diff);
    ok &= pass;
    Console.WriteLine($"- {model}: {diff:0.000e+00} over {what} {(pass ? "(within 1e-3)" : "FAIL: above 1e-3")}");
}

Console.WriteLine();
if (!ok)
{
    Console.Error.WriteLine("ModelSteps: the generated float32 model and ONNX Runtime disagree; not timing.");
    return 1;
}

// Timing. Each row: warm up, then size a round to about roundMs of CPU time; then ROUNDS passes over all rows.
Runner[] rows = groups.SelectMany(g => g.Generated.Append(g.Ort)).ToArray();
var reps = new int[rows.Length];
var best = new double[rows.Length];
var threadNs = new long[rows.Length];
var processNs = new long[rows.Length];
var allocated = new long[rows.Length];
var steps = new long[rows.Length];
Array.Fill(best, double.MaxValue);
for (int r = 0; r < rows.Length; r++)
{
    rows[r].Reset();
    long t0 = CpuClock.ThreadNs();
    int n = 0;
    while (CpuClock.ThreadNs() - t0 < 20_000_000 || n < 20)
    {
        rows[r].Step(n++);
    }

    double perStep = (double)(CpuClock.ThreadNs() - t0) / n;
    reps[r] = (int)Math.Clamp(roundMs * 1e6 / perStep, 10, 10_000_000);
}

int counter = 0;
for (int round = 0; round < rounds; round++)
{
    for (int r = 0; r < rows.Length; r++)
    {
        Runner row = rows[r];
        int n = reps[r];
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        long p0 = CpuClock.ProcessNs();
        long t0 = CpuClock.ThreadNs();
        for (int i = 0; i < n; i++)
        {
            row.Step(counter++);
        }

        long t1 = CpuClock.ThreadNs();
        long p1 = CpuClock.ProcessNs();
        allocated[r] += GC.GetAllocatedBytesForCurrentThread() - bytes;
        threadNs[r] += t1 - t0;
        processNs[r] += p1 - p0;
        steps[r] += n;
        best[r] = Math.Min(best[r], (double)(t1 - t0) / n / 1000);
    }
}

string loadAfter = LoadAverage();
double elapsed = (DateTime.UtcNow - started).TotalSeconds;

// The table. Issue 11's bars: the recurrent models' variants at 2x, 2x, 1x and 1.5x of float32; on the digits
// models every quantized variant faster than float32.
string[] recurrentTargets = ["float32 >= ONNX Runtime", "8/8 >= 2x float32", "4/4 >= 2x float32", "3/3 >= 1x float32", "2/2 >= 1.5x float32"];
double[] recurrentRatios = [1.0, 2.0, 2.0, 1.0, 1.5];
string[] digitsTargets = ["float32 >= ONNX Runtime", "faster than float32", "faster than float32", "faster than float32", "faster than float32"];
double[] digitsRatios = [1.0, 1.0, 1.0, 1.0, 1.0];
var table = new StringBuilder();
table.AppendLine("| model | variant (weights / activations) | us/step | vs float32 | vs ORT | WeightBytes | issue 11 target |");
table.AppendLine("|---|---|---:|---:|---:|---:|---|");
int index = 0;
foreach ((string model, Runner[] generated, Runner ort) in groups)
{
    int first = index;
    double floatUs = best[first];
    double ortUs = best[first + generated.Length];
    for (int v = 0; v <= generated.Length; v++, index++)
    {
        Runner row = rows[index];
        double us = best[index];
        string target = "";
        if (v < generated.Length)
        {
            double ratio = v == 0 ? ortUs / us : floatUs / us;
            bool digits = generated[0].Model is "mlp" or "cnn";
            (string[] targets, double[] ratios) = digits ? (digitsTargets, digitsRatios) : (recurrentTargets, recurrentRatios);
            target = $"{targets[v]}: {(ratio >= ratios[v] ? "met" : "missed")} ({ratio:0.00}x)";
        }

        string weights = row.WeightBytes is long b ? b.ToString("N0", CultureInfo.InvariantCulture) : "-";
        table.AppendLine($"| {(v == 0 ? model : "")} | {row.Variant} | {us:0.00} | {floatUs / us:0.00}x | {ortUs / us:0.00}x | {weights} | {target} |");
    }
}

Console.WriteLine($"Thread CPU time per step (clock_gettime CLOCK_THREAD_CPUTIME_ID), fastest of {rounds} rounds of ~{roundMs:0} ms CPU per row, " +
                  "rows interleaved round by round; one thread; a language-model step is one token through the generated Step(token, state, logits) " +
                  "or one run of the ONNX step graph (token, h, c) -> (logits, h_out, c_out); a digits step is one Predict of one 8x8 input. " +
                  "vs float32 and vs ORT are speed-ups (time of the generated float32 model, or of ONNX Runtime, divided by this row's time; > 1 is faster).");
Console.WriteLine();
Console.Write(table);
Console.WriteLine();
Console.WriteLine($"Load average at start {loadBefore}, at end {loadAfter}; {elapsed:0} s from start to end of the measurement.");

// What else ran: work on other threads (process CPU above thread CPU) or managed allocation in the timed loops.
double worstShare = Enumerable.Range(0, rows.Length).Max(r => (double)processNs[r] / threadNs[r]);
int worstRow = Enumerable.Range(0, rows.Length).MaxBy(r => (double)processNs[r] / threadNs[r]);
Console.WriteLine($"Process CPU / thread CPU over the timed loops: at most {worstShare:0.000} ({rows[worstRow].Model}, {rows[worstRow].Variant}); 1.0 means all the work ran on the timed thread.");
string allocating = string.Join(", ", Enumerable.Range(0, rows.Length).Where(r => allocated[r] > 0).Select(r => $"{rows[r].Model} {rows[r].Variant} {(double)allocated[r] / steps[r]:0.#} B/step"));
Console.WriteLine($"Managed allocation in the timed loops: {(allocating.Length == 0 ? "none" : allocating)}.");

foreach (Runner row in rows)
{
    row.Dispose();
}

return 0;

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

static string LoadAverage()
{
    try
    {
        return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "unknown";
    }
}

static Runner[] Recurrent(string model, params IRecurrentQuantModel[] generated) =>
    generated.Zip(VariantNames()).Select(p => (Runner)new GeneratedRecurrent(model, p.Second, p.First)).ToArray();

static Runner[] Stateless(string model, params IQuantModel[] generated) =>
    generated.Zip(VariantNames()).Select(p => (Runner)new GeneratedStateless(model, p.Second, p.First)).ToArray();

static string[] VariantNames() => ["generated float32", "generated uniform 8/8", "generated uniform 4/4", "generated alternating 3/3", "generated alternating 2/2"];

// Max |difference| between the generated model's outputs and ONNX Runtime's: the language models over the check
// tokens stepped from the zero state (every step's logits), the digits models over the check inputs.
static double Check(Runner generated, Runner ort, out string what)
{
    double max = 0;
    generated.Reset();
    ort.Reset();
    if (generated is GeneratedRecurrent g && ort is OrtRecurrent o)
    {
        foreach (int token in Inputs.CheckTokens)
        {
            g.StepToken(token);
            o.StepToken(token);
            max = Math.Max(max, MaxDifference(g.Output, o.Output));
        }

        what = $"{Inputs.CheckTokens.Length} steps x {g.Output.Length} logits";
    }
    else if (generated is GeneratedStateless gs && ort is OrtStateless os)
    {
        foreach (float[] input in Inputs.CheckPixels)
        {
            gs.Predict(input);
            os.Predict(input);
            max = Math.Max(max, MaxDifference(gs.Output, os.Output));
        }

        what = $"{Inputs.CheckPixels.Length} inputs x {gs.Output.Length} outputs";
    }
    else
    {
        throw new InvalidOperationException("mismatched runners");
    }

    generated.Reset();
    ort.Reset();
    return max;
}

static double MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
{
    if (a.Length != b.Length)
    {
        return double.NaN;
    }

    double max = 0;
    for (int i = 0; i < a.Length; i++)
    {
        double d = Math.Abs((double)a[i] - b[i]);
        max = double.IsNaN(d) ? double.NaN : Math.Max(max, d);
    }

    return max;
}
