using System;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>The forward pass: one commented step per layer, calling the kernels the plan chose.</summary>
    private static string EmitKernels(ModelPlan plan)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Open($"partial class {plan.Target.ClassName}");
        w.Line("/// <summary>Runs every layer in order. <paramref name=\"scratch\"/> is this call's working memory.</summary>");
        w.Open($"private static void Forward({ReadOnlySpan} input, {Span} output, {Span} scratch{(plan.Recurrent ? $", {Span} state" : "")})");
        WriteBuffers(w, plan);
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
        if (plan.BatchTile > 0)
        {
            WriteForwardTile(w, plan);
        }

        if (plan.Recurrent)
        {
            WriteForwardStates(w, plan);
        }

        if (plan.SequenceByLayers)
        {
            WriteSequenceByLayers(w, plan);
        }

        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    /// <summary>The slices of the working memory, in the order <see cref="ModelPlan.ScratchLength"/> adds them up.</summary>
    private static void WriteBuffers(SourceWriter w, ModelPlan plan)
    {
        int at = 0;
        if (plan.WorkLength > 0)
        {
            w.Line("// Layers write into a and b in turn; the last layer writes into output.");
            w.Line($"{Span} a = scratch.Slice({at}, {plan.WorkLength});");
            w.Line($"{Span} b = scratch.Slice({at + plan.WorkLength}, {plan.WorkLength});");
            at += 2 * plan.WorkLength;
            at = WriteExtraWorkBuffers(w, plan, at);
        }

        if (plan.QuantizedLength > 0)
        {
            w.Line("// A layer's quantized input.");
            w.Line($"{Span} q = scratch.Slice({at}, {plan.QuantizedLength});");
            at += plan.QuantizedLength;
        }

        if (plan.KernelScratchLength > 0)
        {
            w.Line("// The kernels' own working memory: tables of partial sums, a decoded row, or the input's codes and bit-planes.");
            w.Line($"{Span} kernelScratch = scratch.Slice({at}, {plan.KernelScratchLength});");
            at += plan.KernelScratchLength;
        }

        if (plan.LayerScratchLength > 0)
        {
            w.Line("// Gate products of the recurrent layers; the patch and output column of the convolutions.");
            w.Line($"{Span} layerScratch = scratch.Slice({at}, {plan.LayerScratchLength});");
            at += plan.LayerScratchLength;
        }

        if (plan.SharedCodesLength > 0)
        {
            w.Line("// Coded vectors two xor/popcount kernels share: a recurrent layer's h, coded by the next layer at one step and reused by the recurrent product at the next.");
            w.Line($"{Span} sharedCodes = scratch.Slice({at}, {plan.SharedCodesLength});");
        }
    }

    private static void WriteLayer(SourceWriter w, LayerPlan layer)
    {
        string name = layer.Name.Length == 0 ? "" : $" \"{Literals.Comment(layer.Name)}\"";
        string weights = layer.Matrices.Count == 0 ? "" : $", weights {layer.WeightSummary}";
        w.Line($"// Layer {layer.Index}{name}: {layer.Op} {layer.InputLength} -> {layer.OutputLength}{weights}.");
        switch (layer.Op)
        {
            case LayerOp.Embedding:
                WriteEmbedding(w, layer);
                return;
            case LayerOp.Lstm:
            case LayerOp.Gru:
                WriteRecurrentStep(w, layer);
                return;
            case LayerOp.Conv2d:
                WriteConvolution(w, layer);
                return;
            case LayerOp.MaxPool2d:
                WriteMaxPool(w, layer);
                return;
            case LayerOp.AvgPool2d:
            case LayerOp.GlobalAvgPool2d:
                WriteAveragePool(w, layer);
                return;
            case LayerOp.Add:
            case LayerOp.Concat:
                WriteJoin(w, layer);
                return;
        }

        string source = WriteInputQuantizer(w, layer);
        string destination = BufferExpression(layer.Destination, layer.OutputLength);
        if (layer.Op == LayerOp.Dense)
        {
            MatrixPlan m = layer.Matrices[0];
            WriteKernelComment(w, m);
            w.Line((m.SplitThreads > 1 ? SplitCall(m, source, destination) : MatrixCall(m, source, destination)) + ";");
            return;
        }

        w.Line($"// {layer.Op}: {layer.Reason}.");
        string call = layer.Op == LayerOp.Flatten ? (source != destination ? $"{source}.CopyTo({destination})" : "") : ElementwiseCall(layer, source, destination);
        if (call.Length > 0)
        {
            w.Line(call + ";");
        }
    }

    /// <summary>An element-wise layer's call.</summary>
    private static string ElementwiseCall(LayerPlan layer, string source, string destination) =>
        layer.Op switch
        {
            LayerOp.Clip => $"{Runtime}.Activations.Clip({source}, {destination}, {Literals.Float(layer.Scalars[0])}, {Literals.Float(layer.Scalars[1])})",
            LayerOp.LeakyRelu => $"{Runtime}.Activations.LeakyRelu({source}, {destination}, {Literals.Float(layer.Scalars[0])})",
            LayerOp.Relu => $"{Runtime}.Activations.Relu({source}, {destination})",
            LayerOp.Sigmoid => $"{Runtime}.Activations.Sigmoid({source}, {destination})",
            LayerOp.Tanh => $"{Runtime}.Activations.Tanh({source}, {destination})",
            LayerOp.Softmax => $"{Runtime}.Activations.Softmax({source}, {destination})",
            _ => throw new InvalidOperationException("no emitter for layer op " + layer.Op),
        };

    /// <summary>
    /// Runs the layer's input quantizer into q unless the kernel that reads the input codes it itself, and
    /// returns the expression the layer then reads.
    /// </summary>
    private static string WriteInputQuantizer(SourceWriter w, LayerPlan layer)
    {
        string previous = BufferExpression(layer.PreviousOutput, layer.InputLength);
        if (layer.Quantizer is not QuantizerPlan quantizer)
        {
            return previous;
        }

        if (layer.Matrices.Count > 0 && layer.Matrices[0].Part != "Recurrent" && layer.Matrices[0].FusesInput)
        {
            w.Line($"// Input quantized inside the {layer.Matrices[0].Kernel} kernel: {quantizer.Summary}, kept as codes.");
            return previous;
        }

        string source = BufferExpression(layer.Source, layer.InputLength);
        w.Line($"// Input quantized: {quantizer.Summary}.");
        w.Line(QuantizerCall(quantizer, layer.Index, previous, source, layer.InputLength) + ";");
        return source;
    }

    private static void WriteKernelComment(SourceWriter w, MatrixPlan m) =>
        w.Line($"// {(m.Part.Length == 0 ? "Kernel" : m.Part + " matrix, kernel")} {m.Kernel}: {m.Reason}"
            + (m.SplitThreads > 1 ? $"; rows split across {m.SplitThreads} threads ([QuantModel(Threads = {m.SplitThreads})], {Invariant.Grouped(m.WeightBytes)} bytes of weights)." : "."));

    /// <summary>y = W x + b (or a table row) with the kernel the registry chose for the matrix.</summary>
    private static string MatrixCall(MatrixPlan m, string x, string y)
    {
        string bias = m.HasBias ? $"QuantGenData.{m.Data}Bias" : "default";
        string scratch = m.ScratchFloats == 0 ? "default" : $"kernelScratch.Slice(0, {m.ScratchFloats})";
        return KernelRegistry.Get(m.Kernel).Call(m, x, y, bias, scratch);
    }

    /// <summary>The product with its rows split across the model's threads (opt-in, large layers): each part runs
    /// the same kernel over its rows' slice of the tensors, with scratch of its own.</summary>
    private static string SplitCall(MatrixPlan m, string x, string y)
    {
        string rows = KernelRegistry.Get(m.Kernel).CallRows(m, "rowsIn", "rowsOut", "firstRow", m.ScratchFloats == 0 ? "default" : "rowScratch");
        return $"{Runtime}.RowSplit.Run({x}, {y}, threads: {m.SplitThreads}, scratchFloats: {m.ScratchFloats}, static (rowsIn, rowsOut, firstRow, rowScratch) => {rows})";
    }

    private static string QuantizerCall(QuantizerPlan q, int layer, string source, string destination, int length, string what = "")
    {
        string tables = "QuantGenData.Q" + Invariant.Int(layer) + what;
        return q.Kind switch
        {
            QuantizerKind.Uniform => $"{Runtime}.ActivationQuantizers.Uniform({source}, {destination}, bits: {q.Bits}, lo: {Literals.Float(q.Lo)}, hi: {Literals.Float(q.Hi)})",
            QuantizerKind.Affine => $"{Runtime}.ActivationQuantizers.Affine({source}, {destination}, bits: {q.Bits}, scale: {Literals.Float(q.Scale)}, zeroPoint: {Invariant.Int(q.ZeroPoint)})",
            QuantizerKind.Thresholds => $"{Runtime}.ActivationQuantizers.Thresholds({source}, {destination}, {tables}Thresholds, {tables}Levels)",
            QuantizerKind.LogQuant => $"{Runtime}.ActivationQuantizers.LogQuant({source}, {destination}, {tables}Levels, fsr: {Invariant.Int(q.Fsr)}, step: {q.Step})",
            _ => $"{Runtime}.ActivationQuantizers.OnlineMultiBinary({source}, {destination}, bits: {q.Bits}, cycles: {q.Cycles}, kernelScratch.Slice(0, {length}))",
        };
    }

    private static string BufferExpression(BufferSlot buffer, int length) => buffer.Kind switch
    {
        BufferKind.Input => "input",
        BufferKind.Output => "output",
        BufferKind.Work => $"{WorkBufferName(buffer.Index)}.Slice(0, {length})",
        _ => $"q.Slice(0, {length})",
    };
}
