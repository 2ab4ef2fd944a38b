using System;

namespace QuantGen.Runtime;

/// <summary>
/// Run-time activation quantizers over whole vectors, with the semantics of quantgen.proto
/// (message ActivationQuantizer). Source and destination may be the same span. NaN never escapes as
/// a table index: each quantizer documents where NaN goes.
/// </summary>
public static class ActivationQuantizers
{
    /// <summary>
    /// 2^bits levels evenly spaced over [lo, hi]; NaN goes to lo. Branch-free over whole vectors
    /// (<see cref="VectorQuantizers"/>), the same float operations in the same order on every path.
    /// </summary>
    public static void Uniform(ReadOnlySpan<float> x, Span<float> y, int bits, float lo, float hi)
    {
        float n = (1 << bits) - 1;
        int done = VectorQuantizers.Uniform(x, y, n, lo, hi);
        float toCode = n / (hi - lo);
        float range = hi - lo;
        for (int i = done; i < x.Length; i++)
        {
            float v = x[i];
            // Comparisons with NaN are false, so NaN takes the lo branch.
            float clamped = v > lo ? (v < hi ? v : hi) : lo;
            float q = MathF.Round((clamped - lo) * toCode, MidpointRounding.ToEven);
            y[i] = lo + q * range / n;
        }
    }

    /// <summary>
    /// ONNX's affine QuantizeLinear then DequantizeLinear: q = clamp(round_half_even(x / scale) + zeroPoint, 0, 2^bits - 1),
    /// x' = (q - zeroPoint) * scale, in float32. x / scale is rounded before the zero point is added, as ONNX does
    /// (rounding x / scale + zeroPoint instead moves ties by one step when the zero point is odd); NaN goes to code 0,
    /// as clamp(x, lo, hi) sends it to lo in <see cref="Uniform"/>.
    /// </summary>
    public static void Affine(ReadOnlySpan<float> x, Span<float> y, int bits, float scale, int zeroPoint)
    {
        int n = (1 << bits) - 1;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            // The rounded quotient is clamped while still a float, so a huge or infinite x cannot overflow the int.
            float r = MathF.Round(v / scale, MidpointRounding.ToEven);
            float low = -zeroPoint, high = n - zeroPoint;
            float clamped = r > low ? (r < high ? r : high) : low;
            y[i] = clamped * scale;
        }
    }

    /// <summary>
    /// A staircase: levels[i] where i is the count of thresholds below x (thresholds strictly increase);
    /// NaN goes to levels[0]. Up to 16 levels, counted branch-free over whole vectors and looked up by
    /// permute (<see cref="VectorQuantizers"/>); larger tables by binary search.
    /// </summary>
    public static void Thresholds(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> thresholds, ReadOnlySpan<float> levels)
    {
        int done = VectorQuantizers.Thresholds(x, y, thresholds, levels);
        for (int i = done; i < x.Length; i++)
        {
            float v = x[i];
            int lo = 0, hi = thresholds.Length;
            // Invariant: thresholds[..lo] are below v, thresholds[hi..] are not.
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (v > thresholds[mid])
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            y[i] = levels[lo];
        }
    }

    /// <summary>
    /// LogQuant (weighted-entropy paper): 0, or levels[idx] = 2^((fsr + step * idx) / 16) for
    /// idx = min(levels.Length - 1, round((16 log2 x - fsr) / step)), rounding half away from zero as the
    /// official code does (CUDA's round); x &lt;= 0, NaN or idx &lt; 0 give 0.
    /// The generator bakes <paramref name="levels"/> with <see cref="LogQuantLevel"/>.
    /// </summary>
    public static void LogQuant(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> levels, int fsr, int step)
    {
        int top = levels.Length - 1;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            if (!(v > 0f))
            {
                y[i] = 0f;
                continue;
            }

            double t = Math.Round((16.0 * Math.Log2(v) - fsr) / step, MidpointRounding.AwayFromZero);
            y[i] = t < 0 ? 0f : levels[t > top ? top : (int)t];
        }
    }

    /// <summary>The LogQuant level of index <paramref name="idx"/>, computed in double and rounded once to float.</summary>
    public static float LogQuantLevel(int fsr, int step, int idx) => (float)Math.Pow(2.0, (fsr + (double)step * idx) / 16.0);

    /// <summary>
    /// Alternating multi-bit codes computed for this very vector (Xu et al. 2018), and x replaced by
    /// its reconstruction sum_j beta_j b_j. <paramref name="scratch"/> holds at least x.Length values.
    /// </summary>
    public static void OnlineMultiBinary(ReadOnlySpan<float> x, Span<float> y, int bits, int cycles, Span<float> scratch)
    {
        Span<float> clean = scratch.Slice(0, x.Length);
        VectorMath.FiniteOrZero(x, clean.Slice(0, x.Length));

        Span<float> alphas = stackalloc float[bits];
        AlternatingQuantizer.Quantize(clean, bits, cycles, alphas, y.Slice(0, x.Length), codes: default);
    }
}
