using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace QuantGen.Cli.Report;

/// <summary>
/// The chart's scales. Bytes go on a log axis (1, 2, 5 times a power of ten as ticks): from 1 to 8 bits a
/// model's parameter bytes grow several-fold, and equal steps in bits are then about equal steps in x.
/// Accuracy goes on a linear axis, whole (0 to 1) or zoomed on the band where the good results crowd.
/// </summary>
public static class ChartAxes
{
    /// <summary>How far below the best accuracy the zoomed band reaches: the losses a reader weighs against bytes.</summary>
    public const double ZoomDepth = 0.06;

    /// <summary>The byte range shown: every point with a margin of a quarter on each side, on the log scale.</summary>
    public static (double Lo, double Hi) ByteRange(IEnumerable<long> bytes)
    {
        long[] all = bytes.Where(b => b > 0).ToArray();
        if (all.Length == 0)
        {
            return (100, 1000);
        }

        return (all.Min() / 1.25, all.Max() * 1.25);
    }

    /// <summary>Ticks at 1, 2 and 5 times a power of ten inside the range; on a range too narrow for three of those, at every whole step (1, 1.5, 2, 3, ... 9).</summary>
    public static IReadOnlyList<double> ByteTicks(double lo, double hi)
    {
        IReadOnlyList<double> coarse = Ticks(lo, hi, [1, 2, 5]);
        return coarse.Count >= 3 ? coarse : Ticks(lo, hi, [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    private static IReadOnlyList<double> Ticks(double lo, double hi, double[] steps)
    {
        var ticks = new List<double>();
        for (double decade = Math.Pow(10, Math.Floor(Math.Log10(lo))); decade <= hi; decade *= 10)
        {
            foreach (double step in steps)
            {
                double tick = step * decade;
                if (tick >= lo && tick <= hi)
                {
                    ticks.Add(tick);
                }
            }
        }

        return ticks;
    }

    /// <summary>12,000 as "12k", 1,500,000 as "1.5M".</summary>
    public static string BytesLabel(double bytes) => bytes switch
    {
        >= 1e6 => (bytes / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (bytes / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => bytes.ToString("0", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The zoomed accuracy band: from <see cref="ZoomDepth"/> below the best accuracy (rounded down to 0.01)
    /// to just above it (rounded up to 0.01, at most 1).
    /// </summary>
    public static (double Lo, double Hi) ZoomBand(IEnumerable<double> accuracies)
    {
        double best = accuracies.DefaultIfEmpty(1).Max();
        double hi = Math.Min(1, Math.Ceiling(Math.Round((best + 0.004) * 100, 6)) / 100);
        double lo = Math.Max(0, Math.Floor(Math.Round((best - ZoomDepth) * 100, 6)) / 100);
        return (lo, Math.Max(hi, lo + 0.01));
    }
}
