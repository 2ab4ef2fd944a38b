using System;
using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Emit;

/// <summary>
/// The sequence API (ISequenceQuantModel): PredictSequence and PredictLast run a whole sequence from the zero
/// state. A model without bidirectional layers runs it step by step through its Forward; a model with one (a
/// reverse LSTM or GRU after its forward half) runs layer by layer over all the steps, since the backward half
/// goes from the last step to the first, and has no step API. The working memory is the calling thread's
/// ScratchBuffer, sized by SequenceMemory(steps).
/// </summary>
internal static partial class Emitter
{
    private const string SequenceInterface = "global::QuantGen.ISequenceQuantModel";

    /// <summary>Whether layer i is the backward half of a bidirectional layer. The plan does not carry it, so it is read from the description the plan was made from.</summary>
    private static bool[] ReverseLayers(ModelPlan plan) =>
        plan.Source.Description!.Layers.Select(LayerShapes.IsReverse).ToArray();

    /// <summary>The API file of a model with a bidirectional layer: the sequence API only.</summary>
    private static string EmitSequenceApi(ModelPlan plan)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        // The header table shows a reverse layer reading what its forward half reads and giving the pair's output.
        bool[] reverse = ReverseLayers(plan);
        WriteModelSummary(w, plan with { Layers = plan.Layers.Select(l => reverse[l.Index] ? l with { InputLength = plan.Layers[l.Index - 1].InputLength } : l).ToEquatableArray() });
        OpenTypes(w, plan);
        bool tokens = plan.Vocabulary > 0;
        string inputText = tokens ? $"a token id (0 to {plan.Vocabulary - 1})" : $"{plan.InputLength} values";
        w.Line("/// <summary>");
        w.Line($"/// The bidirectional quantized model \"{Xml(Literals.Comment(plan.ModelName))}\" from {Xml(Literals.Comment(plan.FileName))}: each step of a sequence reads {inputText} and gives {plan.OutputLength} outputs.");
        w.Line("/// A step's output depends on the steps after it (the backward half of a bidirectional layer), so the model runs whole sequences:");
        w.Line("/// <see cref=\"PredictSequence(global::System.ReadOnlySpan{float}, int, global::System.Span{float})\"/> and <see cref=\"PredictLast(global::System.ReadOnlySpan{float}, int, global::System.Span{float})\"/>.");
        w.Line("/// Stateless: calls may run on several threads at once; each uses its thread's working memory and allocates nothing once that is large enough.");
        w.Line("/// </summary>");
        OpenModelClass(w, plan, SequenceInterface, $"{plan.InputLength} value(s) per step", $"{plan.OutputLength} values per step");
        w.Line("/// <inheritdoc/>");
        w.Line($"public int VocabularySize => {plan.Vocabulary};");
        w.Line();
        WriteWeightBytes(w, plan);
        WriteMetadata(w, plan);
        WriteSequenceMethods(w, plan);
        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    /// <summary>PredictSequence and PredictLast (and their token overloads) over the model's RunSequence.</summary>
    private static void WriteSequenceMethods(SourceWriter w, ModelPlan plan)
    {
        int i = plan.InputLength, o = plan.OutputLength;
        w.Line($"/// <summary>Runs <paramref name=\"steps\"/> input vectors ({i} values each, step after step) as one sequence from the zero state and writes every step's output ({o} values each) into <paramref name=\"outputs\"/>.</summary>");
        w.Open($"public void PredictSequence({ReadOnlySpan} inputs, int steps, {Span} outputs)");
        w.Line($"{Runtime}.Guard.BatchLength(inputs.Length, steps, {i}, nameof(inputs));");
        w.Line($"{Runtime}.Guard.BatchLength(outputs.Length, steps, {o}, nameof(outputs));");
        w.Line($"{Runtime}.Guard.NoOverlap(inputs, outputs, nameof(inputs), nameof(outputs));");
        w.Line($"RunSequence(inputs, steps, outputs, lastOnly: false, {Runtime}.ScratchBuffer.Get(SequenceMemory(steps)));");
        w.Close();
        w.Line();
        w.Line($"/// <summary>Runs <paramref name=\"steps\"/> (at least one) input vectors as one sequence from the zero state and writes the last step's output ({o} values).</summary>");
        w.Open($"public void PredictLast({ReadOnlySpan} inputs, int steps, {Span} output)");
        w.Line($"{Runtime}.Guard.Steps(steps, nameof(steps));");
        w.Line($"{Runtime}.Guard.BatchLength(inputs.Length, steps, {i}, nameof(inputs));");
        w.Line($"{Runtime}.Guard.Length(output.Length, {o}, nameof(output));");
        w.Line($"{Runtime}.Guard.NoOverlap(inputs, output, nameof(inputs), nameof(output));");
        w.Line($"RunSequence(inputs, steps, output, lastOnly: true, {Runtime}.ScratchBuffer.Get(SequenceMemory(steps)));");
        w.Close();
        w.Line();
        if (plan.Vocabulary > 0)
        {
            WriteTokenSequence(w, plan, lastOnly: false);
            WriteTokenSequence(w, plan, lastOnly: true);
        }
        else
        {
            string fail = "throw new global::System.InvalidOperationException(\"This model reads vectors, not token ids.\");";
            w.Line($"void {SequenceInterface}.PredictSequence(global::System.ReadOnlySpan<int> tokens, {Span} outputs) =>");
            w.Line("    " + fail);
            w.Line();
            w.Line($"void {SequenceInterface}.PredictLast(global::System.ReadOnlySpan<int> tokens, {Span} output) =>");
            w.Line("    " + fail);
            w.Line();
        }
    }

