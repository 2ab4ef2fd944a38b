using System;
using System.Diagnostics;
using System.IO;
using QuantGen;
using QuantGen.Samples.Digits;

// Evaluates every variant of the digit classifier on the held-out digits: accuracy, parameter bytes
// against float32, and time per inference (one thread, batch 1).
DigitsData data = DigitsData.Load(Path.Combine(AppContext.BaseDirectory, "data", "digits-test.csv"));
IQuantModel[] variants = [new DigitsFloat(), new DigitsUniform8(), new DigitsUniform4(), new DigitsUniform2(), new DigitsAlternating2()];

Console.WriteLine($"Held-out digits: {data.Count}. Time: per inference, the best of 5 rounds of passes over the whole set, one thread.");
Console.WriteLine();
Console.WriteLine($"{"variant",-22} {"accuracy",9} {"correct",8} {"weight bytes",13} {"float32 bytes",14} {"smaller",8} {"us/inference",13}");
foreach (IQuantModel model in variants)
{
    int correct = CountCorrect(model, data);
    double micros = MicrosecondsPerInference(model, data);
    double ratio = (double)model.Float32WeightBytes / model.WeightBytes;
    Console.WriteLine($"{model.Name,-22} {(double)correct / data.Count,9:0.0000} {correct,4}/{data.Count,-3} {model.WeightBytes,13:N0} {model.Float32WeightBytes,14:N0} {ratio,7:0.0}x {micros,13:0.00}");
}

static int CountCorrect(IQuantModel model, DigitsData data)
{
    Span<float> output = stackalloc float[model.OutputLength];
    int correct = 0;
    for (int i = 0; i < data.Count; i++)
    {
        model.Predict(data.Input(i), output);
        correct += Scores.ArgMax(output) == data.Labels[i] ? 1 : 0;
    }

    return correct;
}

static double MicrosecondsPerInference(IQuantModel model, DigitsData data)
{
    Span<float> output = stackalloc float[model.OutputLength];
    // Warm up, then the best of five rounds of whole passes, each at least 100 ms: the machine may be shared, and the
    // fastest round is the one least disturbed by other work. (The project turns tiered compilation off, so the
    // code timed is the optimized code from the first call; with it on, the first model timed ran unoptimized code.)
    for (int i = 0; i < data.Count * 20; i++)
    {
        model.Predict(data.Input(i % data.Count), output);
    }

    double best = double.MaxValue;
    for (int round = 0; round < 5; round++)
    {
        var clock = Stopwatch.StartNew();
        long runs = 0;
        while (clock.ElapsedMilliseconds < 100)
        {
            for (int i = 0; i < data.Count; i++)
            {
                model.Predict(data.Input(i), output);
            }

            runs += data.Count;
        }

        best = Math.Min(best, clock.Elapsed.TotalMicroseconds / runs);
    }

    return best;
}
