using System;

namespace QuantGen;

/// <summary>
/// What to do with a model's outputs: the best class (<see cref="ArgMax"/>), probabilities
/// (<see cref="Softmax(ReadOnlySpan{float}, Span{float})"/>) and the k best classes
/// (<see cref="TopK(ReadOnlySpan{float}, Span{int}, Span{float})"/>).
/// </summary>
/// <remarks>
/// One order serves all three, the one NumPy's <c>argmax</c> and PyTorch's <c>argmax</c> and <c>topk</c> use:
/// larger values first; NaN counts as larger than every number (so a NaN in the outputs is never hidden
/// behind a valid-looking answer); equal values (+0 and -0 included) in index order, the lower index first.
/// So <c>TopK(scores, k)[0]</c> is always <c>ArgMax(scores)</c>.
/// </remarks>
public static class Scores
{
    /// <summary>The index of the largest value: the predicted class of a classifier's logits or probabilities.</summary>
    /// <returns>The first index of the largest value; the first NaN's index when there is a NaN.</returns>
    /// <exception cref="ArgumentException">When <paramref name="scores"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        if (scores.IsEmpty)
        {
            throw new ArgumentException("There is no largest value of an empty span.", nameof(scores));
        }

        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (Better(scores, i, best))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Probabilities from logits: exp(x - max) / sum, so large logits do not overflow. <paramref name="probabilities"/>
    /// may be <paramref name="scores"/> itself (in place), but may not overlap it otherwise.
    /// </summary>
    /// <remarks>
    /// Any NaN, or +Infinity (which makes x - max NaN), gives NaN everywhere; -Infinity gives probability 0, unless
    /// every value is -Infinity, which gives NaN everywhere: there is no distribution to give.
    /// </remarks>
    /// <exception cref="ArgumentException">When the two lengths differ, or the spans overlap without being the same.</exception>
    public static void Softmax(ReadOnlySpan<float> scores, Span<float> probabilities)
    {
        if (probabilities.Length != scores.Length)
        {
            throw new ArgumentException($"{nameof(probabilities)} holds {probabilities.Length} values; it needs {scores.Length}, one per score.", nameof(probabilities));
        }

        if (scores.Overlaps(probabilities, out int offset) && offset != 0)
        {
            throw new ArgumentException($"{nameof(probabilities)} overlaps {nameof(scores)} at an offset; pass the same span (in place) or separate memory.", nameof(probabilities));
        }

        Runtime.Activations.Softmax(scores, probabilities);
    }

    /// <summary>Probabilities from logits in a new array (see <see cref="Softmax(ReadOnlySpan{float}, Span{float})"/>).</summary>
    public static float[] Softmax(ReadOnlySpan<float> scores)
    {
        var probabilities = new float[scores.Length];
        Softmax(scores, probabilities);
        return probabilities;
    }

    /// <summary>
    /// The k best scores, k being the length of <paramref name="indices"/>: their indices, best first, into
    /// <paramref name="indices"/>, and the scores themselves into <paramref name="values"/>. Allocates nothing;
    /// O(n log k) time.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="values"/> is not as long as <paramref name="indices"/>, or k is larger than the number of scores.</exception>
    public static void TopK(ReadOnlySpan<float> scores, Span<int> indices, Span<float> values)
    {
        int k = indices.Length;
        if (values.Length != k)
        {
            throw new ArgumentException($"{nameof(values)} holds {values.Length} places and {nameof(indices)} {k}; they must be as long as each other (k).", nameof(values));
        }

        if (k > scores.Length)
        {
            throw new ArgumentException($"k is {k}, but there are only {scores.Length} scores.", nameof(indices));
        }

        if (k == 0)
        {
            return;
        }

        // A heap of the k best seen so far with the worst of them on top, so a better score replaces it at log k cost.
        for (int i = 0; i < k; i++)
        {
            indices[i] = i;
        }

        for (int i = k / 2 - 1; i >= 0; i--)
        {
            SiftDown(scores, indices, i, k);
        }

        for (int i = k; i < scores.Length; i++)
        {
            if (Better(scores, i, indices[0]))
            {
                indices[0] = i;
                SiftDown(scores, indices, 0, k);
            }
        }

        // Heap sort: the worst goes to the end, then the next worst before it, leaving the best first.
        for (int end = k - 1; end > 0; end--)
        {
            (indices[0], indices[end]) = (indices[end], indices[0]);
            SiftDown(scores, indices, 0, end);
        }

        for (int i = 0; i < k; i++)
        {
            values[i] = scores[indices[i]];
        }
    }

    /// <summary>The <paramref name="k"/> best scores with their indices, best first, in a new array (see <see cref="TopK(ReadOnlySpan{float}, Span{int}, Span{float})"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="k"/> is negative.</exception>
    /// <exception cref="ArgumentException">When <paramref name="k"/> is larger than the number of scores.</exception>
    public static (int Index, float Value)[] TopK(ReadOnlySpan<float> scores, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (k > scores.Length)
        {
            throw new ArgumentException($"k is {k}, but there are only {scores.Length} scores.", nameof(k));
        }

        var indices = new int[k];
        var values = new float[k];
        TopK(scores, indices, values);
        var best = new (int, float)[k];
        for (int i = 0; i < k; i++)
        {
            best[i] = (indices[i], values[i]);
        }

        return best;
    }

    /// <summary>Restores the heap below <paramref name="node"/>: every parent is worse than its children.</summary>
    private static void SiftDown(ReadOnlySpan<float> scores, Span<int> heap, int node, int count)
    {
        while (true)
        {
            int worst = node, left = 2 * node + 1, right = left + 1;
            if (left < count && Better(scores, heap[worst], heap[left]))
            {
                worst = left;
            }

            if (right < count && Better(scores, heap[worst], heap[right]))
            {
                worst = right;
            }

            if (worst == node)
            {
                return;
            }

            (heap[node], heap[worst]) = (heap[worst], heap[node]);
            node = worst;
        }
    }

    /// <summary>Whether score <paramref name="a"/> ranks before score <paramref name="b"/>: NaN first, then larger, then the lower index.</summary>
    private static bool Better(ReadOnlySpan<float> scores, int a, int b)
    {
        float x = scores[a], y = scores[b];
        bool xNaN = float.IsNaN(x), yNaN = float.IsNaN(y);
        if (xNaN || yNaN)
        {
            return xNaN && (!yNaN || a < b);
        }

        return x != y ? x > y : a < b;
    }
}
