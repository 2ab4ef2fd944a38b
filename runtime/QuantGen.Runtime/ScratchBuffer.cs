using System;

namespace QuantGen.Runtime;

/// <summary>
/// Per-thread working memory for models too large for <c>stackalloc</c>: allocated on a thread's first
/// call, then reused, so steady-state calls allocate nothing and threads never share a buffer.
/// </summary>
public static class ScratchBuffer
{
    [ThreadStatic]
    private static float[]? t_buffer;

    /// <summary>A span of at least <paramref name="length"/> floats owned by the calling thread until its next call.</summary>
    public static Span<float> Get(int length)
    {
        float[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[length];
            t_buffer = buffer;
        }

        return buffer.AsSpan(0, length);
    }
}
