using System.CommandLine;
using QuantGen.Cli.Data;
using QuantGen.Schema;

namespace QuantGen.Cli.Commands;

/// <summary><c>quantgen eval MODEL --data DATA.npz [--interpreter]</c>: top-1 accuracy on labelled samples; for a language model
/// (first layer an embedding) bits per token and perplexity on the npz's tokens array, through the reference interpreter.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A description (.qgm.json, or binary .qgm) or an ONNX model (.onnx)." };
        var data = new Option<string>("--data") { Description = "An .npz with x (float32, one row per sample) and y (int64 labels); for a language model, tokens (integer ids, one sequence).", Required = true };
        var interpreter = new Option<bool>("--interpreter") { Description = "Run the reference interpreter instead of the code the generator writes." };
        var command = new Command("eval", "Measure a model's accuracy on labelled data, running the code the generator writes for it.") { model, data, interpreter };
        command.SetAction((parse, cancellationToken) =>
        {
            string path = parse.GetValue(model)!;
            Model description = ModelArgument.Load(path);
            if (LayerShapes.TakesTokens(description))
            {
                // A language model: bits per token and perplexity of the next token over the tokens array.
                long[] tokens = LanguageModelEvaluator.ReadTokens(parse.GetValue(data)!, description);
                TokenScore score = LanguageModelEvaluator.Score(description, tokens, cancellationToken);
                context.Out.WriteLine($"bits-per-token: {score.BitsPerToken.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}");
                context.Out.WriteLine($"perplexity: {score.Perplexity.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}");
                return System.Threading.Tasks.Task.FromResult(ExitCodes.Success);
            }

            ModelSummary shape = ModelSummary.Of(description);
            Dataset samples = Dataset.ForEvaluation(parse.GetValue(data)!, shape.InputLength, shape.OutputLength);
            Accuracy accuracy = parse.GetValue(interpreter)
                ? Evaluator.Interpreted(description, samples, cancellationToken)
                : Evaluator.Generated([description], samples, cancellationToken)[0];
            context.Out.WriteLine($"accuracy: {accuracy.Value.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}");
            context.Out.WriteLine($"correct: {accuracy.Correct} of {accuracy.Total}");
            return System.Threading.Tasks.Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
