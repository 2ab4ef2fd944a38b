using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using QuantGen.Reference;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;

namespace QuantGen.Tests.Recurrent;

/// <summary>
/// Bidirectional test models (a forward LSTM or GRU and its reverse layer) with every codec and activation
/// quantizer, a stacked bidirectional model on vectors, and two unidirectional ones, compiled once.
/// </summary>
public sealed class CompiledSequenceModels
{
    private static readonly Lazy<IReadOnlyDictionary<string, SequenceCase>> Shared = new(Build);

    public IReadOnlyDictionary<string, SequenceCase> Cases => Shared.Value;

    public static IEnumerable<string> BidirectionalNames() =>
        from c in CompiledModels.Codecs() from q in CompiledModels.Quantizers() from kind in new[] { "lstm", "gru" } select $"bi-{kind}.{c.Item1}.{q.Item1}";

    private static IReadOnlyDictionary<string, SequenceCase> Build()
    {
        var descriptions = new List<(string Name, Model Model)>();
        foreach ((string codecName, Func<Random, int, int, Weights> codec) in CompiledModels.Codecs())
        {
            foreach ((string quantizerName, Func<Random, ActivationQuantizer?> quantizer) in CompiledModels.Quantizers())
            {
                foreach (bool lstm in new[] { true, false })
                {
                    string name = $"bi-{(lstm ? "lstm" : "gru")}.{codecName}.{quantizerName}";
                    descriptions.Add((name, Bidirectional(name, lstm, (r, rows, cols) => codec(r, rows, cols), quantizer, Seed(name))));
                }
            }
        }

        descriptions.Add(("bi-stacked", StackedBidirectional(5)));
        descriptions.Add(("lstm.uniform4", RecurrentTestModels.TokenRecurrent("lstm.uniform4", true, (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, signed: true, perRow: true, zeroPoints: false), _ => TestModels.UniformActivation(4, -1f, 1.5f), 3)));
        descriptions.Add(("stacked", RecurrentTestModels.Stacked(11)));
        descriptions.Add(("alternating-stack2.lstm", RecurrentTestModels.AlternatingStack("alternating-stack2.lstm", true, 2, 5)));

        var files = descriptions.Select((d, i) => (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/seq/s{i}.qgm.json", TestModels.Json(d.Model))).ToList();
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings(descriptions.Select((d, i) => ($"S{i}", $"seq/s{i}.qgm.json")), "Tests.Sequence")], files);
        if (run.Result.Diagnostics.Length > 0)
        {
            throw new InvalidOperationException("The generator reported:\n" + string.Join("\n", run.Result.Diagnostics.Take(10)));
        }

        Assembly assembly = run.Load();
        return descriptions
            .Select((d, i) => new SequenceCase(d.Name, d.Model, Activator.CreateInstance(assembly.GetType($"Tests.Sequence.S{i}")!)!, new ReferenceInterpreter(d.Model)))
            .ToDictionary(c => c.Name);
    }

    /// <summary>
    /// Embedding -> a bidirectional LSTM or GRU (both halves: codec, input quantizer q; the recurrent quantizer
    /// q on h) -> Dense on the 2 x hidden values. The online multi-bit input quantizer is not allowed on a
    /// reverse layer, so there its reverse half reads floats.
    /// </summary>
    internal static Model Bidirectional(string name, bool lstm, RecurrentTestModels.Codec codec, Func<Random, ActivationQuantizer?> quantizer, int seed)
    {
        var random = new Random(seed);
        const int vocabulary = RecurrentTestModels.Vocabulary, embed = RecurrentTestModels.Embed, hidden = RecurrentTestModels.Hidden;
        var model = new Model { Schema = "quantgen.v1", Name = name };
        model.Inputs.Add(new TensorInfo { Name = "token", Shape = { 1 } });
        model.Outputs.Add(new TensorInfo { Name = "logits", Shape = { RecurrentTestModels.Outputs } });
        model.Layers.Add(new Layer { Name = "embed", Embedding = new Embedding { NumEmbeddings = vocabulary, EmbeddingDim = embed, Weights = codec(random, vocabulary, embed) } });
        foreach (bool reverse in new[] { false, true })
        {
            Layer cell = lstm ? RecurrentTestModels.Lstm(random, codec, embed, hidden) : RecurrentTestModels.Gru(random, codec, embed, hidden);
            cell.Name = reverse ? "backward" : "forward";
            ActivationQuantizer? q = quantizer(random);
            cell.InputQuantizer = reverse && q?.OnlineMultiBinary is not null ? null : q;
            (lstm ? cell.Lstm.Options : cell.Gru.Options).RecurrentQuantizer = quantizer(random);
            if (lstm)
            {
                cell.Lstm.Reverse = reverse;
            }
            else
            {
                cell.Gru.Reverse = reverse;
            }

            model.Layers.Add(cell);
        }

        model.Layers.Add(Head(random, 2 * hidden));
        return model;
    }

    /// <summary>Vectors of 5 -> bidirectional LSTM (5 -> 2 x 17) -> ReLU -> bidirectional GRU (34 -> 2 x 9, 3-bit levels) -> Dense.</summary>
    internal static Model StackedBidirectional(int seed)
    {
        var random = new Random(seed);
        var model = new Model { Schema = "quantgen.v1", Name = "bi-stacked" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 5 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { RecurrentTestModels.Outputs } });
        const int hidden = RecurrentTestModels.Hidden;
        Layer forward = RecurrentTestModels.Lstm(random, RecurrentTestModels.TestFloat, 5, hidden), backward = RecurrentTestModels.Lstm(random, RecurrentTestModels.TestFloat, 5, hidden);
        backward.Name = "lstm_reverse";
        backward.Lstm.Reverse = true;
        model.Layers.Add(forward);
        model.Layers.Add(backward);
        model.Layers.Add(new Layer { Name = "relu", Relu = new Relu() });
        RecurrentTestModels.Codec levels = (r, rows, cols) => TestModels.Levels(r, rows, cols, 3);
        Layer gru = RecurrentTestModels.Gru(random, levels, 2 * hidden, 9), gruBack = RecurrentTestModels.Gru(random, levels, 2 * hidden, 9);
        gruBack.Name = "gru_reverse";
        gruBack.Gru.Reverse = true;
        gruBack.InputQuantizer = TestModels.UniformActivation(3, 0f, 1f);
        model.Layers.Add(gru);
        model.Layers.Add(gruBack);
        model.Layers.Add(Head(random, 18));
        return model;
    }

    private static Layer Head(Random random, int inputs)
    {
        var dense = new Dense { InFeatures = inputs, OutFeatures = RecurrentTestModels.Outputs, Weights = TestModels.Float(random, RecurrentTestModels.Outputs, inputs) };
        dense.Bias.Add(TestModels.RandomFloats(random, RecurrentTestModels.Outputs, -0.5f, 0.5f));
        return new Layer { Name = "head", Dense = dense };
    }

    private static int Seed(string name) => name.Aggregate(29, (h, ch) => unchecked(h * 31 + ch));
}
