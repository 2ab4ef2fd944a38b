using System;
using System.Diagnostics;
using QuantGen.Runtime;

// The parts of one alternating LSTM step (hidden 512, input 512: two 2048 x 512 products, W x and U h, then
// the cell), each timed alone in process CPU time, best of 7 rounds of 4,000 calls, random weights and input.
const int Cols = 512, Rows = 2048, Cycles = 2;
var random = new Random(1);
Console.WriteLine($"{"part",-34} {"2-bit us",9} {"3-bit us",9}");
var results = new (string Name, double Us)[2][];
for (int b = 0; b < 2; b++)
{
    int bits = b + 2;
    var x = new float[Cols];
    for (int i = 0; i < Cols; i++)
    {
        x[i] = (float)(random.NextDouble() * 2 - 1);
    }

    int words = Xnor.RowWords(Cols);
    ulong[] w = RandomWords(Rows * bits * words), w2 = RandomWords(Rows * bits * words);
    var coefficients = new float[Rows * bits];
    Array.Fill(coefficients, 0.1f);
    var bias = new float[Rows];
    var y = new float[Rows];
    var scratch = new float[Xnor.ScratchFloats(Cols, bits)];
    var clean = new float[Cols];
    var reconstruction = new float[Cols];
    var codes = new byte[words * 64];
    var betas = new float[bits];
    var planes = new ulong[bits * words];
    // Gate pre-activations of moderate size (|v| <= 4) and the kernel's own outputs (|v| up to ~100 here).
    var gates = new float[Rows];
    for (int i = 0; i < Rows; i++)
    {
        gates[i] = (float)(random.NextDouble() * 8 - 4);
    }

    var c = new float[Cols];
    var h = new float[Cols];
    Xnor.Encode(x, bits, Cycles, betas, reconstruction, clean, codes);
    Xnor.PackPlanes(codes, bits, words, planes);
    results[b] =
    [
        ("both products, as a step (W, U)", Time(() => { Xnor.Dense(x, y, w, bits, coefficients, bias, bits, Cycles, scratch); Xnor.Dense(x, y, w2, bits, coefficients, bias, bits, Cycles, scratch); })),
        ("one product (Xnor.Dense)", Time(() => Xnor.Dense(x, y, w, bits, coefficients, bias, bits, Cycles, scratch))),
        ("  coding x (alternating, 2 cycles)", Time(() => Xnor.Encode(x, bits, Cycles, betas, reconstruction, clean, codes))),
        ("  packing the planes", Time(() => Xnor.PackPlanes(codes, bits, words, planes))),
        ("  popcount product (Multiply)", Time(() => Xnor.Multiply(planes, betas, Cols, y, w, bits, coefficients, bias))),
        ("LSTM cell, gates in [-4, 4]", Time(() => { Array.Clear(c); RecurrentCells.Lstm(gates, gates, c, h, sigmoidCell: false); })),
        ("LSTM cell, gates = product outputs", Time(() => { Array.Clear(c); RecurrentCells.Lstm(y, y, c, h, sigmoidCell: false); })),
    ];
}

for (int i = 0; i < results[0].Length; i++)
{
    Console.WriteLine($"{results[0][i].Name,-34} {results[0][i].Us,9:F2} {results[1][i].Us,9:F2}");
}

Console.WriteLine($"kernel path: {KernelPaths.Current}");
return;

ulong[] RandomWords(int count)
{
    var words = new ulong[count];
    for (int i = 0; i < count; i++)
    {
        words[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
    }

    return words;
}

static double Time(Action action)
{
    for (int i = 0; i < 200; i++)
    {
        action();
    }

    double best = double.MaxValue;
    for (int round = 0; round < 7; round++)
    {
        TimeSpan start = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < 4000; i++)
        {
            action();
        }

        best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - start).TotalMicroseconds / 4000);
    }

    return best;
}