    /// <summary>PredictSequence or PredictLast on token ids: each id checked, then laid out as the one-value step inputs after the sequence's memory.</summary>
    private static void WriteTokenSequence(SourceWriter w, ModelPlan plan, bool lastOnly)
    {
        string outputs = lastOnly ? "output" : "outputs";
        w.Line(lastOnly
            ? "/// <summary>Runs a sequence of token ids (at least one) from the zero state and writes the last step's output.</summary>"
            : "/// <summary>Runs a sequence of token ids from the zero state and writes every step's output into <paramref name=\"outputs\"/> (tokens.Length x OutputLength values).</summary>");
        w.Open($"public void {(lastOnly ? "PredictLast" : "PredictSequence")}(global::System.ReadOnlySpan<int> tokens, {Span} {outputs})");
        if (lastOnly)
        {
            w.Line($"{Runtime}.Guard.Steps(tokens.Length, nameof(tokens));");
            w.Line($"{Runtime}.Guard.Length(output.Length, {plan.OutputLength}, nameof(output));");
        }
        else
        {
            w.Line($"{Runtime}.Guard.BatchLength(outputs.Length, tokens.Length, {plan.OutputLength}, nameof(outputs));");
        }

        w.Line($"{Span} memory = {Runtime}.ScratchBuffer.Get(SequenceMemory(tokens.Length) + tokens.Length);");
        w.Line($"{Span} inputs = memory.Slice(memory.Length - tokens.Length);");
        w.Line($"{Runtime}.EmbeddingLookup.Tokens(tokens, inputs, {plan.Vocabulary}, nameof(tokens));");
        w.Line($"RunSequence(inputs, tokens.Length, {outputs}, lastOnly: {(lastOnly ? "true" : "false")}, memory.Slice(0, memory.Length - tokens.Length));");
        w.Close();
        w.Line();
    }

    /// <summary>
    /// RunSequence and SequenceMemory of a model without bidirectional layers: Forward step after step, with the
    /// state and a step's working memory in the thread's buffer.
    /// </summary>
    private static void WriteSteppedSequence(SourceWriter w, ModelPlan plan)
    {
        int i = plan.InputLength, o = plan.OutputLength;
        w.Line($"/// <summary>Floats of working memory for a sequence: the state ({plan.StateLength}) and a step's working memory ({plan.ScratchLength}), whatever its length.</summary>");
        w.Line($"private static int SequenceMemory(int steps) => {plan.StateLength + plan.ScratchLength};");
        w.Line();
        w.Line("/// <summary>The sequence step by step from the zero state; with <paramref name=\"lastOnly\"/> every step writes into <paramref name=\"outputs\"/> and the last one stays.</summary>");
        w.Open($"private static void RunSequence({ReadOnlySpan} inputs, int steps, {Span} outputs, bool lastOnly, {Span} memory)");
        w.Line($"{Span} state = memory.Slice(0, {plan.StateLength});");
        w.Line("state.Clear();");
        w.Line($"{Span} scratch = memory.Slice({plan.StateLength}, {plan.ScratchLength});");
        if (plan.SharedCodesLength > 0)
        {
            // The thread's buffer may hold another model's data where the shared codes go: start them empty.
            w.Line($"scratch.Slice({plan.ScratchLength - plan.SharedCodesLength}).Clear();");
        }

        w.Open("for (int t = 0; t < steps; t++)");
        w.Line($"Forward(inputs.Slice(t * {i}, {i}), lastOnly ? outputs : outputs.Slice(t * {o}, {o}), scratch, state);");
        w.Close();
        w.Close();
    }

