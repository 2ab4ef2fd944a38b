using System;
using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>The forward pass: one commented step per layer, calling the kernel the Planner chose.</summary>
    private static string EmitKernels(ModelPlan plan)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Open($"partial class {plan.Target.ClassName}");
        w.Line("/// <summary>Runs every layer in order. <paramref name=\"scratch\"/> is this call's working memory.</summary>");
        w.Open($"private static void Forward({ReadOnlySpan} input, {Span} output, {Span} scratch{(plan.Recurrent ? $", {Span} state" : "")})");
        int at = 0;
        if (plan.WorkLength > 0)
        {
            w.Line($"// Layers write into a and b in turn; the last layer writes into output.");
            w.Line($"{Span} a = scratch.Slice({at}, {plan.WorkLength});");
            w.Line($"{Span} b = scratch.Slice({at + plan.WorkLength}, {plan.WorkLength});");
            at += 2 * plan.WorkLength;
        }

        if (plan.QuantizedLength > 0)
        {
            w.Line($"// A layer's quantized input.");
            w.Line($"{Span} q = scratch.Slice({at}, {plan.QuantizedLength});");
            at += plan.QuantizedLength;
        }

        if (plan.RowLength > 0)
        {
            w.Line($"// Kernel working memory: a decoded row of weights, tables of partial sums, or online codes and bit-planes.");
            w.Line($"{Span} row = scratch.Slice({at}, {plan.RowLength});");
        }

        WriteExtraBuffer(w, plan);

        bool wroteOutput = false;
        foreach (LayerPlan layer in plan.Layers)
        {
            w.Line();
            WriteLayer(w, layer);
            wroteOutput |= layer.Destination == BufferSlot.Output;
        }

        if (!wroteOutput)
        {
            w.Line();
            w.Line("// No layer computes anything: the output is the input.");
            w.Line("input.CopyTo(output);");
        }

        w.Close();
        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    private static void WriteLayer(SourceWriter w, LayerPlan layer)
    {
        string name = layer.Name.Length == 0 ? "" : $" \"{Literals.Comment(layer.Name)}\"";
        string weights = layer.WeightSummary.Length == 0 ? "" : $", weights {layer.WeightSummary}";
        w.Line($"// Layer {layer.Index}{name}: {layer.Op} {layer.InputLength} -> {layer.OutputLength}{weights}.");
        if (layer.Sequence is not null)
        {
            WriteSequenceLayer(w, layer);
            return;
        }

        string source = BufferExpression(layer.Source, layer.InputLength);
        if (layer.Quantizer is QuantizerPlan fused && layer.Kernel is KernelKind.DenseXnor or KernelKind.DenseInt8)
        {
            w.Line($"// Input quantized inside the kernel: {fused.Summary}, kept as codes.");
        }
        else if (layer.Quantizer is QuantizerPlan quantizer)
        {
            string original = BufferExpression(layer.PreviousOutput, layer.InputLength);
            w.Line($"// Input quantized: {quantizer.Summary}.");
            w.Line(QuantizerCall(quantizer, layer.Index, original, source, layer.InputLength) + ";");
        }

        w.Line($"// Kernel {layer.Kernel}: {layer.KernelReason}.");
        if (layer.Kernel == KernelKind.None)
        {
            if (layer.Quantizer is not null && layer.Destination != BufferSlot.Quantized)
            {
                w.Line($"{source}.CopyTo({BufferExpression(layer.Destination, layer.OutputLength)});");
            }

            return;
        }

        string destination = BufferExpression(layer.Destination, layer.OutputLength);
        string data = "QuantGenData.L" + Invariant.Int(layer.Index);
        string bias = Has(layer, TensorRole.Bias) ? data + "Bias" : "default";
        string call = layer.Kernel switch
        {
            KernelKind.DenseFloat => $"{Runtime}.DenseKernels.Float({source}, {destination}, {data}FloatWeights, {bias})",
            KernelKind.DenseUniform => $"{Runtime}.DenseKernels.Uniform({source}, {destination}, {data}Codes, bits: {layer.Bits}, signed: {(layer.Signed ? "true" : "false")}, {data}Scales, {(Has(layer, TensorRole.ZeroPoints) ? data + "ZeroPoints" : "default")}, {bias}, row)",
            KernelKind.DenseLevels => $"{Runtime}.DenseKernels.Levels({source}, {destination}, {data}Codes, bits: {layer.Bits}, {data}Levels, {bias}, row)",
            KernelKind.DenseMultiBinary => $"{Runtime}.DenseKernels.MultiBinary({source}, {destination}, {data}Codes, bits: {layer.Bits}, {data}Coefficients, {bias}, row)",
            KernelKind.DensePlaneLut or KernelKind.DenseXnor or KernelKind.DenseInt8 => FastKernelCall(layer, BufferExpression(layer.PreviousOutput, layer.InputLength), source, destination, data, bias),
            KernelKind.Relu => $"{Runtime}.Activations.Relu({source}, {destination})",
            KernelKind.Sigmoid => $"{Runtime}.Activations.Sigmoid({source}, {destination})",
            KernelKind.Tanh => $"{Runtime}.Activations.Tanh({source}, {destination})",
            KernelKind.Softmax => $"{Runtime}.Activations.Softmax({source}, {destination})",
            _ => throw new InvalidOperationException("no emitter for kernel " + layer.Kernel),
        };
        w.Line(call + ";");
    }

    private static string QuantizerCall(QuantizerPlan q, int layer, string source, string destination, int length, string what = "")
    {
        string tables = "QuantGenData.Q" + Invariant.Int(layer) + what;
        return q.Kind switch
        {
            QuantizerKind.Uniform => $"{Runtime}.ActivationQuantizers.Uniform({source}, {destination}, bits: {q.Bits}, lo: {Literals.Float(q.Lo)}, hi: {Literals.Float(q.Hi)})",
            QuantizerKind.Thresholds => $"{Runtime}.ActivationQuantizers.Thresholds({source}, {destination}, {tables}Thresholds, {tables}Levels)",
            QuantizerKind.LogQuant => $"{Runtime}.ActivationQuantizers.LogQuant({source}, {destination}, {tables}Levels, fsr: {Invariant.Int(q.Fsr)}, step: {q.Step})",
            _ => $"{Runtime}.ActivationQuantizers.OnlineMultiBinary({source}, {destination}, bits: {q.Bits}, cycles: {q.Cycles}, row.Slice(0, {length}))",
        };
    }

    private static bool Has(LayerPlan layer, TensorRole role)
    {
        foreach (TensorPlan tensor in layer.Tensors)
        {
            if (tensor.Role == role)
            {
                return true;
            }
        }

        return false;
    }

    private static string BufferExpression(BufferSlot buffer, int length) => buffer switch
    {
        BufferSlot.Input => "input",
        BufferSlot.Output => "output",
        BufferSlot.A => $"a.Slice(0, {length})",
        BufferSlot.B => $"b.Slice(0, {length})",
        _ => $"q.Slice(0, {length})",
    };
}
