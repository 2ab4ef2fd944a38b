using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;

namespace QuantGen.Generator.Emit;

/// <summary>
/// StepMany: one step of several independent sequences together, up to <see cref="ModelPlan.StatesTile"/> states at a
/// time. A recurrent layer whose gate products have batched forms (<see cref="ModelPlan.StepsTogether"/>) gathers the
/// tile's inputs and h's and runs each product once for the whole tile (DenseKernels.FloatMany, Int8.DenseMany: every
/// weight load reused by the tile's states); everything else runs state by state, in the state's own working memory,
/// as Step runs it. The batched kernels equal the single ones per input bit for bit, so each state gets exactly what
/// Step gives it.
/// </summary>
internal static partial class Emitter
{
    private const string StateSpan = "global::System.ReadOnlySpan<State>";

    /// <summary>The public StepMany overloads and the interface's.</summary>
    private static void WriteStepMany(SourceWriter w, ModelPlan plan)
    {
        int i = plan.InputLength, o = plan.OutputLength, tile = ModelPlan.StatesTile;
        string stateInterface = $"global::System.ReadOnlySpan<{Runtime}.RecurrentState>";
        bool tokens = plan.Vocabulary > 0;
        string summary = $"the recurrent layers' float32 and integer gate products take up to {tile} states per call, each weight read once for all of them; a state may appear only once";
        if (tokens)
        {
            w.Line($"/// <summary>One step of several sequences together: <c>states[i]</c> advances on <c>tokens[i]</c> and writes row i of <paramref name=\"logits\"/> (states.Length x {o} values), exactly what <c>Step(tokens[i], states[i], ...)</c> gives it; {summary}.</summary>");
            w.Open($"public void StepMany(global::System.ReadOnlySpan<int> tokens, {StateSpan} states, {Span} logits)");
            w.Line($"{Runtime}.Guard.PerState(tokens.Length, states.Length, nameof(tokens));");
            w.Line($"{Runtime}.Guard.BatchLength(logits.Length, states.Length, {o}, nameof(logits));");
            w.Open("foreach (int token in tokens)");
            w.Open($"if ((uint)token >= {plan.Vocabulary}u)");
            w.Line($"throw new global::System.ArgumentOutOfRangeException(nameof(tokens), token, \"A token id must be from 0 to {plan.Vocabulary - 1}.\");");
            w.Close();
            w.Close();
            w.Line();
            w.Line($"{Span} ids = stackalloc float[{tile}];");
            WriteStatesLoop(w, plan, "ids.Slice(0, count)", "logits", before: "for (int k = 0; k < count; k++) ids[k] = tokens[first + k];");
            w.Close();
            w.Line();
        }

        w.Line($"/// <summary>One step of several sequences together on input vectors (states.Length x {i} values{(tokens ? ", one token id each" : "")}): <c>states[i]</c> advances and writes row i of <paramref name=\"outputs\"/>, exactly what <c>Step</c> gives it; {summary}.</summary>");
        w.Open($"public void StepMany({ReadOnlySpan} inputs, {StateSpan} states, {Span} outputs)");
        w.Line($"{Runtime}.Guard.BatchLength(inputs.Length, states.Length, {i}, nameof(inputs));");
        w.Line($"{Runtime}.Guard.BatchLength(outputs.Length, states.Length, {o}, nameof(outputs));");
        w.Line($"{Runtime}.Guard.NoOverlap(inputs, outputs, nameof(inputs), nameof(outputs));");
        WriteStatesLoop(w, plan, $"inputs.Slice(first * {i}, count * {i})", "outputs", before: null);
        w.Close();
        w.Line();
        w.Line($"void global::QuantGen.IRecurrentQuantModel.StepMany(global::System.ReadOnlySpan<int> tokens, {stateInterface} states, {Span} outputs) =>");
        w.Line(tokens
            ? $"    StepMany(tokens, {Runtime}.RecurrentState.CheckAll<State>(states, nameof(states)), outputs);"
            : "    throw new global::System.InvalidOperationException(\"This model reads vectors, not token ids.\");");
        w.Line();
        w.Line($"void global::QuantGen.IRecurrentQuantModel.StepMany({ReadOnlySpan} inputs, {stateInterface} states, {Span} outputs) =>");
        w.Line($"    StepMany(inputs, {Runtime}.RecurrentState.CheckAll<State>(states, nameof(states)), outputs);");
        w.Line();
    }

