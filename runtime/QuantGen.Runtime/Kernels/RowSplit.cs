using System;
using System.Threading.Tasks;

namespace QuantGen.Runtime;

/// <summary>
/// Splits one matrix product's rows across threads: the opt-in of <c>[QuantModel(path, Threads = N)]</c> for
/// layers large enough to pay for it. Each part computes a contiguous range of rows with the same kernel and
/// the same arithmetic per row as one thread would, so the results are identical to the single-threaded call.
/// </summary>
/// <remarks>
/// The input and output cross threads through this thread's own arrays (a span cannot), and each part's
/// kernel scratch is its worker's own, apart from <see cref="ScratchBuffer"/> (which holds the calling model's
/// working memory). After a thread's first call nothing is allocated but the parts' closure and what
/// <see cref="Parallel"/> itself allocates; a model without the option never comes here.
/// </remarks>
public static class RowSplit
{
    /// <summary>Rows of every part but the last are a multiple of this.</summary>
    public const int Alignment = KernelGeometry.SplitAlignment;

    /// <summary>The parts a product of <paramref name="rows"/> rows is split into on <paramref name="threads"/> threads.</summary>
    public static int Parts(int rows, int threads) => KernelGeometry.SplitParts(rows, threads);

    /// <summary>The first row of part <paramref name="part"/> of <paramref name="parts"/> (part == parts gives rows).</summary>
    public static int First(int rows, int parts, int part) => KernelGeometry.SplitFirst(rows, parts, part);

    /// <summary>Computes rows [<paramref name="first"/>, <paramref name="first"/> + y.Length) of the product into y.</summary>
    public delegate void Rows(ReadOnlySpan<float> x, Span<float> y, int first, Span<float> scratch);

    [ThreadStatic]
    private static float[]? t_input;

    [ThreadStatic]
    private static float[]? t_output;

    [ThreadStatic]
    private static float[]? t_scratch;

    /// <summary>
    /// y = the product, its rows computed by <paramref name="rows"/> in up to <paramref name="threads"/> parts at once;
    /// each call gets <paramref name="scratchFloats"/> floats of scratch of its own.
    /// </summary>
    public static void Run(ReadOnlySpan<float> x, Span<float> y, int threads, int scratchFloats, Rows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int parts = KernelGeometry.SplitParts(y.Length, threads);
        if (parts == 1)
        {
            rows(x, y, 0, Own(ref t_scratch, scratchFloats));
            return;
        }

        x.CopyTo(Own(ref t_input, x.Length));
        Own(ref t_output, y.Length);
        float[] input = t_input!, output = t_output!;
        int count = y.Length, length = x.Length;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            int first = KernelGeometry.SplitFirst(count, parts, part);
            int end = KernelGeometry.SplitFirst(count, parts, part + 1);
            rows(input.AsSpan(0, length), output.AsSpan(first, end - first), first, Own(ref t_scratch, scratchFloats));
        });
        output.AsSpan(0, count).CopyTo(y);
    }

    /// <summary>This thread's array of at least <paramref name="length"/> floats.</summary>
    private static Span<float> Own(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[Math.Max(length, 1)];
        }

        return buffer.AsSpan(0, length);
    }
}
