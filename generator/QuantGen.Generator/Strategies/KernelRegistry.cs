using System;
using System.Collections.Generic;
using QuantGen.Generator.Model;

namespace QuantGen.Generator.Strategies;

/// <summary>
/// Every kernel strategy, in order of preference. For each weight matrix of every layer kind (Dense, the
/// LSTM/GRU input and recurrent matrices, Conv2d, Embedding) the registry asks each strategy whether it
/// applies and what it would cost, and keeps the cheapest (the earlier on a tie). The decode-a-row and
/// float strategies apply to everything they can hold, so every matrix gets a kernel.
/// </summary>
internal static class KernelRegistry
{
    public static IReadOnlyList<KernelStrategy> All { get; } = new KernelStrategy[]
    {
        new XnorStrategy(),
        new Int8Strategy(),
        new PlaneLutStrategy(),
        new ByteCodesStrategy(),
        new FloatStrategy(),
        new DecodeRowStrategy(),
        new LookupStrategy(),
    };

    public static KernelStrategy Choose(MatrixRequest m)
    {
        KernelStrategy? best = null;
        double bestCost = double.MaxValue;
        foreach (KernelStrategy strategy in All)
        {
            if (strategy.Applies(m))
            {
                double cost = Cost(strategy, m);
                if (cost < bestCost)
                {
                    (best, bestCost) = (strategy, cost);
                }
            }
        }

        return best ?? throw new InvalidOperationException($"no kernel strategy applies to layer {m.Layer}'s {m.Weights.CodecCase} matrix ({m.Use})");
    }

    /// <summary>
    /// A strategy's cost for all of the layer's products: one batched call, or one call per product plus
    /// gathering each patch and scattering its outputs.
    /// </summary>
    public static double Cost(KernelStrategy strategy, MatrixRequest m) =>
        strategy.Batches(m) ? strategy.Cost(m)
        : m.Products == 1 ? strategy.Cost(m)
        : m.Products * (strategy.Cost(m) + (m.Cols + m.Rows) * CostModel.PatchPerValue);

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
