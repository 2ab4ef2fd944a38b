using System;
using System.IO;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Quantizer.Methods;
using QuantGen.Schema;

// Usage: MakeModels <out-dir> [hidden]
// One LSTM layer, hidden x hidden (input size = hidden), seeded random float weights in [-1/sqrt(h), 1/sqrt(h)]
// as PyTorch initialises them; then the same weights coded by alternating multi-bit quantization (2 and 3
// bits), with x and h coded online every step (the paper's setting), so the step runs the xor-popcount kernel.
string dir = args.Length > 0 ? args[0] : "models";
int hidden = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 512;
Directory.CreateDirectory(dir);
var random = new Random(2018);
float bound = 1f / MathF.Sqrt(hidden);
float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * bound).ToArray();

var lstm = new Lstm { InputSize = hidden, HiddenSize = hidden, Options = new RecurrentOptions() };
lstm.InputWeights = new Weights { Float32 = new FloatCodec { Values = { Uniform(4 * hidden * hidden) } } };
lstm.RecurrentWeights = new Weights { Float32 = new FloatCodec { Values = { Uniform(4 * hidden * hidden) } } };
lstm.InputBias.Add(Uniform(4 * hidden));
lstm.RecurrentBias.Add(Uniform(4 * hidden));
var model = new Model { Schema = DescriptionValidator.SchemaVersion, Name = $"lstm{hidden}-float", Doc = "LSTM step benchmark, seeded random weights" };
model.Inputs.Add(new TensorInfo { Name = "x", Shape = { hidden } });
model.Outputs.Add(new TensorInfo { Name = "h", Shape = { hidden } });
model.Layers.Add(new Layer { Name = "lstm", Lstm = lstm });
Write(model, "float");

foreach (int bits in new[] { 2, 3 })
{
    Model q = model.Clone();
    q.Name = $"lstm{hidden}-alternating{bits}";
    Lstm l = q.Layers[0].Lstm;
    IWeightQuantizer weights = QuantizationMethods.CreateWeightQuantizer(new MethodSpec("alternating", bits));
    l.InputWeights = weights.Quantize(new WeightTensor("lstm.inputWeights", l.InputWeights.Float32.Values.ToArray(), 4 * hidden, hidden));
    l.RecurrentWeights = weights.Quantize(new WeightTensor("lstm.recurrentWeights", l.RecurrentWeights.Float32.Values.ToArray(), 4 * hidden, hidden));
    var online = new ActivationQuantizer { OnlineMultiBinary = new OnlineMultiBinaryActivation { Bits = bits, Cycles = 2 } };
    q.Layers[0].InputQuantizer = online;
    l.Options.RecurrentQuantizer = online.Clone();
    Write(q, $"alternating{bits}");
}

return 0;

void Write(Model m, string suffix)
{
    string path = Path.Combine(dir, $"lstm-{suffix}.qgm.json");
    File.WriteAllText(path, DescriptionWriter.ToJson(m));
    Console.WriteLine($"wrote {path}");
}
