using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Strategies;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>One weight matrix's parameter bytes and the kernel the generator picks for it.</summary>
/// <param name="Part">"" for a layer's only matrix, "Input" or "Recurrent" for an LSTM's or GRU's two.</param>
/// <param name="Bytes">Bytes of its tensors as the generated class stores them (repacked for the kernel, bias included).</param>
public sealed record MatrixBytes(int Layer, string Part, string Kernel, long Bytes);

/// <summary>
/// The parameter bytes of a validated description, matrix by matrix, as the generator lays them out: the one
/// computation behind the generated class's WeightBytes, its header table and <c>quantgen inspect</c>.
/// </summary>
public static class ParameterBytes
{
    /// <param name="target">The instruction set the build plans for (the MSBuild property QuantGenTarget): it can change
    /// which kernel, and so which layout, a matrix gets.</param>
    public static IReadOnlyList<MatrixBytes> Of(QuantGen.Schema.Model model, Model.CpuTarget target = Model.CpuTarget.Portable) =>
        Planner.Layouts(model, CostModel.For(target)).Select(l => new MatrixBytes(l.Request.Layer, l.Request.Part, l.Strategy.Kind.ToString(), l.Tensors.Sum(t => t.ByteLength))).ToArray();

    /// <summary>The total: what WeightBytes returns.</summary>
    public static long Total(QuantGen.Schema.Model model, Model.CpuTarget target = Model.CpuTarget.Portable) => Of(model, target).Sum(m => m.Bytes);
}
