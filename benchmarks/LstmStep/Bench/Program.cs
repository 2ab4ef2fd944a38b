using System;
using System.Diagnostics;
using System.Linq;
using QuantGen;
using QuantGen.Runtime;

// Times Step of each generated model in process CPU time: STEPS steps per round, ROUNDS rounds, the fastest
// round reported (the machine is shared; the minimum is the least disturbed). Single thread, no allocation per step.
const int Steps = 4000, Rounds = 7;
(string Name, IRecurrentQuantModel Model)[] models =
[
    ("float32", new LstmFloat()),
    ("alternating 3-bit", new LstmAlternating3()),
    ("alternating 2-bit", new LstmAlternating2()),
];
var random = new Random(1);
float[] input = Enumerable.Range(0, models[0].Model.InputLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
double baseline = 0;
Console.WriteLine($"LSTM step, hidden {models[0].Model.OutputLength}, input {models[0].Model.InputLength}; best of {Rounds} rounds of {Steps} steps");
Console.WriteLine($"{"model",-20} {"CPU us/step",11} {"speedup",8} {"weights",10}");
foreach ((string name, IRecurrentQuantModel model) in models)
{
    RecurrentState state = model.CreateState();
    var output = new float[model.OutputLength];
    double best = double.MaxValue;
    for (int round = 0; round < Rounds; round++)
    {
        state.Reset();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int t = 0; t < Steps; t++)
        {
            model.Step(input, state, output);
        }

        // CPU time, not wall time: on a shared machine the wall clock also counts other processes' turns.
        best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Steps);
    }

    baseline = baseline == 0 ? best : baseline;
    Console.WriteLine($"{name,-20} {best,11:F1} {baseline / best,7:F2}x {model.WeightBytes / 1024.0,7:F0} KB");
}