    /// <summary>
    /// The kernels file of a model with a bidirectional layer: one method per layer (its step, reading
    /// <c>input</c> and writing <c>output</c>), and RunSequence, which runs each layer over every step into a
    /// sequence buffer before the next layer starts.
    /// </summary>
    private static string EmitSequenceKernels(ModelPlan plan)
    {
        bool[] reverse = ReverseLayers(plan);
        LayerPlan[] layers = plan.Layers.Select((l, k) => AsSequenceLayer(plan, l, reverse)).ToArray();
        int quantized = Math.Max(plan.QuantizedLength, layers.Where(l => l.Source == BufferSlot.Quantized).Select(l => l.InputLength).DefaultIfEmpty(0).Max());
        int layerMemory = quantized + plan.KernelScratchLength + plan.LayerScratchLength;
        int width = Math.Max(plan.InputLength, layers.Max(l => l.OutputLength * (reverse.Length > l.Index + 1 && reverse[l.Index + 1] ? 2 : 1)));
        int lastRecurrent = layers.Where(l => l.Recurrence is not null).Max(l => l.Index);

        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Open($"partial class {plan.Target.ClassName}");
        int fixedMemory = plan.StateLength + layerMemory;
        WriteSequenceMemory(w, $"the state ({plan.StateLength}), a layer's ({layerMemory}) and two sequence buffers of {width} values a step", fixedMemory, width);
        w.Line("/// <summary>Each layer over every step (a reverse layer from the last step to the first) into buffer x or y in turn; then the outputs.</summary>");
        w.Open($"private static void RunSequence({ReadOnlySpan} inputs, int steps, {Span} outputs, bool lastOnly, {Span} memory)");
        w.Line($"{Span} state = memory.Slice(0, {plan.StateLength});");
        w.Line("state.Clear();");
        w.Line($"{Span} scratch = memory.Slice({plan.StateLength}, {layerMemory});");
        w.Line($"{Span} x = memory.Slice({fixedMemory}, {width} * steps);");
        w.Line($"{Span} y = memory.Slice({fixedMemory} + {width} * steps, {width} * steps);");
        w.Open("for (int t = 0; t < steps; t++)");
        w.Line($"inputs.Slice(t * {plan.InputLength}, {plan.InputLength}).CopyTo(x.Slice(t * {width}, {plan.InputLength}));");
        w.Close();
        string from = "x", to = "y";
        bool firstDeclared = false;
        foreach (LayerPlan layer in layers)
        {
            int index = layer.Index;
            if (reverse[index])
            {
                continue;
            }

            bool pair = index + 1 < reverse.Length && reverse[index + 1];
            if (layer.Op == LayerOp.Flatten && layer.Quantizer is null)
            {
                w.Line($"// Layer {index}: flatten, nothing to compute.");
                continue;
            }

            firstDeclared = WriteFirstStep(w, index, lastRecurrent, firstDeclared);

            int inLength = layer.InputLength, outLength = layer.OutputLength;
            w.Line(pair
                ? $"// Layers {index} and {index + 1}: a bidirectional {layer.Op}, forward then backward; each step's output is the forward h then the backward h ({2 * outLength} values)."
                : $"// Layer {index}: {layer.Op} {inLength} -> {outLength}.");
            string start = layer.Index > lastRecurrent ? "first" : "0";
            w.Open($"for (int t = {start}; t < steps; t++)");
            w.Line($"Layer{index}({from}.Slice(t * {width}, {inLength}), {to}.Slice(t * {width}, {outLength}), scratch, state);");
            w.Close();
            if (pair)
            {
                w.Open("for (int t = steps - 1; t >= 0; t--)");
                w.Line($"Layer{index + 1}({from}.Slice(t * {width}, {inLength}), {to}.Slice(t * {width} + {outLength}, {outLength}), scratch, state);");
                w.Close();
            }

            (from, to) = (to, from);
        }

        w.Open("if (lastOnly)");
        w.Line($"{from}.Slice((steps - 1) * {width}, {plan.OutputLength}).CopyTo(outputs);");
        w.Close();
        w.Open("else");
        w.Open("for (int t = 0; t < steps; t++)");
        w.Line($"{from}.Slice(t * {width}, {plan.OutputLength}).CopyTo(outputs.Slice(t * {plan.OutputLength}, {plan.OutputLength}));");
        w.Close();
        w.Close();
        w.Close();

        foreach (LayerPlan layer in layers.Where(l => !(l.Op == LayerOp.Flatten && l.Quantizer is null)))
        {
            w.Line();
            w.Line($"/// <summary>One step of layer {layer.Index}{(reverse[layer.Index] ? ", the backward half of a bidirectional layer" : "")}. <paramref name=\"scratch\"/> is the layer's working memory, <paramref name=\"state\"/> every recurrent layer's state.</summary>");
            w.Open($"private static void Layer{layer.Index}({ReadOnlySpan} input, {Span} output, {Span} scratch, {Span} state)");
            if (quantized > 0)
            {
                w.Line($"{Span} q = scratch.Slice(0, {quantized});");
            }

            if (plan.KernelScratchLength > 0)
            {
                w.Line($"{Span} kernelScratch = scratch.Slice({quantized}, {plan.KernelScratchLength});");
            }

            if (plan.LayerScratchLength > 0)
            {
                w.Line($"{Span} layerScratch = scratch.Slice({quantized + plan.KernelScratchLength}, {plan.LayerScratchLength});");
            }

            WriteLayer(w, layer);
            w.Close();
        }

        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    /// <summary>SequenceMemory: <paramref name="fixedMemory"/> floats (<paramref name="what"/>) and two sequence buffers of
    /// <paramref name="width"/> values a step, or an exception for a sequence too long for one buffer.</summary>
    private static void WriteSequenceMemory(SourceWriter w, string what, int fixedMemory, int width)
    {
        w.Line($"/// <summary>Floats of working memory for <paramref name=\"steps\"/> steps: {what}.</summary>");
        w.Open("private static int SequenceMemory(int steps)");
        w.Line($"long floats = {fixedMemory}L + 2L * {width} * steps;");
        w.Line("return floats <= global::System.Array.MaxLength ? (int)floats : throw new global::System.ArgumentOutOfRangeException(nameof(steps), steps, \"The sequence is too long for one buffer; run it in parts.\");");
        w.Close();
        w.Line();
    }

    /// <summary>Before the first layer past the last recurrent one, <c>first</c>: the steps are independent from there, and
    /// for the last output only the last step runs. Returns whether <c>first</c> is declared.</summary>
    private static bool WriteFirstStep(SourceWriter w, int index, int lastRecurrent, bool declared)
    {
        if (index > lastRecurrent && !declared)
        {
            w.Line($"// Past layer {lastRecurrent} (the last recurrent one) the steps are independent: for the last output only the last step runs.");
            w.Line("int first = lastOnly ? steps - 1 : 0;");
            return true;
        }

        return declared;
    }

    /// <summary>
    /// A layer as one step of its own method: it reads <c>input</c> (or <c>q</c>, its quantized copy) and writes
    /// <c>output</c>. A reverse layer reads what its forward half read and writes its own h (the caller places it
    /// after the forward h); the plan, made for a chain, gives it the pair's lengths.
    /// </summary>
    private static LayerPlan AsSequenceLayer(ModelPlan plan, LayerPlan layer, bool[] reverse)
    {
        bool isReverse = reverse[layer.Index];
        int input = isReverse ? plan.Layers[layer.Index - 1].InputLength : layer.InputLength;
        int output = isReverse ? layer.Recurrence!.Hidden : layer.OutputLength;
        BufferSlot source = layer.Source == BufferSlot.Quantized ? BufferSlot.Quantized : BufferSlot.Input;
        return layer with { InputLength = input, OutputLength = output, PreviousOutput = BufferSlot.Input, Source = source, Destination = BufferSlot.Output };
    }
}
