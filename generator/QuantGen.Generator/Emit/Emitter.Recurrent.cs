using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

/// <summary>The stateful API of recurrent models (a State type and Step), and the forward code of the LSTM and GRU layers.</summary>
internal static partial class Emitter
{
    private static string EmitRecurrentApi(ModelPlan plan)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        WriteModelSummary(w, plan);
        OpenTypes(w, plan);
        string cls = plan.Target.ClassName;
        bool tokens = plan.Vocabulary > 0;
        string inputText = tokens ? $"a token id (0 to {plan.Vocabulary - 1})" : $"{plan.InputLength} values";
        w.Line("/// <summary>");
        w.Line($"/// The recurrent quantized model \"{Xml(Literals.Comment(plan.ModelName))}\" from {Xml(Literals.Comment(plan.FileName))}: each step reads {inputText} and gives {plan.OutputLength} outputs.");
        w.Line("/// The model holds no mutable state: a <see cref=\"State\"/> per sequence carries the hidden state and a step's working memory,");
        w.Line("/// so separate states may run on separate threads at once, and a step allocates nothing.");
        w.Line("/// </summary>");
        OpenModelClass(w, plan, "global::QuantGen.IRecurrentQuantModel, " + SequenceInterface, $"{plan.InputLength} value(s) per step", $"{plan.OutputLength} values per step");
        w.Line("/// <inheritdoc/>");
        w.Line($"public int VocabularySize => {plan.Vocabulary};");
        w.Line();
        WriteWeightBytes(w, plan);
        WriteMetadata(w, plan);
        w.Line($"/// <summary>One sequence's state: {plan.StateLength} hidden and cell values, and {Invariant.Grouped(plan.ScratchLength * 4L)} bytes of working memory for a step. One step at a time: a second thread stepping it at the same moment gets an InvalidOperationException.</summary>");
        w.Open($"public sealed class State : {Runtime}.RecurrentState");
        w.Line($"/// <summary>The zero state, as at the start of a sequence.</summary>");
        w.Line($"public State() : base(typeof({cls}), {plan.StateLength}, {plan.ScratchLength}) {{ }}");
        w.Line();
        w.Line($"internal {Span} Vectors => StateSpan;");
        w.Line();
        w.Line($"internal {Span} Scratch => ScratchSpan;");
        w.Close();
        w.Line();
        w.Line("/// <summary>A new state at the start of a sequence; call <c>Reset</c> on it to start again.</summary>");
        w.Line("public State CreateState() => new State();");
        w.Line();
        w.Line($"{Runtime}.RecurrentState global::QuantGen.IRecurrentQuantModel.CreateState() => new State();");
        w.Line();
        if (tokens)
        {
            w.Line("/// <summary>One step on a token id: writes the outputs (logits) and advances <paramref name=\"state\"/>.</summary>");
            w.Open($"public void Step(int token, State state, {Span} logits)");
            w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
            w.Line($"{Runtime}.Guard.Length(logits.Length, {plan.OutputLength}, nameof(logits));");
            w.Open($"if ((uint)token >= {plan.Vocabulary}u)");
            w.Line($"throw new global::System.ArgumentOutOfRangeException(nameof(token), token, \"A token id must be from 0 to {plan.Vocabulary - 1}.\");");
            w.Close();
            w.Line();
            w.Line($"{Span} input = stackalloc float[1];");
            w.Line("input[0] = token;");
            WriteGuardedForward(w, "Forward(input, logits, state.Scratch, state.Vectors);");
            w.Close();
            w.Line();
        }

        w.Line($"/// <summary>One step on an input vector{(tokens ? " (here one value: the token id)" : "")}: writes the outputs and advances <paramref name=\"state\"/>.</summary>");
        w.Open($"public void Step({ReadOnlySpan} input, State state, {Span} output)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(state);");
        w.Line($"{Runtime}.Guard.Length(input.Length, {plan.InputLength}, nameof(input));");
        w.Line($"{Runtime}.Guard.Length(output.Length, {plan.OutputLength}, nameof(output));");
        w.Line($"{Runtime}.Guard.NoOverlap(input, output, nameof(input), nameof(output));");
        WriteGuardedForward(w, "Forward(input, output, state.Scratch, state.Vectors);");
        w.Close();
        w.Line();
        w.Line($"void global::QuantGen.IRecurrentQuantModel.Step(int token, {Runtime}.RecurrentState state, {Span} output) =>");
        w.Line(tokens
            ? $"    Step(token, {Runtime}.RecurrentState.Check<State>(state, nameof(state)), output);"
            : "    throw new global::System.InvalidOperationException(\"This model reads vectors, not token ids.\");");
        w.Line();
        w.Line($"void global::QuantGen.IRecurrentQuantModel.Step({ReadOnlySpan} input, {Runtime}.RecurrentState state, {Span} output) =>");
        w.Line($"    Step(input, {Runtime}.RecurrentState.Check<State>(state, nameof(state)), output);");
        w.Line();
        WriteStepMany(w, plan);
        WriteSequenceMethods(w, plan);
        if (!plan.SequenceByLayers)
        {
            WriteSteppedSequence(w, plan);
        }

        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    /// <summary>A step holds its state's in-use flag, so that two threads stepping one state get an exception, not mixed logits.</summary>
    private static void WriteGuardedForward(SourceWriter w, string forward)
    {
        w.Line("state.BeginStep();");
        w.Open("try");
        w.Line(forward);
        w.Close();
        w.Open("finally");
        w.Line("state.EndStep();");
        w.Close();
    }

