using System;
using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;

namespace QuantGen.Generator.Emit;

/// <summary>
/// PredictSequence layer by layer (<see cref="ModelPlan.SequenceByLayers"/>): each layer runs over every step before
/// the next starts, so an LSTM/GRU layer's input product W x + b, which does not depend on h, runs for 16 steps in one
/// batched call (DenseKernels.FloatMany, Int8.DenseMany: each weight load reused by the steps), and a fully connected
/// layer after the last recurrent one takes 16 steps per call too; the recurrent product and the cell stay step by
/// step. The batched kernels equal the single ones per input bit for bit, so the outputs are exactly the stepped ones.
/// </summary>
internal static partial class Emitter
{
    /// <summary>SequenceMemory and RunSequence over the layers, and one method per layer that runs it for one step.</summary>
    private static void WriteSequenceByLayers(SourceWriter w, ModelPlan plan)
    {
        int tile = ModelPlan.StatesTile;
        LayerPlan[] layers = plan.Layers.Select(l => l with { PreviousOutput = BufferSlot.Input, Destination = BufferSlot.Output, Source = l.Source == BufferSlot.Quantized ? BufferSlot.Quantized : BufferSlot.Input }).ToArray();
        int lastRecurrent = layers.Where(l => l.Recurrence is not null).Max(l => l.Index);
        bool Together(LayerPlan l) => ModelPlan.InputOverSteps(l) || (l.Index > lastRecurrent && ModelPlan.TakesBatch(l));
        int gates = layers.Where(ModelPlan.InputOverSteps).Max(l => l.Recurrence!.Gates * l.Recurrence.Hidden);
        int codes = layers.Where(Together).Max(l => KernelRegistry.Get(l.Matrices[0].Kernel).ManyScratchFloats(l.Matrices[0], tile));
        int width = Math.Max(plan.InputLength, layers.Max(l => l.OutputLength));
        int fixedMemory = plan.StateLength + plan.ScratchLength + (tile * gates) + codes;

        w.Line();
        WriteSequenceMemory(w, $"the state ({plan.StateLength}), a step's working memory ({plan.ScratchLength}), the input products of {tile} steps and the batched kernels' memory ({(tile * gates) + codes}), and two sequence buffers of up to {width} values a step", fixedMemory, width);
        w.Line("/// <summary>Each layer over every step into buffer x or y in turn (a layer's steps one after another, packed); then the outputs.</summary>");
        w.Open($"private static void RunSequence({ReadOnlySpan} inputs, int steps, {Span} outputs, bool lastOnly, {Span} memory)");
        w.Line($"{Span} state = memory.Slice(0, {plan.StateLength});");
        w.Line("state.Clear();");
        w.Line($"{Span} scratch = memory.Slice({plan.StateLength}, {plan.ScratchLength});");
        w.Line($"{Span} gx = memory.Slice({plan.StateLength + plan.ScratchLength}, {tile * gates});");
        w.Line($"{Span} ct = memory.Slice({plan.StateLength + plan.ScratchLength + (tile * gates)}, {codes});");
        w.Line($"{Span} x = memory.Slice({fixedMemory}, {width} * steps);");
        w.Line($"{Span} y = memory.Slice({fixedMemory} + {width} * steps, {width} * steps);");
        w.Line($"inputs.Slice(0, steps * {plan.InputLength}).CopyTo(x);");
        string from = "x", to = "y";
        bool firstDeclared = false;
        foreach (LayerPlan layer in layers)
        {
            int index = layer.Index, inLength = layer.InputLength, outLength = layer.OutputLength;
            w.Line();
            if (layer.Op == LayerOp.Flatten && layer.Quantizer is null)
            {
                w.Line($"// Layer {index}: flatten, nothing to compute.");
                continue;
            }

            firstDeclared = WriteFirstStep(w, index, lastRecurrent, firstDeclared);

            string start = index > lastRecurrent ? "first" : "0";
            if (ModelPlan.InputOverSteps(layer))
            {
                int g = layer.Recurrence!.Gates * layer.Recurrence.Hidden;
                w.Line($"// Layer {index}: {layer.Op} {inLength} -> {outLength}; the input products of {tile} steps in one call, then each step's recurrent product and cell.");
                w.Open($"for (int t0 = 0; t0 < steps; t0 += {tile})");
                w.Line($"int count = global::System.Math.Min({tile}, steps - t0);");
                WriteKernelComment(w, layer.Matrices[0]);
                w.Line(KernelRegistry.Get(layer.Matrices[0].Kernel).CallMany(layer.Matrices[0], $"{from}.Slice(t0 * {inLength}, count * {inLength})", $"gx.Slice(0, count * {g})", "count", "ct") + ";");
                w.Open("for (int t = t0; t < t0 + count; t++)");
                w.Line($"Layer{index}({from}.Slice(t * {inLength}, {inLength}), {to}.Slice(t * {outLength}, {outLength}), gx.Slice((t - t0) * {g}, {g}), scratch, state);");
                w.Close();
                w.Close();
            }
            else if (Together(layer))
            {
                w.Line($"// Layer {index}: {layer.Op} {inLength} -> {outLength}, {tile} steps per call.");
                WriteKernelComment(w, layer.Matrices[0]);
                w.Open($"for (int t0 = {start}; t0 < steps; t0 += {tile})");
                w.Line($"int count = global::System.Math.Min({tile}, steps - t0);");
                w.Line(KernelRegistry.Get(layer.Matrices[0].Kernel).CallMany(layer.Matrices[0], $"{from}.Slice(t0 * {inLength}, count * {inLength})", $"{to}.Slice(t0 * {outLength}, count * {outLength})", "count", "ct") + ";");
                w.Close();
            }
            else
            {
                w.Line($"// Layer {index}: {layer.Op} {inLength} -> {outLength}, step by step.");
                w.Open($"for (int t = {start}; t < steps; t++)");
                w.Line($"Layer{index}({from}.Slice(t * {inLength}, {inLength}), {to}.Slice(t * {outLength}, {outLength}), scratch, state);");
                w.Close();
            }

            (from, to) = (to, from);
        }

        w.Line();
        w.Open("if (lastOnly)");
        w.Line($"{from}.Slice((steps - 1) * {plan.OutputLength}, {plan.OutputLength}).CopyTo(outputs);");
        w.Close();
        w.Open("else");
        w.Line($"{from}.Slice(0, steps * {plan.OutputLength}).CopyTo(outputs);");
        w.Close();
        w.Close();

        foreach (LayerPlan layer in layers.Where(l => !(l.Op == LayerOp.Flatten && l.Quantizer is null) && !(Together(l) && !ModelPlan.InputOverSteps(l))))
        {
            bool given = ModelPlan.InputOverSteps(layer);
            w.Line();
            w.Line($"/// <summary>One step of layer {layer.Index}{(given ? ", its input product given (gx)" : "")}. <paramref name=\"scratch\"/> is a step's working memory, <paramref name=\"state\"/> every recurrent layer's state.</summary>");
            w.Open($"private static void Layer{layer.Index}({ReadOnlySpan} input, {Span} output, {(given ? $"{Span} gx, " : "")}{Span} scratch, {Span} state)");
            WriteBuffers(w, plan);
            if (given)
            {
                w.Line($"// Layer {layer.Index}: {layer.Op} {layer.InputLength} -> {layer.OutputLength}.");
                WriteRecurrentStep(w, layer, inputProducts: "gx");
            }
            else
            {
                WriteLayer(w, layer);
            }

            w.Close();
        }
    }
}
