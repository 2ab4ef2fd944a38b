using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using QuantGen.Cli.Data;
using QuantGen.Cli.Report;
using QuantGen.Quantizer;
using QuantGen.Schema;

namespace QuantGen.Cli.Commands;

/// <summary>
/// <c>quantgen report MODEL --data DATA.npz --calibration CAL.npz -o report.svg</c>: quantizes the model
/// with every method at every bit width, evaluates each result, prints the table and draws the chart.
/// </summary>
internal static class ReportCommand
{
    private static readonly int[] DefaultBits = [1, 2, 3, 4, 8];

    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "The float model: ONNX (.onnx) or a float description (.qgm.json or binary .qgm)." };
        var data = new Option<string>("--data") { Description = "Labelled test data: .npz with x and y.", Required = true };
        var calibration = new Option<string>("--calibration") { Description = "Calibration samples: .npz with x (or a .npy).", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The chart to write, as SVG (NAME.svg; the only format it draws).", Required = true };
        var methods = new Option<string?>("--methods") { Description = "Only these methods, comma-separated (default: all)." };
        var bits = new Option<string?>("--bits") { Description = "Only these bit widths, comma-separated (default: 1,2,3,4,8)." };
        var markdown = new Option<bool>("--markdown") { Description = "Print the table as Markdown." };
        var interpreter = new Option<bool>("--interpreter") { Description = "Evaluate with the reference interpreter instead of generated code." };
        var command = new Command("report", "Quantize with every method at 1, 2, 3, 4 and 8 bits, evaluate each, print the table on stdout and draw accuracy against weight bytes as SVG.")
        {
            model, data, calibration, output, methods, bits, markdown, interpreter,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string input = parse.GetValue(model)!;
            string target = parse.GetValue(output)!;
            AtomicFile.EnsureNotAnInput(target, [input, parse.GetValue(data), parse.GetValue(calibration)]);
            AccuracyChart.EnsureSvg(target, "-o");
            int[] widths = Bits(parse.GetValue(bits));
            ReportLine[] lines = Methods(parse.GetValue(methods));

            Model floatModel = ModelArgument.Load(input);
            ModelArgument.EnsureFloat(floatModel, input);
            ModelSummary shape = ModelSummary.Of(floatModel);
            Dataset samples = Dataset.ForEvaluation(parse.GetValue(data)!, shape.InputLength, shape.OutputLength);
            IReadOnlyList<float[]> rows = Dataset.Calibration(parse.GetValue(calibration)!, shape.InputLength);

            List<ReportCell> cells = ProgressDisplay.Run(context, "report", progress => Quantize(floatModel, lines, widths, rows, progress, cancellationToken));
            var quantized = cells.Where(c => c.Model is not null).ToList();
            IReadOnlyList<Model> all = [floatModel, .. quantized.Select(c => c.Model!)];
            IReadOnlyList<Accuracy> accuracies = parse.GetValue(interpreter)
                ? all.Select(m => Evaluator.Interpreted(m, samples, cancellationToken)).ToArray()
                : Evaluator.Generated(all, samples, cancellationToken);
            for (int i = 0; i < quantized.Count; i++)
            {
                quantized[i].Accuracy = accuracies[i + 1];
            }

            Accuracy reference = accuracies[0];
            TextTable table = Table(lines, widths, cells, reference);
            if (parse.GetValue(markdown))
            {
                table.WriteMarkdownTo(context.Out);
            }
            else
            {
                table.WriteTo(context.Out);
            }

            // Only the table goes to stdout (report --markdown > table.md); notes and status go to stderr.
            foreach (ReportCell skipped in cells.Where(c => c.Skip is not null))
            {
                context.Error.WriteLine($"n/a: {skipped.Method} at {skipped.Bits} bit{(skipped.Bits == 1 ? "" : "s")}: {skipped.Skip}");
            }

            string title = $"{floatModel.Name}: accuracy against weight bytes ({samples.Count} samples)";
            ChartSeries[] series = lines
                .Select(l => new ChartSeries(l.Name, cells.Where(c => c.Method == l.Name && c.Accuracy is not null).Select(c => new ChartPoint(c.Bits, c.Bytes, c.Accuracy!.Value)).ToArray()))
                .ToArray();
            var floatPoint = new ChartPoint(32, shape.PackedBytes, reference.Value);
            AtomicFile.WriteAllText(target, AccuracyChart.Render(title, series, floatPoint));
            context.Error.WriteLine($"wrote {target}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private sealed class ReportCell(string method, int bits)
    {
        public string Method { get; } = method;
        public int Bits { get; } = bits;
        public Model? Model { get; set; }
        public string? Skip { get; set; }
        public Accuracy? Accuracy { get; set; }

        /// <summary>The parameter bytes of the generated class (its WeightBytes).</summary>
        public long Bytes => Model is null ? 0 : ModelSummary.Of(Model).PackedBytes;
    }

    private static List<ReportCell> Quantize(Model floatModel, ReportLine[] lines, int[] bits, IReadOnlyList<float[]> rows, Action<string, string, int, int> progress, CancellationToken cancellationToken)
    {
        var cells = new List<ReportCell>();
        int total = lines.Length * bits.Length, done = 0;
        foreach (ReportLine line in lines)
        {
            foreach (int b in bits)
            {
                var cell = new ReportCell(line.Name, b);
                progress($"{line.Name}:{b}", "quantizing", done, total);
                MethodSpec w = line.Weights(b), a = line.Activations(b);
                cell.Skip = Quantization.WhyNot(w, activations: false) ?? Quantization.WhyNot(a, activations: true);
                if (cell.Skip is null)
                {
                    var options = new QuantizeOptions(w, a);
                    cell.Model = Quantization.Run(floatModel, options, rows, null, cancellationToken);
                }

                cells.Add(cell);
                progress($"{line.Name}:{b}", "done", ++done, total);
            }
        }

        return cells;
    }

    private static TextTable Table(ReportLine[] lines, int[] bits, List<ReportCell> cells, Accuracy reference)
    {
        var table = new TextTable(["method", "weights / activations", .. bits.Select(b => $"{b} bit{(b == 1 ? "" : "s")}")]);
        table.RightAligned.UnionWith(Enumerable.Range(2, bits.Length));
        table.Add(["float32 (reference)", "float32 / float32", .. bits.Select(_ => F(reference.Value))]);
        foreach (ReportLine line in lines)
        {
            table.Add([line.Name, line.Pattern, .. cells.Where(c => c.Method == line.Name).Select(c => c.Accuracy is Accuracy a ? F(a.Value) : "n/a")]);
        }

        return table;
    }

    private static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

    private static int[] Bits(string? text)
    {
        if (text is null)
        {
            return DefaultBits;
        }

        var bits = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int b) || b < 1 || b > 8)
            {
                throw CliException.Usage($"--bits {text}: '{part}' is not a bit width from 1 to 8");
            }

            bits.Add(b);
        }

        return bits.Distinct().Order().ToArray();
    }

    private static ReportLine[] Methods(string? text)
    {
        IReadOnlyList<ReportLine> known = Quantization.ReportLines;
        if (text is null)
        {
            return known.ToArray();
        }

        string[] names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
        string? unknown = names.FirstOrDefault(n => known.All(l => l.Name != n));
        return unknown is null && names.Length > 0
            ? names.Select(n => known.First(l => l.Name == n)).ToArray()
            : throw CliException.Usage($"--methods {text}: unknown method '{unknown}'; the report knows {string.Join(", ", known.Select(l => l.Name))}");
    }
}