    /// <summary>
    /// One step of an LSTM or GRU layer: both gate products through the kernels the plan chose (the input
    /// matrix on the layer's quantized input, the recurrent matrix on h, quantized for it when the layer says
    /// so), then the cell update on the state.
    /// </summary>
    /// <param name="inputProducts">The expression of W x + b when a caller computed it for several steps at once (a
    /// sequence run layer by layer), or null: the step computes it.</param>
    private static void WriteRecurrentStep(SourceWriter w, LayerPlan layer, string? inputProducts = null)
    {
        RecurrencePlan r = layer.Recurrence!;
        MatrixPlan input = layer.Matrices[0], recurrent = layer.Matrices[1];
        int n = r.Hidden;
        int gates = r.Gates * n;
        w.Line($"// {layer.Op}: {layer.Reason}.");
        string gx = inputProducts ?? $"layerScratch.Slice(0, {gates})", gh = $"layerScratch.Slice({gates}, {gates})";
        string h = $"state.Slice({r.StateOffset}, {n})";
        if (inputProducts is null)
        {
            string x = WriteInputQuantizer(w, layer);
            WriteKernelComment(w, input);
            w.Line(MatrixCall(input, x, gx) + ";");
        }
        else
        {
            w.Line("// The input matrix's product for this step was computed with the other steps' (gx).");
        }

        string hidden = h;
        if (r.RecurrentQuantizer is QuantizerPlan rq)
        {
            if (recurrent.FusesInput)
            {
                w.Line($"// h quantized inside the {recurrent.Kernel} kernel: {rq.Summary}.");
            }
            else
            {
                hidden = $"layerScratch.Slice({2 * gates}, {n})";
                w.Line($"// h quantized for the recurrent product (the state keeps h): {rq.Summary}.");
                w.Line(QuantizerCall(rq, layer.Index, h, hidden, n, "Recurrent") + ";");
            }
        }

        WriteKernelComment(w, recurrent);
        if (recurrent.InputOnGrid && recurrent.FusesInput)
        {
            // The kernel codes h onto the hidden quantizer's grid, where every h after the first step lies; the
            // zero state a sequence starts from is the one vector off it, and its product is the bias alone.
            w.Line($"// h is on the hidden quantizer's grid ({recurrent.Input!.Summary}) after every step; the zero state at a sequence's start is not, and U 0 + d = d.");
            WriteZeroStateProduct(w, recurrent, h, gh);
            w.Open("else");
            w.Line(MatrixCall(recurrent, hidden, gh) + ";");
            w.Close();
        }
        else
        {
            w.Line(MatrixCall(recurrent, hidden, gh) + ";");
        }

        WriteRecurrentCell(w, layer, gx, gh, h);
    }

    /// <summary>For a recurrent product on the hidden quantizer's grid: if h is the zero state, the product is the bias alone (an if block; the caller may add an else).</summary>
    private static void WriteZeroStateProduct(SourceWriter w, MatrixPlan recurrent, string h, string gh)
    {
        w.Open($"if (global::System.MemoryExtensions.IndexOfAnyExcept(({ReadOnlySpan}){h}, 0f) < 0)");
        w.Line(recurrent.HasBias ? $"QuantGenData.{recurrent.Data}Bias.CopyTo({gh});" : $"{gh}.Clear();");
        w.Close();
    }

    /// <summary>
    /// The rest of a step once both gate products are in <paramref name="gx"/> and <paramref name="gh"/>: the cell
    /// update on the state (<paramref name="h"/> its h), the bit-RNN quantizers, and h copied to the layer's output.
    /// </summary>
    private static void WriteRecurrentCell(SourceWriter w, LayerPlan layer, string gx, string gh, string h)
    {
        RecurrencePlan r = layer.Recurrence!;
        bool lstm = layer.Op == LayerOp.Lstm;
        int n = r.Hidden;
        int gates = r.Gates * n;
        string sigmoid = r.SigmoidCandidate ? "true" : "false";
        if (lstm)
        {
            w.Line($"// c = f * c + i * g, h = o * {(r.SigmoidCandidate ? "sigmoid" : "tanh")}(c).");
            w.Line($"{Runtime}.RecurrentCells.Lstm({gx}, {gh}, state.Slice({r.StateOffset + n}, {n}), {h}, sigmoidCell: {sigmoid});");
        }
        else
        {
            string reset = $"layerScratch.Slice({2 * gates + n}, {n})";
            if (r.ResetBeforeProduct)
            {
                reset = WriteResetBeforeProduct(w, layer, gx, gh, h, 2 * gates + 2 * n);
            }
            else
            {
                w.Line("// reset = r * (U_n h + d_n).");
                w.Line($"{Runtime}.RecurrentCells.GruReset({gx}, {gh}, {reset});");
            }

            if (r.HiddenQuantizer is QuantizerPlan rh)
            {
                w.Line($"// bit-RNN: the reset product quantized ({rh.Summary}).");
                w.Line(QuantizerCall(rh, layer.Index, reset, reset, n, "Hidden") + ";");
            }

            w.Line($"// n = {(r.SigmoidCandidate ? "sigmoid" : "tanh")}(W_n x + b_n + reset), h = (1 - z) * n + z * h.");
            w.Line($"{Runtime}.RecurrentCells.GruUpdate({gx}, {gh}, {reset}, {h}, sigmoidCandidate: {sigmoid});");
        }

        if (r.HiddenQuantizer is QuantizerPlan hq)
        {
            w.Line($"// bit-RNN: the new h quantized, and kept quantized in the state ({hq.Summary}).");
            w.Line(QuantizerCall(hq, layer.Index, h, h, n, "Hidden") + ";");
        }

        w.Line($"{h}.CopyTo({BufferExpression(layer.Destination, layer.OutputLength)});");
    }
}
