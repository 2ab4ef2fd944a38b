using System;
using QuantGen.Schema;

namespace QuantGen.Quantizer.Methods;

/// <summary>
/// Weighted-entropy weights (Park et al., "Weighted-Entropy-based Quantization for Deep Neural
/// Networks", CVPR 2017, Algorithm 1; official code EunhyeokPark/caffe-WQ, eh_functions.cu). The
/// importance of a weight is w^2. All importances of the tensor are sorted and cut into 2^(k-1)
/// magnitude clusters, at first of equal counts; each cluster stands for the mirrored pair of levels
/// +-r_i, r_i = sqrt(mean w^2 of the cluster). The weighted entropy, with P_i the cluster's share of
/// weights and I_i its mean importance (P_i / 2 per sign, as the official code counts),
/// S = -sum_i I_i P_i log(P_i / 2), is raised one boundary at a time: the official code's binary search
/// between the neighbouring boundaries proposes a position and, as in Algorithm 1, the move is kept only
/// if S rises; passes repeat while S rises. A weight of magnitude |w| takes the last cluster whose first
/// magnitude b_i is &lt;= |w|, and the sign of w (w = 0 counts as positive, as the official kernel does).
/// Levels codec, table -r_last .. -r_0, r_0 .. r_last; per tensor, like the official code.
/// Unlike the official code a cluster is never emptied (an empty one has no representative).
/// </summary>
public sealed class WeightedEntropyWeights(int bits) : IWeightQuantizer
{
    public Weights Quantize(WeightTensor t)
    {
        Clustering clusters = Cluster(t.Values, bits);
        int half = clusters.Representatives.Length;
        var levels = new float[2 * half];
        for (int i = 0; i < half; i++)
        {
            levels[half + i] = clusters.Representatives[i];
            levels[half - 1 - i] = -clusters.Representatives[i];
        }

        var indices = new int[t.Values.Length];
        for (int n = 0; n < indices.Length; n++)
        {
            float w = t.Values[n];
            int j = clusters.ClusterOf(Math.Abs(w));
            indices[n] = w >= 0f ? half + j : half - 1 - j;
        }

        return Codecs.Levels(bits, levels, indices);
    }

    /// <summary>The clusters of a tensor's magnitudes and the weighted entropy before and after the search.</summary>
    /// <param name="Representatives">r_i, one per magnitude cluster, non-decreasing.</param>
    /// <param name="Boundaries">b_i: the smallest magnitude of cluster i (b_0 = 0).</param>
    public sealed record Clustering(float[] Representatives, float[] Boundaries, double InitialEntropy, double FinalEntropy)
    {
        public int ClusterOf(float magnitude)
        {
            int j = 0;
            for (int i = 1; i < Boundaries.Length; i++)
            {
                if (magnitude >= Boundaries[i])
                {
                    j = i;
                }
            }

            return j;
        }
    }

    public static Clustering Cluster(ReadOnlySpan<float> w, int bits)
    {
        int n = w.Length;
        int half = 1 << (bits - 1);
        var importance = new double[n];
        for (int i = 0; i < n; i++)
        {
            importance[i] = (double)w[i] * w[i];
        }

        Array.Sort(importance);
        var prefix = new double[n + 1];
        for (int i = 0; i < n; i++)
        {
            prefix[i + 1] = prefix[i] + importance[i];
        }

        // end[i]: one past the last sorted index of cluster i; cluster i starts at end[i - 1] (0 for i = 0).
        // With fewer weights than clusters the top clusters share the last weight's position.
        var end = new int[half];
        for (int i = 0; i < half; i++)
        {
            end[i] = (int)((long)n * (i + 1) / half);
        }

        var entropy = new Entropy(prefix, end, n);
        double initial = entropy.Total();
        double current = initial;
        while (true)
        {
            double before = current;
            for (int b = 0; b + 1 < half; b++)
            {
                SearchBoundary(entropy, b);
            }

            current = entropy.Total();
            if (!(current > before))
            {
                break;
            }
        }

        var representatives = new float[half];
        var boundaries = new float[half];
        for (int i = 0; i < half; i++)
        {
            int start = i == 0 ? 0 : end[i - 1];
            int count = end[i] - start;
            representatives[i] = count == 0 ? (i == 0 ? 0f : representatives[i - 1]) : (float)Math.Sqrt((prefix[end[i]] - prefix[start]) / count);
            boundaries[i] = i == 0 ? 0f : start < n ? (float)Math.Sqrt(importance[start]) : float.PositiveInfinity;
        }

        return new Clustering(representatives, boundaries, initial, current);
    }

    /// <summary>
    /// Moves boundary b (the end of cluster b) within its neighbours so neither cluster empties: the
    /// official binary search compares the pair's entropy at a midpoint and one past it and keeps the
    /// better half; its result replaces the boundary only if it raises the pair's entropy.
    /// </summary>
    private static void SearchBoundary(Entropy entropy, int b)
    {
        int[] end = entropy.End;
        int lo = (b == 0 ? 0 : end[b - 1]) + 1;
        int hi = end[b + 1] - 1;
        if (lo > hi)
        {
            return;
        }

        int original = end[b];
        double best = entropy.Pair(b);
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            end[b] = mid;
            double atMid = entropy.Pair(b);
            end[b] = mid + 1;
            double afterMid = entropy.Pair(b);
            if (atMid > afterMid)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        end[b] = lo;
        double atLo = entropy.Pair(b);
        end[b] = hi;
        double atHi = entropy.Pair(b);
        (int candidate, double value) = atLo > atHi ? (lo, atLo) : (hi, atHi);
        end[b] = value > best ? candidate : original;
    }

    /// <summary>S = -sum_i (sum of importances in cluster i / N) log(count_i / N / 2), over the current boundaries.</summary>
    private sealed class Entropy(double[] prefix, int[] end, int n)
    {
        public int[] End => end;

        public double Total()
        {
            double s = 0;
            for (int i = 0; i < end.Length; i++)
            {
                s += Term(i);
            }

            return s;
        }

        /// <summary>The two terms boundary b changes.</summary>
        public double Pair(int b) => Term(b) + Term(b + 1);

        private double Term(int i)
        {
            int start = i == 0 ? 0 : end[i - 1];
            int count = end[i] - start;
            if (count <= 0)
            {
                return 0;
            }

            double p = (double)count / n;
            return -(prefix[end[i]] - prefix[start]) / n * Math.Log(p / 2);
        }
    }
}