    /// <summary>Every state marked in use for the call (a state given twice is caught here), then ForwardStates over tiles.</summary>
    private static void WriteStatesLoop(SourceWriter w, ModelPlan plan, string tileInputs, string outputs, string? before)
    {
        int o = plan.OutputLength, tile = ModelPlan.StatesTile;
        w.Line($"{Runtime}.RecurrentState.BeginSteps(states, nameof(states));");
        w.Open("try");
        w.Line($"// The tile's gathered inputs, h's and gate products: a buffer per thread ({Invariant.Grouped(plan.StatesTileLength * 4L)} bytes).");
        w.Line($"{Span} memory = {Runtime}.ScratchBuffer.Get({plan.StatesTileLength});");
        w.Open($"for (int first = 0; first < states.Length; first += {tile})");
        w.Line($"int count = global::System.Math.Min({tile}, states.Length - first);");
        if (before is not null)
        {
            w.Line(before);
        }

        w.Line($"ForwardStates({tileInputs}, states.Slice(first, count), {outputs}.Slice(first * {o}, count * {o}), memory);");
        w.Close();
        w.Close();
        w.Open("finally");
        w.Line($"{Runtime}.RecurrentState.EndSteps(states);");
        w.Close();
    }

    /// <summary>ForwardStates: a tile of states through the layers, layer by layer.</summary>
    private static void WriteForwardStates(SourceWriter w, ModelPlan plan)
    {
        int tile = ModelPlan.StatesTile;
        w.Line();
        w.Line($"/// <summary>One step of states.Length (1 to {tile}) states, layer after layer: the gate products of the layers that step together in one batched call each, every other step state by state in the state's own working memory.</summary>");
        w.Open($"private static void ForwardStates({ReadOnlySpan} tileInputs, {StateSpan} states, {Span} tileOutputs, {Span} memory)");
        w.Line("int count = states.Length;");
        if (plan.StatesTileLength > 0)
        {
            int at = 0;
            w.Line("// The tile's layer inputs, h's and gate products, then the batched kernels' working memory.");
            foreach ((string name, int length) in new[] { ("tx", plan.StatesInputLength), ("th", plan.StatesHiddenLength), ("tgx", plan.StatesGateLength), ("tgh", plan.StatesGateLength) })
            {
                if (length > 0)
                {
                    w.Line($"{Span} {name} = memory.Slice({at}, {tile * length});");
                    at += tile * length;
                }
            }

            w.Line($"{Span} ct = memory.Slice({at});");
        }

        LayerPlan[] layers = plan.Layers.ToArray();
        for (int k = 0; k < layers.Length; k++)
        {
            w.Line();
            if (ModelPlan.StepsTogether(layers[k]))
            {
                WriteLayerTogether(w, plan, layers[k]);
                continue;
            }

            if (ModelPlan.HeadTogether(layers[k]))
            {
                WriteHeadTogether(w, plan, layers[k]);
                continue;
            }

            // A run of layers that step state by state, in one loop: each state's data stays in cache through them.
            int end = k;
            while (end + 1 < layers.Length && !ModelPlan.StepsTogether(layers[end + 1]) && !ModelPlan.HeadTogether(layers[end + 1]))
            {
                end++;
            }

            w.Line(end == k ? $"// Layer {layers[k].Index}: state by state." : $"// Layers {layers[k].Index} to {layers[end].Index}: state by state.");
            OpenStateBlock(w, plan);
            for (int j = k; j <= end; j++)
            {
                if (j > k)
                {
                    w.Line();
                }

                WriteLayer(w, layers[j]);
            }

            w.Close();
            k = end;
        }

        w.Close();
    }

