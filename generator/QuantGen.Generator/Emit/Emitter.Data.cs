using System;
using QuantGen.Generator.Model;
using QuantGen.Runtime;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>
    /// Raw bytes per base64 literal: 48 KiB, which is 64 KiB of base64 text (a multiple of 3 bytes, so each
    /// literal decodes on its own, with no padding but in the last).
    /// </summary>
    /// <remarks>
    /// The compiler turns a <c>"..."u8</c> literal into an array initializer with one bound node per UTF-8 byte,
    /// and holds all of a method's nodes at once: one 16 MB model in a single literal peaked at 3.4 GB. Each
    /// literal in its own property is compiled, emitted and dropped in turn. Measured with csc on 16 MB of
    /// random bytes (benchmarks/build-cost/README.md): one literal 3.36 GB; 768 KiB literals 772 MB; 192 KiB
    /// 561 MB; 48 KiB 488 MB, with no loss of time. Smaller literals gain little more and add members.
    /// </remarks>
    internal const int ChunkBytes = 48 * 1024;

    /// <summary>
    /// The parameters: one blob of every tensor at a 64-byte boundary, embedded as base64 UTF-8 literals
    /// and decoded once into aligned memory (a byte-array literal costs the compiler minutes per few MB),
    /// plus the quantizers' small tables as float constants.
    /// </summary>
    private static string EmitData(ModelPlan plan, System.Threading.CancellationToken cancellationToken)
    {
        var w = new SourceWriter();
        WriteFileHeader(w, plan);
        OpenTypes(w, plan);
        w.Open($"partial class {plan.Target.ClassName}");
        w.Line("/// <summary>The model's parameters and lookup tables.</summary>");
        w.Open("private static class QuantGenData");
        BlobPlan blob = plan.Blob;
        if (blob.Length > 0)
        {
            w.Line($"// {Invariant.Grouped(blob.Length)} bytes, each tensor at a {KernelGeometry.BlobAlignment}-byte boundary:");
            w.Line("//   offset       bytes  tensor");
            foreach (TensorPlan tensor in blob.Tensors)
            {
                w.Line($"//   {Invariant.Int(tensor.Offset),-10} {Invariant.Int(tensor.ByteLength),7}  layer {tensor.Layer}: {tensor.Description}");
            }

            WriteBlob(w, blob.Bytes);
            foreach (TensorPlan tensor in blob.Tensors)
            {
                string view = tensor.Kind switch
                {
                    TensorKind.Bytes => $"global::System.ReadOnlySpan<byte> {tensor.Name} => Blob.Bytes({tensor.Offset}, {tensor.Count})",
                    TensorKind.Floats => $"global::System.ReadOnlySpan<float> {tensor.Name} => Blob.Floats({tensor.Offset}, {tensor.Count})",
                    _ => $"global::System.ReadOnlySpan<int> {tensor.Name} => Blob.Int32s({tensor.Offset}, {tensor.Count})",
                };
                w.Line();
                w.Line($"/// <summary>Layer {tensor.Layer}: {Xml(tensor.Description)}.</summary>");
                w.Line($"internal static {view};");
            }
        }

        foreach (LayerPlan layer in plan.Layers)
        {
            WriteQuantizerTables(w, layer.Quantizer, layer.Index, "", "input");
            WriteQuantizerTables(w, layer.Recurrence?.HiddenQuantizer, layer.Index, "Hidden", "hidden-state");
            WriteQuantizerTables(w, layer.Recurrence?.RecurrentQuantizer, layer.Index, "Recurrent", "recurrent-input");
        }

        // The long base64 lines last, so that the tensor views above read first.
        WriteChunks(w, blob.Bytes, cancellationToken);
        w.Close();
        w.Close();
        CloseTypes(w, plan);
        return w.ToString();
    }

    private static void WriteQuantizerTables(SourceWriter w, QuantizerPlan? q, int index, string what, string role)
    {
        if (q is null || (q.Thresholds.Count == 0 && q.Levels.Count == 0))
        {
            return;
        }

        string prefix = "Q" + Invariant.Int(index) + what;
        w.Line();
        if (q.Kind == QuantizerKind.Thresholds)
        {
            w.Line($"/// <summary>Layer {index}'s {role} quantizer: x above thresholds[i - 1] and not above thresholds[i] becomes levels[i].</summary>");
            w.Line($"internal static {ReadOnlySpan} {prefix}Thresholds => {Literals.Floats(q.Thresholds)};");
            w.Line($"internal static {ReadOnlySpan} {prefix}Levels => {Literals.Floats(q.Levels)};");
        }
        else
        {
            w.Line($"/// <summary>Layer {index}'s {(role == "input" ? "" : role + " ")}LogQuant levels 2^((fsr + step * i) / 16), fsr {Invariant.Int(q.Fsr)}, step {Invariant.Int(q.Step)}; below them is 0.</summary>");
            w.Line($"internal static {ReadOnlySpan} {prefix}Levels => {Literals.Floats(q.Levels)};");
        }
    }

    /// <summary>
    /// The blob as base64 literals: one when it fits in <see cref="ChunkBytes"/>, else a switch that hands
    /// the runtime one property per chunk in order (<see cref="WriteChunks"/>; see <see cref="ChunkBytes"/> for why).
    /// </summary>
    private static void WriteBlob(SourceWriter w, byte[] blob)
    {
        string length = Invariant.Int(blob.Length);
        if (blob.Length <= ChunkBytes)
        {
            w.Line($"private static global::System.ReadOnlySpan<byte> Base64 => \"{Convert.ToBase64String(blob)}\"u8;");
            w.Line();
            w.Line($"private static readonly {Runtime}.WeightBlob Blob = {Runtime}.WeightBlob.FromBase64(Base64, {length});");
            return;
        }

        int chunks = (blob.Length + ChunkBytes - 1) / ChunkBytes;
        w.Line($"private static readonly {Runtime}.WeightBlob Blob = {Runtime}.WeightBlob.FromBase64({length}, {Invariant.Int(ChunkBytes)}, {Invariant.Int(chunks)}, Base64);");
        w.Line();
        w.Line($"/// <summary>Chunk <paramref name=\"index\"/> of the parameters as base64: {Invariant.Int(ChunkBytes)} bytes each, the last {Invariant.Int(blob.Length - ((chunks - 1) * ChunkBytes))}.</summary>");
        w.Open("private static global::System.ReadOnlySpan<byte> Base64(int index) => index switch");
        for (int i = 0; i < chunks; i++)
        {
            w.Line($"{Invariant.Int(i)} => Base64Chunk{Invariant.Int(i)},");
        }

        w.Line("_ => default,");
        w.Close(";");
    }

    /// <summary>The chunk literals that <see cref="WriteBlob"/>'s switch names (none for a blob that fits one).</summary>
    private static void WriteChunks(SourceWriter w, byte[] blob, System.Threading.CancellationToken cancellationToken)
    {
        if (blob.Length <= ChunkBytes)
        {
            return;
        }

        w.Line();
        for (int i = 0, offset = 0; offset < blob.Length; i++, offset += ChunkBytes)
        {
            // Up to thousands of chunks (MaxBlobBytes / ChunkBytes): a cancelled build stops here.
            cancellationToken.ThrowIfCancellationRequested();
            w.Line($"private static global::System.ReadOnlySpan<byte> Base64Chunk{Invariant.Int(i)} => \"{Convert.ToBase64String(blob, offset, Math.Min(ChunkBytes, blob.Length - offset))}\"u8;");
        }
    }
}
