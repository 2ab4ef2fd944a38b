using System;
using System.Collections.Generic;
using System.Threading;
using QuantGen.Cli.Data;
using QuantGen.Reference;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>A language model's mean -log2 p(next token) over a token sequence, and its perplexity 2^bits.</summary>
public sealed record TokenScore(double BitsPerToken, int Predictions)
{
    public double Perplexity => Math.Pow(2, BitsPerToken);
}

/// <summary>
/// Scores a model whose first layer is an embedding on the `tokens` array of an .npz: the tokens run as one
/// sequence, each step's logits scored against the next token. Runs the reference interpreter's Step.
/// </summary>
public static class LanguageModelEvaluator
{
    public static long[] ReadTokens(string path, Model model)
    {
        int vocabulary = model.Layers[0].Embedding.NumEmbeddings;
        long outputs = 1;
        foreach (int dim in model.Outputs[0].Shape)
        {
            outputs *= dim;
        }

        if (outputs != vocabulary)
        {
            throw CliException.BadInput($"the model reads {vocabulary} token ids but gives {outputs} outputs; a language model gives one logit per token id");
        }

        IReadOnlyDictionary<string, NpyArray> arrays = NpzReader.Read(path);
        if (!arrays.TryGetValue("tokens", out NpyArray? tokens))
        {
            throw CliException.BadInput($"{System.IO.Path.GetFileName(path)}: a language model is evaluated on an array named tokens; the file has {string.Join(", ", arrays.Keys)}");
        }

        if (!tokens.IsInteger || tokens.Shape.Length != 1 || tokens.Length < 2)
        {
            throw CliException.BadInput($"{tokens.Source}: tokens must be a 1-D integer array of at least 2 token ids, not {tokens.Type} {tokens.ShapeText}");
        }

        long[] ids = tokens.ToInt64();
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0 || ids[i] >= vocabulary)
            {
                throw CliException.BadInput($"{tokens.Source}: token {i} is {ids[i]}; the model's vocabulary is 0 to {vocabulary - 1}");
            }
        }

        return ids;
    }

    public static TokenScore Score(Model model, long[] tokens, CancellationToken cancellationToken = default)
    {
        var interpreter = new ReferenceInterpreter(model);
        ReferenceInterpreter.SequenceState state = interpreter.NewState();
        double nats = 0;
        for (int t = 0; t + 1 < tokens.Length; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] logits = interpreter.Step((int)tokens[t], state);
            double max = double.NegativeInfinity;
            foreach (float v in logits)
            {
                max = Math.Max(max, v);
            }

            double sum = 0;
            foreach (float v in logits)
            {
                sum += Math.Exp(v - max);
            }

            nats += max + Math.Log(sum) - logits[tokens[t + 1]];
        }

        return new TokenScore(nats / Math.Log(2) / (tokens.Length - 1), tokens.Length - 1);
    }
}
