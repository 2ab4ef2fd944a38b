using System.Collections.Generic;
using QuantGen.Generator.Model;
using QuantGen.Runtime;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// One way to compute a weight matrix: when it applies, which tensors it stores and how it repacks them,
/// its scratch, its cost, the call it emits and the reason shown in the generated comment. The registry
/// (<see cref="KernelRegistry"/>) asks every strategy and keeps the cheapest that applies; a new kernel is
/// its runtime file plus one strategy file here (docs/kernels.md, "Adding a kernel").
/// </summary>
internal abstract class KernelStrategy
{
    public abstract KernelKind Kind { get; }

    /// <summary>The kernel codes the matrix's input itself (from the unquantized vector), so no quantizer runs before it.</summary>
    public virtual bool FusesInput => false;

    public abstract bool Applies(MatrixRequest m);

    /// <summary>
    /// Estimated nanoseconds per product on the machine the cost model was calibrated on (<see cref="CostModel"/>);
    /// for a strategy that <see cref="Batches"/>, per call (all of the layer's products at once).
    /// </summary>
    public abstract double Cost(MatrixRequest m);

    /// <summary>
    /// The kernel computes all of a convolution's positions in one call (<see cref="CallMany"/>), reusing
    /// each weight across them, with no patch gathered per position.
    /// </summary>
    public virtual bool Batches(MatrixRequest m) => false;

    /// <summary>The batched call: the whole input map <paramref name="x"/> swept by <paramref name="window"/> -> <paramref name="y"/>[out channel, position].</summary>
    public virtual string CallMany(MatrixPlan m, string x, string window, string y, string bias, string scratch) =>
        throw new System.NotSupportedException(Kind + " does not batch");

    /// <summary>The tensors, in blob order (the bias, when there is one, follows them), with their sizes.</summary>
    public abstract IReadOnlyList<TensorShape> Layout(MatrixRequest m);

    /// <summary>The same tensors' bytes, little-endian, made once; the order and lengths of <see cref="Layout"/>.</summary>
    public abstract IReadOnlyList<byte[]> Pack(MatrixRequest m);

    /// <summary>Floats of kernel scratch one product needs; for a strategy that <see cref="Batches"/>, the batched call's.</summary>
    public abstract int ScratchFloats(MatrixRequest m);

    /// <summary>{0, 1} planes the kernel reads (table kernel only).</summary>
    public virtual int Planes(MatrixRequest m) => 0;

    /// <summary>Why this kernel, with the bounds it relies on (read from <paramref name="packed"/>, what <see cref="Pack"/> made): the generated comment.</summary>
    public abstract string Reason(MatrixRequest m, IReadOnlyList<byte[]> packed);

    /// <summary>
    /// The emitted call: y = W x + b from <paramref name="x"/> (the quantized input, or the raw one when the
    /// kernel fuses its quantizer) into <paramref name="y"/>; <paramref name="bias"/> is a span expression or "default".
    /// For a lookup, <paramref name="x"/> is the token expression.
    /// </summary>
    public abstract string Call(MatrixPlan m, string x, string y, string bias, string scratch);

    /// <summary>A per-row tensor's rows [first, first + y.Length), or default when the matrix has none.</summary>
    protected static string RowSlice(bool present, string tensor, string first, string y) =>
        present ? $"{tensor}.Slice({first}, {y}.Length)" : "default";

    /// <summary>Whether <see cref="CallRows"/> can compute a range of the rows (so the rows can be split across threads).</summary>
    public virtual bool SplitsRows => false;

    /// <summary>
    /// The call that computes rows [<paramref name="first"/>, <paramref name="first"/> + y.Length) of the product into
    /// <paramref name="y"/>: the same arithmetic per row as <see cref="Call"/>, over the rows' slice of every tensor.
    /// </summary>
    public virtual string CallRows(MatrixPlan m, string x, string y, string first, string scratch) =>
        throw new System.NotSupportedException($"{Kind} does not split rows");

    /// <summary>
    /// The call that computes the product for <paramref name="count"/> inputs stored one after another in
    /// <paramref name="x"/> (outputs likewise in <paramref name="y"/>), each weight load shared by several inputs, and
    /// equal per input to <see cref="Call"/> bit for bit; <paramref name="scratch"/> is the tile's working memory
    /// (<see cref="ManyScratchFloats"/>). Only strategies the planner lets take a batch's tile implement it.
    /// </summary>
    public virtual string CallMany(MatrixPlan m, string x, string y, string count, string scratch) =>
        throw new System.NotSupportedException($"{Kind} takes no batch");

    /// <summary>Floats of the tile's working memory <see cref="CallMany"/> needs for <paramref name="tile"/> inputs.</summary>
    public virtual int ManyScratchFloats(MatrixPlan m, int tile) => 0;

    protected const string Runtime = "global::QuantGen.Runtime";

    /// <summary>
    /// The type arguments that compile a kernel for one layer's counts (runtime FixedCounts.cs): <c>Fixed1</c> ..
    /// <c>Fixed4</c> for the counts up to <see cref="KernelGeometry.LargestFixedCount"/>, <c>FixedNone</c> for the others;
    /// empty when none is fixed (the plain call). The kernel checks each against its arguments.
    /// </summary>
    protected static string FixedCounts(params int[] counts)
    {
        bool any = false;
        var names = new string[counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            bool fixes = counts[i] >= 1 && counts[i] <= KernelGeometry.LargestFixedCount;
            any |= fixes;
            names[i] = fixes ? $"{Runtime}.Fixed{counts[i]}" : $"{Runtime}.FixedNone";
        }

        return any ? "<" + string.Join(", ", names) + ">" : "";
    }
}
