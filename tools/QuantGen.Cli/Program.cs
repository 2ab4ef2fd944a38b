using System;
using System.Collections.Generic;
using System.IO;
using QuantGen.Cli;
using QuantGen.Quantizer;
using QuantGen.Schema;

// quantgen quantize FLOAT.qgm.json -o OUT.qgm.json --weights METHOD[:BITS] --activations METHOD[:BITS]
//          [--calibration DATA.csv --calibration-columns N --calibration-scale S] [--name NAME]
// Exit codes: 0 done, 1 bad input (one line on stderr), 2 bad usage.
const string Usage = "usage: quantgen quantize FLOAT.qgm.json -o OUT.qgm.json --weights uniform:BITS|alternating:BITS|float --activations uniform:BITS|alternating:BITS|none [--calibration DATA.csv --calibration-columns N --calibration-scale S] [--name NAME]";

if (args.Length < 2 || args[0] != "quantize")
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var options = new Dictionary<string, string>();
string? input = null;
for (int i = 1; i < args.Length; i++)
{
    if (args[i].StartsWith('-'))
    {
        if (i + 1 >= args.Length)
        {
            Console.Error.WriteLine($"quantgen: {args[i]} needs a value");
            return 2;
        }

        options[args[i]] = args[++i];
    }
    else if (input is null)
    {
        input = args[i];
    }
    else
    {
        Console.Error.WriteLine($"quantgen: unexpected argument '{args[i]}'");
        return 2;
    }
}

if (input is null || !options.TryGetValue("-o", out string? output))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    if (Path.GetFullPath(input) == Path.GetFullPath(output))
    {
        throw new IOException("the output would overwrite the input");
    }

    Model model = DescriptionLoader.LoadOrThrow(File.ReadAllText(input), input);
    MethodSpec weights = MethodSpec.Parse(options.GetValueOrDefault("--weights", "float"));
    MethodSpec activations = MethodSpec.Parse(options.GetValueOrDefault("--activations", "none"));
    List<float[]> calibration = options.TryGetValue("--calibration", out string? data)
        ? CsvData.Read(data, int.Parse(options.GetValueOrDefault("--calibration-columns", ModelShape.InputLength(model).ToString())), float.Parse(options.GetValueOrDefault("--calibration-scale", "1"), System.Globalization.CultureInfo.InvariantCulture))
        : new List<float[]>();
    Model quantized = ModelQuantizer.Quantize(model, weights, activations, calibration, options.GetValueOrDefault("--name"));

    // Written to a temporary file, then renamed: a failed or killed run never leaves half a description.
    string temporary = output + ".tmp";
    File.WriteAllText(temporary, DescriptionWriter.ToJson(quantized));
    File.Move(temporary, output, overwrite: true);
    Console.WriteLine($"wrote {output}");
    return 0;
}
catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"quantgen: {e.Message}");
    return 1;
}
