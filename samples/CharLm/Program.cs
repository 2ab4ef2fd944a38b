using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using QuantGen;
using QuantGen.Runtime;
using QuantGen.Samples.CharLm;

// Bits per character of each variant on the held-out slice (the end of Revelation, never trained on),
// its speed in tokens per second (one Step per character, single thread), and a short continuation.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string dataDir = Path.Combine(AppContext.BaseDirectory, "data");
string[] vocab = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(dataDir, "charlm-vocab.json")))!;
string heldout = File.ReadAllText(Path.Combine(dataDir, "charlm-heldout.txt"));
var index = new System.Collections.Generic.Dictionary<char, int>();
for (int i = 0; i < vocab.Length; i++)
{
    index[vocab[i][0]] = i;
}

int[] tokens = Array.ConvertAll(heldout.ToCharArray(), c => index[c]);
(string Name, IRecurrentQuantModel Model)[] variants =
[
    ("float32", new CharLmFloat()),
    ("uniform 8-bit", new CharLmUniform8()),
    ("alternating 3-bit", new CharLmAlternating3()),
    ("alternating 2-bit", new CharLmAlternating2()),
    ("WQ 4-bit + LogQuant 4", new CharLmWq4LogQuant4()),
    ("QAT alternating 3-bit", new CharLmQatAlternating3()),
    ("QAT alternating 2-bit", new CharLmQatAlternating2()),
    ("QAT bit-RNN 2-bit", new CharLmQatBitRnn2()),
];
// The float model, the post-training 2-bit one, and the quantization-aware ones: their greedy text.
int[] continued = [0, 3, 5, 6, 7];

Console.WriteLine($"Character LSTM language model, King James Bible; held-out slice of {tokens.Length:N0} characters.");
Console.WriteLine();
// tokens/s is wall time; tokens/CPU-s divides by the CPU time the process got, which stays meaningful on a busy machine.
Console.WriteLine($"{"variant",-24} {"bits/char",9} {"tokens/s",10} {"tokens/CPU-s",12} {"weights",10}");
foreach ((string name, IRecurrentQuantModel model) in variants)
{
    // Warm up (tiered JIT), then time the whole slice.
    Evaluate(model, tokens.AsSpan(0, 200));
    var clock = Stopwatch.StartNew();
    TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
    double bits = Evaluate(model, tokens);
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    clock.Stop();
    double perSecond = (tokens.Length - 1) / clock.Elapsed.TotalSeconds;
    double perCpuSecond = (tokens.Length - 1) / cpu.TotalSeconds;
    Console.WriteLine($"{name,-24} {bits,9:F3} {perSecond,10:N0} {perCpuSecond,12:N0} {model.WeightBytes / 1024.0,8:F1} KB");
}

// The slice cut into 16 streams, each a sequence of its own from the zero state, evaluated two ways: Step on each
// stream in turn, and StepMany on all 16 (one step of every stream per call, the gate products of the float32 and
// integer layers batched over the streams). StepMany gives each state exactly what Step gives it, so the bits/char are
// the same both ways; the tokens/s (wall time, the log-softmax included) show what stepping the streams together buys.
const int Streams = 16;
Console.WriteLine();
Console.WriteLine($"The same slice as {Streams} streams of {tokens.Length / Streams:N0} characters, each from the zero state:");
Console.WriteLine($"{"variant",-24} {"bits/char",9} {"Step tok/s",11} {"StepMany tok/s",15}");
foreach (int v in new[] { 0, 1, 6 })
{
    (string name, IRecurrentQuantModel model) = variants[v];
    EvaluateStreams(model, tokens.AsSpan(0, Streams * 20), Streams, together: true);
    (double bits, double oneByOne) = EvaluateStreams(model, tokens, Streams, together: false);
    (double bitsTogether, double together) = EvaluateStreams(model, tokens, Streams, together: true);
    if (bits != bitsTogether)
    {
        throw new InvalidOperationException($"{name}: StepMany gave {bitsTogether} bits/char, Step {bits}.");
    }

    double count = tokens.Length / Streams * Streams;
    Console.WriteLine($"{name,-24} {bits,9:F3} {count / oneByOne,11:N0} {count / together,15:N0}");
}

const string prompt = "And God said unto Moses, ";
Console.WriteLine();
foreach ((string name, IRecurrentQuantModel model) in Array.ConvertAll(continued, i => variants[i]))
{
    Console.WriteLine($"{name}, greedy continuation of \"{prompt}\":");
    Console.WriteLine("  " + Continue(model, prompt, 120).Replace("\n", "\n  "));
}

return;

// Mean -log2 p(next character) over the sequence, the state carried from character to character.
static double Evaluate(IRecurrentQuantModel model, ReadOnlySpan<int> sequence)
{
    RecurrentState state = model.CreateState();
    Span<float> logits = stackalloc float[model.OutputLength];
    double total = 0;
    for (int t = 0; t + 1 < sequence.Length; t++)
    {
        model.Step(sequence[t], state, logits);
        total += LogSumExp(logits) - logits[sequence[t + 1]];
    }

    return total / Math.Log(2) / (sequence.Length - 1);
}

// Mean -log2 p(next character) over streams cut from the sequence, and the wall time it took.
static (double Bits, double Seconds) EvaluateStreams(IRecurrentQuantModel model, ReadOnlySpan<int> sequence, int streams, bool together)
{
    int length = sequence.Length / streams, width = model.OutputLength;
    var states = new RecurrentState[streams];
    for (int s = 0; s < streams; s++)
    {
        states[s] = model.CreateState();
    }

    var logits = new float[streams * width];
    var step = new int[streams];
    double total = 0;
    var clock = Stopwatch.StartNew();
    for (int t = 0; t + 1 < length; t++)
    {
        for (int s = 0; s < streams; s++)
        {
            step[s] = sequence[(s * length) + t];
        }

        if (together)
        {
            model.StepMany(step, states, logits);
        }
        else
        {
            for (int s = 0; s < streams; s++)
            {
                model.Step(step[s], states[s], logits.AsSpan(s * width, width));
            }
        }

        for (int s = 0; s < streams; s++)
        {
            total += LogSumExp(logits.AsSpan(s * width, width)) - logits[(s * width) + sequence[(s * length) + t + 1]];
        }
    }

    return (total / Math.Log(2) / (streams * (length - 1)), clock.Elapsed.TotalSeconds);
}

static double LogSumExp(ReadOnlySpan<float> x)
{
    float max = float.NegativeInfinity;
    foreach (float v in x)
    {
        max = Math.Max(max, v);
    }

    double sum = 0;
    foreach (float v in x)
    {
        sum += Math.Exp(v - max);
    }

    return max + Math.Log(sum);
}

string Continue(IRecurrentQuantModel model, string start, int length)
{
    RecurrentState state = model.CreateState();
    Span<float> logits = stackalloc float[model.OutputLength];
    foreach (char c in start)
    {
        model.Step(index[c], state, logits);
    }

    var text = new StringBuilder();
    for (int i = 0; i < length; i++)
    {
        int best = Scores.ArgMax(logits);
        text.Append(vocab[best]);
        model.Step(best, state, logits);
    }

    return text.ToString();
}
