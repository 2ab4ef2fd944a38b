using System;
using System.Diagnostics.CodeAnalysis;

namespace QuantGen.Runtime;

/// <summary>Size checks at kernel entry: a repacked tensor shorter than its shape needs is a generator bug, reported, never read past.</summary>
internal static class KernelChecks
{
    public static void AtLeast(int actual, long needed, string name)
    {
        if (actual < needed)
        {
            Throw(actual, needed, name);
        }
    }

    [DoesNotReturn]
    private static void Throw(int actual, long needed, string name) =>
        throw new ArgumentException($"{name} holds {actual} elements; this layer's shape needs at least {needed}.", name);
}
