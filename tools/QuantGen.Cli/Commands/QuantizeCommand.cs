using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using QuantGen.Cli.Data;
using QuantGen.Quantizer;
using QuantGen.Schema;

namespace QuantGen.Cli.Commands;

/// <summary><c>quantgen quantize MODEL -o OUT.qgm.json --weights M[:B] --activations M[:B] ...</c>: writes a quantized description.</summary>
internal static class QuantizeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "The float model: ONNX (.onnx) or a float description (.qgm.json or binary .qgm)." };
        var output = new Option<string>("--output", "-o") { Description = "The quantized description to write: NAME.qgm.json (JSON) or NAME.qgm (binary protobuf).", Required = true };
        var weights = new Option<string>("--weights") { Description = "Weight method and bits, e.g. alternating:2, uniform:8, float (the methods and their bits are listed below).", Required = true };
        var activations = new Option<string>("--activations") { Description = "Activation method and bits, e.g. uniform:4, hwgq:2, none.", DefaultValueFactory = _ => "none" };
        var calibration = new Option<string?>("--calibration") { Description = "Calibration samples for activation ranges: an .npz whose x holds float32 inputs, one row per sample (or one .npy of such rows)." };
        var layers = new Option<string[]>("--layer") { Description = "Per-layer weights: NAME=METHOD:BITS (repeatable).", AllowMultipleArgumentsPerToken = false };
        var keepFloat = new Option<string?>("--keep-float") { Description = "Keep the first and/or last weighted layer float32: first, last or first,last." };
        var seed = new Option<int?>("--seed") { Description = "Seed for methods that draw random numbers (stochastic rounding)." };
        var lsqSteps = new Option<string?>("--lsq-steps") { Description = "LSQ: learned step sizes per tensor (JSON)." };
        var name = new Option<string?>("--name") { Description = "The model name written into the description (default: the float model's name and the methods, e.g. digits-uniform4)." };
        var doc = new Option<string?>("--doc") { Description = "The description's doc text (default: the input model's)." };
        var command = new Command("quantize", "Quantize a float model with published methods and write its description.")
        {
            model, output, weights, activations, calibration, layers, keepFloat, seed, lsqSteps, name, doc,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string input = parse.GetValue(model)!;
            string target = parse.GetValue(output)!;
            string? data = parse.GetValue(calibration);
            // What is at the output's path first (an input, a folder, a device: exit 3 or 2), then its name.
            AtomicFile.EnsureNotAnInput(target, [input, data, parse.GetValue(lsqSteps)]);
            DescriptionFile.EnsureKnownExtension(target, "-o");
            MethodSpec w = QuantizeSettings.Method(parse.GetValue(weights)!, "--weights");
            MethodSpec a = QuantizeSettings.Method(parse.GetValue(activations)!, "--activations");
            Quantization.CheckSide(w, activations: false, "--weights");
            Quantization.CheckSide(a, activations: true, "--activations");
            IReadOnlyDictionary<string, MethodSpec> overrides = QuantizeSettings.LayerOverrides(parse.GetValue(layers) ?? []);
            (bool first, bool last) = QuantizeSettings.KeepFloat(parse.GetValue(keepFloat));
            string? steps = parse.GetValue(lsqSteps);

            Model floatModel = ModelArgument.Load(input);
            ModelArgument.EnsureFloat(floatModel, input);
            IReadOnlyList<float[]> rows = data is null ? [] : Dataset.Calibration(data, ModelSummary.Of(floatModel).InputLength);
            var options = new QuantizeOptions(w, a)
            {
                LayerOverrides = overrides,
                KeepFirstFloat = first,
                KeepLastFloat = last,
                Seed = parse.GetValue(seed) ?? 0,
                LsqSteps = steps is null ? null : LoadSteps(steps),
                Name = parse.GetValue(name),
            };
            Model quantized = Quantize(context, floatModel, options, rows, data is not null, cancellationToken);
            quantized.Doc = parse.GetValue(doc) ?? quantized.Doc;
            cancellationToken.ThrowIfCancellationRequested();
            DescriptionFile.Write(target, quantized);
            ModelSummary summary = ModelSummary.Of(quantized);
            // A status line: stdout stays empty, for a script that pipes it.
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {target}: \"{quantized.Name}\", {summary.PackedBytes:N0} parameter bytes ({summary.Ratio:0.0}x smaller than float32)"));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Model Quantize(CliContext context, Model floatModel, QuantizeOptions options, IReadOnlyList<float[]> rows, bool calibrated, System.Threading.CancellationToken cancellationToken)
    {
        try
        {
            return ProgressDisplay.Run(context, "quantize", progress => Quantization.Run(floatModel, options, rows, progress, cancellationToken));
        }
        catch (MissingCalibrationException e) when (!calibrated)
        {
            // The quantizer checks this before any work; here it is said in the command line's words.
            string option = options.LayerOverrides.TryGetValue(e.Layer, out MethodSpec? own) && own == e.Spec ? $"--layer {e.Layer}={e.Spec}" : $"--activations {e.Spec}";
            int length = ModelSummary.Of(floatModel).InputLength;
            throw CliException.BadInput(
                $"{option} needs calibration data to set the input ranges (from layer '{e.Layer}' on): add --calibration CAL.npz, " +
                $"an .npz whose x holds float32 input samples, one row of {length} values each (a few hundred training samples), or one .npy of such rows");
        }
    }

    private static IReadOnlyDictionary<string, float> LoadSteps(string path)
    {
        if (!File.Exists(path))
        {
            throw CliException.BadInput($"{path}: no such file");
        }

        return LsqSteps.Load(path);
    }
}
