using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Generator.Model;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Every kernel strategy, in order of preference. For each weight matrix of every layer kind (Dense, the
/// LSTM/GRU input and recurrent matrices, Conv2d, Embedding) the registry asks each strategy whether it
/// applies and what it would cost, and keeps the cheapest, or a smaller one nearly as cheap (<see cref="Choose"/>). The decode-a-row and
/// float strategies apply to everything they can hold, so every matrix gets a kernel.
/// </summary>
internal static class KernelRegistry
{
    public static IReadOnlyList<KernelStrategy> All { get; } = new KernelStrategy[]
    {
        new XnorStrategy(),
        new XnorRowsStrategy(),
        new Int8Strategy(nibbles: true),
        new Int8Strategy(nibbles: false),
        new Int8ConvolutionStrategy(),
        new XnorConvolutionStrategy(),
        new PlaneLutStrategy(),
        new ByteCodesStrategy(),
        new FloatStrategy(),
        new DecodeRowStrategy(),
        new LookupStrategy(),
    };

    /// <summary>
    /// The cheapest strategy that applies; but one within <see cref="CostModel.SizeTolerance"/> of it that stores
    /// fewer bytes wins instead (a quantized model should also be small, and the estimates are no finer than that).
    /// Across several tables (<see cref="CostModel.Portable"/>) "cheapest" is the least regret: each strategy's cost on
    /// each table over that table's cheapest, the larger of the two ratios (with one table, cost over the cheapest).
    /// </summary>
    public static KernelStrategy Choose(MatrixRequest m)
    {
        var candidates = new List<(KernelStrategy Strategy, double Regret, long Bytes)>();
        foreach (KernelStrategy strategy in All)
        {
            if (strategy.Applies(m))
            {
                candidates.Add((strategy, 0, BlobBuilder.Space(strategy.Layout(m))));
            }
        }

        if (candidates.Count == 0)
        {
            throw new InvalidOperationException($"no kernel strategy applies to layer {m.Layer}'s {m.Weights.CodecCase} matrix ({m.Use})");
        }

        foreach (CostModel table in m.Costs.Tables)
        {
            MatrixRequest priced = m.With(table);
            double[] costs = candidates.Select(c => Cost(c.Strategy, priced)).ToArray();
            double fastest = costs.Min();
            for (int i = 0; i < candidates.Count; i++)
            {
                candidates[i] = candidates[i] with { Regret = Math.Max(candidates[i].Regret, costs[i] / fastest) };
            }
        }

        double least = candidates.Min(c => c.Regret);
        (KernelStrategy Strategy, double Regret, long Bytes)? best = null;
        foreach (var c in candidates)
        {
            if (c.Regret <= least * m.Costs.SizeTolerance && (best is null || c.Bytes < best.Value.Bytes || (c.Bytes == best.Value.Bytes && c.Regret < best.Value.Regret)))
            {
                best = c;
            }
        }

        return best!.Value.Strategy;
    }

    /// <summary>
    /// A strategy's cost for all of the layer's products: one batched call, or one call per product plus
    /// gathering each patch and scattering its outputs.
    /// </summary>
    public static double Cost(KernelStrategy strategy, MatrixRequest m) =>
        strategy.Batches(m) ? strategy.Cost(m)
        : m.Products == 1 ? strategy.Cost(m)
        : m.Products * (strategy.Cost(m) + (m.Cols + m.Rows) * m.Costs.PatchPerValue);

    public static KernelStrategy Get(KernelKind kind)
    {
        foreach (KernelStrategy strategy in All)
        {
            if (strategy.Kind == kind)
            {
                return strategy;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(kind), kind, "no strategy for this kernel");
    }
}