    /// <summary>The last fully connected layer, writing the outputs, for the whole tile: each state's input gathered, one batched product straight into the tile's output rows.</summary>
    private static void WriteHeadTogether(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        int inputLength = layer.InputLength;
        w.Line($"// Layer {layer.Index}: {layer.Op} {inputLength} -> {layer.OutputLength}, the tile's states together.");
        OpenStateBlock(w, plan);
        w.Line($"{BufferExpression(layer.PreviousOutput, inputLength)}.CopyTo(tx.Slice(t * {inputLength}, {inputLength}));");
        w.Close();
        w.Line();
        WriteKernelComment(w, layer.Matrices[0]);
        w.Line(KernelRegistry.Get(layer.Matrices[0].Kernel).CallMany(layer.Matrices[0], $"tx.Slice(0, count * {inputLength})", "tileOutputs", "count", "ct") + ";");
    }

    /// <summary>A loop over the tile's states, each with the names Forward's layer code reads: its input and output rows, its working memory and state vectors.</summary>
    private static void OpenStateBlock(SourceWriter w, ModelPlan plan)
    {
        int i = plan.InputLength, o = plan.OutputLength;
        w.Open("for (int t = 0; t < count; t++)");
        w.Line($"{ReadOnlySpan} input = tileInputs.Slice(t * {i}, {i});");
        w.Line($"{Span} output = tileOutputs.Slice(t * {o}, {o});");
        w.Line($"{Span} scratch = states[t].Scratch;");
        w.Line($"{Span} state = states[t].Vectors;");
        WriteBuffers(w, plan);
    }

    /// <summary>
    /// A recurrent layer's step for the whole tile: each state's input and h gathered, both gate products in one
    /// batched call each, then each state's cell updated as Step does, on its rows of the products.
    /// </summary>
    private static void WriteLayerTogether(SourceWriter w, ModelPlan plan, LayerPlan layer)
    {
        RecurrencePlan r = layer.Recurrence!;
        MatrixPlan input = layer.Matrices[0], recurrent = layer.Matrices[1];
        int n = r.Hidden, gates = r.Gates * n, inputLength = layer.InputLength;
        string h = $"state.Slice({r.StateOffset}, {n})";
        w.Line($"// Layer {layer.Index}: {layer.Op} {inputLength} -> {layer.OutputLength}, both gate products for the tile's states together.");
        OpenStateBlock(w, plan);
        w.Line($"{BufferExpression(layer.PreviousOutput, inputLength)}.CopyTo(tx.Slice(t * {inputLength}, {inputLength}));");
        w.Line($"{h}.CopyTo(th.Slice(t * {n}, {n}));");
        w.Close();
        w.Line();
        WriteKernelComment(w, input);
        w.Line(KernelRegistry.Get(input.Kernel).CallMany(input, $"tx.Slice(0, count * {inputLength})", $"tgx.Slice(0, count * {gates})", "count", "ct") + ";");
        WriteKernelComment(w, recurrent);
        w.Line(KernelRegistry.Get(recurrent.Kernel).CallMany(recurrent, $"th.Slice(0, count * {n})", $"tgh.Slice(0, count * {gates})", "count", "ct") + ";");
        OpenStateBlock(w, plan);
        // The cell reads the state's rows of the tile's gate products where they are.
        string gx = $"tgx.Slice(t * {gates}, {gates})", gh = $"tgh.Slice(t * {gates}, {gates})";
        if (recurrent.InputOnGrid && recurrent.FusesInput)
        {
            // As Step: the zero state at a sequence's start is off the hidden quantizer's grid, and its product is the bias alone.
            WriteZeroStateProduct(w, recurrent, h, gh);
        }

        WriteRecurrentCell(w, layer, gx, gh, h);
        w.Close();
    }
}
