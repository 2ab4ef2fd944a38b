using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Text.Json;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Cli.Commands;

/// <summary><c>quantgen inspect MODEL [--json] [--target avx512|avx2]</c>: the layers, shapes, codecs, bit widths and bytes of a model.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A description (.qgm.json, or binary .qgm) or an ONNX model (.onnx)." };
        var json = new Option<bool>("--json") { Description = "Write JSON for machines instead of a table." };
        var target = new Option<CpuTarget>("--target")
        {
            Description = "The instruction set the kernels are chosen for, as the build's QuantGenTarget property (Avx512, Avx2 or Portable; default Portable, as the build): it can change a matrix's kernel and so its bytes.",
            DefaultValueFactory = _ => CpuTarget.Portable,
        };
        var command = new Command("inspect", "Show a model's layers, shapes, codecs, bit widths, packed bytes and the ratio to float32.") { model, json, target };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            ModelSummary summary = ModelSummary.Of(ModelArgument.Load(path), parse.GetValue(target));
            if (parse.GetValue(json))
            {
                WriteJson(summary, context.Out);
            }
            else
            {
                WriteTable(summary, context.Out);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static void WriteTable(ModelSummary summary, TextWriter output)
    {
        output.WriteLine($"model \"{summary.Name}\": {summary.InputLength} inputs -> {summary.OutputLength} outputs");
        var table = new TextTable("#", "layer", "op", "shape", "weights", "bits", "input quantizer", "kernel", "packed bytes", "float32 bytes", "ratio");
        table.RightAligned.UnionWith([0, 5, 8, 9, 10]);
        foreach (LayerSummary l in summary.Layers)
        {
            bool weights = l.HasWeights;
            table.Add(
                I(l.Index), l.Name, l.Op, $"{I(l.InLength)} -> {I(l.OutLength)}", l.Weights, l.Bits, l.InputQuantizer, l.Kernels,
                weights ? N(l.PackedBytes) : "-", weights ? N(l.Float32Bytes) : "-", weights ? Ratio(l.Float32Bytes, l.PackedBytes) : "-");
        }

        table.Add("", "total", "", "", "", "", "", "", N(summary.PackedBytes), N(summary.Float32Bytes), Ratio(summary.Float32Bytes, summary.PackedBytes));
        table.WriteTo(output);
    }

    private static void WriteJson(ModelSummary summary, TextWriter output)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", summary.Name);
            w.WriteNumber("inputLength", summary.InputLength);
            w.WriteNumber("outputLength", summary.OutputLength);
            w.WriteNumber("packedBytes", summary.PackedBytes);
            w.WriteNumber("float32Bytes", summary.Float32Bytes);
            w.WriteNumber("ratio", System.Math.Round(summary.Ratio, 4));
            w.WriteStartArray("layers");
            foreach (LayerSummary l in summary.Layers)
            {
                w.WriteStartObject();
                w.WriteNumber("index", l.Index);
                w.WriteString("name", l.Name);
                w.WriteString("op", l.Op);
                w.WriteNumber("inLength", l.InLength);
                w.WriteNumber("outLength", l.OutLength);
                if (l.HasWeights)
                {
                    w.WriteNumber("packedBytes", l.PackedBytes);
                    w.WriteNumber("float32Bytes", l.Float32Bytes);
                    w.WriteStartArray("matrices");
                    foreach (MatrixSummary m in l.Matrices)
                    {
                        w.WriteStartObject();
                        if (m.Part.Length > 0)
                        {
                            w.WriteString("part", m.Part);
                        }

                        w.WriteNumber("rows", m.Rows);
                        w.WriteNumber("cols", m.Cols);
                        w.WriteString("weights", m.Weights);
                        w.WriteNumber("bits", m.Bits);
                        w.WriteString("kernel", m.Kernel);
                        w.WriteNumber("packedBytes", m.PackedBytes);
                        w.WriteNumber("float32Bytes", m.Float32Bytes);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                }

                if (l.InputQuantizer != "-")
                {
                    w.WriteString("inputQuantizer", l.InputQuantizer);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(long float32, long packed) => packed == 0 ? "-" : ((double)float32 / packed).ToString("0.0", CultureInfo.InvariantCulture) + "x";
}
