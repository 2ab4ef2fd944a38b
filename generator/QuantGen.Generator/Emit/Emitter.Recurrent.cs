using System;
using System.Linq;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Emit;

/// <summary>
/// The stateful API of recurrent models (a State type and Step), and the forward code of the Embedding,
/// LSTM, GRU, Conv2d and MaxPool2d layers.
/// </summary>
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
        OpenModelClass(w, plan, "global::QuantGen.IRecurrentQuantModel", $"{plan.InputLength} value(s) per step", $"{plan.OutputLength} values per step");
        w.Line("/// <inheritdoc/>");
        w.Line($"public int VocabularySize => {plan.Vocabulary};");
        w.Line();
        WriteWeightBytes(w, plan);
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
        w.Line($"{Runtime}.RecurrentState global::QuantGen.IRecurrentQuantModel.NewState() => new State();");
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

        /// <summary>The working memory of recurrent and convolution layers, after the shared buffers.</summary>
    private static void WriteExtraBuffer(SourceWriter w, ModelPlan plan)
    {
        if (plan.ExtraLength > 0)
        {
            w.Line("// Gate products, patches and online codes of the recurrent and convolution layers.");
            w.Line($"{Span} extra = scratch.Slice({2 * plan.WorkLength + plan.QuantizedLength + plan.RowLength}, {plan.ExtraLength});");
        }
    }

    private static void WriteSequenceLayer(SourceWriter w, LayerPlan layer)
    {
        SequencePlan s = layer.Sequence!;
        string name = layer.Name.Length == 0 ? "" : $" \"{Literals.Comment(layer.Name)}\"";
        string weights = layer.WeightSummary.Length == 0 ? "" : $", weights {layer.WeightSummary}";
        w.Line($"// Layer {layer.Index}{name}: {layer.Op} {layer.InputLength} -> {layer.OutputLength}{weights}.");
        bool fused = s.Matrices.Count > 0 && s.Matrices[0].Kernel == KernelKind.DenseXnor;
        string source = BufferExpression(fused ? layer.PreviousOutput : layer.Source, layer.InputLength);
        if (layer.Quantizer is QuantizerPlan quantizer)
        {
            if (fused)
            {
                w.Line($"// Input quantized: {quantizer.Summary}, inside the xor-popcount kernel (its codes are the kernel's input).");
            }
            else
            {
                w.Line($"// Input quantized: {quantizer.Summary}.");
                w.Line(QuantizerCall(quantizer, layer.Index, BufferExpression(layer.PreviousOutput, layer.InputLength), source, layer.InputLength) + ";");
            }
        }

        w.Line($"// Kernel {layer.Kernel}: {layer.KernelReason}.");
        string destination = BufferExpression(layer.Destination, layer.OutputLength);
        string data = "QuantGenData.L" + Invariant.Int(layer.Index);
        w.Open("");
        switch (layer.Kernel)
        {
            case KernelKind.Embedding:
                w.Line($"int token = {Runtime}.EmbeddingLookup.Token(input, {s.Matrices[0].Rows});");
                w.Line(EmbeddingCall(s.Matrices[0], data, destination) + ";");
                break;
            case KernelKind.Lstm:
            case KernelKind.Gru:
                WriteRecurrentStep(w, layer, s, source, destination, data);
                break;
            case KernelKind.Conv2d:
            {
                MatrixPlan m = s.Matrices[0];
                w.Line($"var window = new {Runtime}.Window({string.Join(", ", s.Geometry.Select(g => Invariant.Int(g)))});");
                w.Line($"{Span} patch = extra.Slice(0, {m.Cols});");
                w.Line($"{Span} column = extra.Slice({m.Cols}, {m.Rows});");
                w.Line("int positions = window.OutHeight * window.OutWidth;");
                w.Open("for (int p = 0; p < positions; p++)");
                w.Line($"{Runtime}.SpatialKernels.Patch({source}, patch, window, p);");
                w.Line(MatVecCall(m, data, "patch", "column", "extra.Slice(0, 0)") + ";");
                w.Line($"{Runtime}.SpatialKernels.Scatter(column, {destination}, p, positions);");
                w.Close();
                break;
            }

            default:
                w.Line($"{Runtime}.SpatialKernels.MaxPool({source}, {destination}, new {Runtime}.Window({string.Join(", ", s.Geometry.Select(g => Invariant.Int(g)))}));");
                break;
        }

        w.Close();
    }

    private static void WriteRecurrentStep(SourceWriter w, LayerPlan layer, SequencePlan s, string source, string destination, string data)
    {
        bool lstm = layer.Kernel == KernelKind.Lstm;
        int n = s.Hidden;
        int gates = (lstm ? 4 : 3) * n;
        string codes = $"extra.Slice({2 * gates + 2 * n})";
        w.Line($"{Span} gx = extra.Slice(0, {gates});");
        w.Line($"{Span} gh = extra.Slice({gates}, {gates});");
        w.Line($"{Span} h = state.Slice({s.StateOffset}, {n});");
        w.Line($"// Input product W x + b ({s.Matrices[0].Summary}).");
        w.Line(MatVecCall(s.Matrices[0], data, source, "gx", codes) + ";");
        string hidden = "h";
        if (s.RecurrentQuantizer is QuantizerPlan rq)
        {
            if (s.Matrices[1].Kernel == KernelKind.DenseXnor)
            {
                w.Line($"// h quantized: {rq.Summary}, inside the xor-popcount kernel.");
            }
            else
            {
                hidden = $"extra.Slice({2 * gates}, {n})";
                w.Line($"// h quantized for the recurrent product (the state keeps h): {rq.Summary}.");
                w.Line(QuantizerCall(rq, layer.Index, "h", hidden, n, "Recurrent") + ";");
            }
        }

        w.Line($"// Recurrent product U h + d ({s.Matrices[1].Summary}).");
        w.Line(MatVecCall(s.Matrices[1], data, hidden, "gh", codes) + ";");
        string sigmoid = s.SigmoidCandidate ? "true" : "false";
        if (lstm)
        {
            w.Line($"// c = f * c + i * g, h = o * {(s.SigmoidCandidate ? "sigmoid" : "tanh")}(c).");
            w.Line($"{Runtime}.RecurrentCells.Lstm(gx, gh, state.Slice({s.StateOffset + n}, {n}), h, sigmoidCell: {sigmoid});");
        }
        else
        {
            w.Line($"{Span} reset = extra.Slice({2 * gates + n}, {n});");
            w.Line("// reset = r * (U_n h + d_n).");
            w.Line($"{Runtime}.RecurrentCells.GruReset(gx, gh, reset);");
            if (s.HiddenQuantizer is QuantizerPlan rh)
            {
                w.Line($"// bit-RNN: the reset product quantized ({rh.Summary}).");
                w.Line(QuantizerCall(rh, layer.Index, "reset", "reset", n, "Hidden") + ";");
            }

            w.Line($"// n = {(s.SigmoidCandidate ? "sigmoid" : "tanh")}(W_n x + b_n + reset), h = (1 - z) * n + z * h.");
            w.Line($"{Runtime}.RecurrentCells.GruUpdate(gx, gh, reset, h, sigmoidCandidate: {sigmoid});");
        }

        if (s.HiddenQuantizer is QuantizerPlan hq)
        {
            w.Line($"// bit-RNN: the new h quantized, and kept quantized in the state ({hq.Summary}).");
            w.Line(QuantizerCall(hq, layer.Index, "h", "h", n, "Hidden") + ";");
        }

        w.Line($"h.CopyTo({destination});");
    }

    /// <summary>y = W x + b with the plain dense kernel of the matrix's codec, or the xor-popcount kernel.</summary>
    private static string MatVecCall(MatrixPlan m, string data, string x, string y, string codes)
    {
        string t = data + m.Part;
        string bias = m.HasBias ? t + "Bias" : "default";
        return m.Kernel switch
        {
            KernelKind.DenseFloat => $"{Runtime}.DenseKernels.Float({x}, {y}, {t}FloatWeights, {bias})",
            KernelKind.DenseUniform => $"{Runtime}.DenseKernels.Uniform({x}, {y}, {t}Codes, bits: {m.Bits}, signed: {(m.Signed ? "true" : "false")}, {t}Scales, {(m.HasZeroPoints ? t + "ZeroPoints" : "default")}, {bias}, row)",
            KernelKind.DenseLevels => $"{Runtime}.DenseKernels.Levels({x}, {y}, {t}Codes, bits: {m.Bits}, {t}Levels, {bias}, row)",
            KernelKind.DenseMultiBinary => $"{Runtime}.DenseKernels.MultiBinary({x}, {y}, {t}Codes, bits: {m.Bits}, {t}Coefficients, {bias}, row)",
            KernelKind.DenseXnor => XnorCall(x, y, t, m.Bits, bias, m.InputBits, m.InputCycles, codes),
            _ => throw new InvalidOperationException("no matrix kernel " + m.Kernel),
        };
    }

    private static string EmbeddingCall(MatrixPlan m, string data, string y) => m.Kernel switch
    {
        KernelKind.DenseFloat => $"{Runtime}.EmbeddingLookup.Float(token, {y}, {data}FloatWeights)",
        KernelKind.DenseUniform => $"{Runtime}.EmbeddingLookup.Uniform(token, {y}, {data}Codes, bits: {m.Bits}, signed: {(m.Signed ? "true" : "false")}, {data}Scales, {(m.HasZeroPoints ? data + "ZeroPoints" : "default")})",
        KernelKind.DenseLevels => $"{Runtime}.EmbeddingLookup.Levels(token, {y}, {data}Codes, bits: {m.Bits}, {data}Levels)",
        _ => $"{Runtime}.EmbeddingLookup.MultiBinary(token, {y}, {data}Codes, bits: {m.Bits}, rows: {m.Rows}, {data}Coefficients, row)",
    };

    private static LayerMatrix MatrixOf(Layer layer, string part) => LayerShapes.Matrices(layer).First(m => m.Part == part);
}
