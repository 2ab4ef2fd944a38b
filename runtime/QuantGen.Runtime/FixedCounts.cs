using System;

namespace QuantGen.Runtime;

/// <summary>
/// A count fixed when a model's code is generated: a generated layer passes its row words or planes as a type argument
/// (<c>Xnor.Dense&lt;Fixed4, Fixed2&gt;</c>), so the JIT (or the AOT compiler) compiles that kernel once for that shape,
/// with constant trip counts and without the branches other shapes need. <see cref="FixedNone"/> (value 0) means "not
/// fixed": the kernel reads the count from its arguments. A kernel checks a fixed count against its arguments, so a
/// wrong type argument is an exception, never a wrong product.
/// </summary>
public interface IFixedCount
{
    /// <summary>The count, or 0 for <see cref="FixedNone"/>.</summary>
    static abstract int Value { get; }
}

/// <summary>No fixed count: the kernel reads it from its arguments.</summary>
public readonly struct FixedNone : IFixedCount
{
    /// <inheritdoc/>
    public static int Value => 0;
}

/// <summary>The count 1.</summary>
public readonly struct Fixed1 : IFixedCount
{
    /// <inheritdoc/>
    public static int Value => 1;
}

/// <summary>The count 2.</summary>
public readonly struct Fixed2 : IFixedCount
{
    /// <inheritdoc/>
    public static int Value => 2;
}

/// <summary>The count 3.</summary>
public readonly struct Fixed3 : IFixedCount
{
    /// <inheritdoc/>
    public static int Value => 3;
}

/// <summary>The count 4 (<see cref="KernelGeometry.LargestFixedCount"/>).</summary>
public readonly struct Fixed4 : IFixedCount
{
    /// <inheritdoc/>
    public static int Value => 4;
}

/// <summary>Checks a fixed count against the value the arguments give.</summary>
internal static class FixedCount
{
    /// <summary>Throws unless <typeparamref name="T"/> fixes nothing or fixes <paramref name="actual"/>, the <paramref name="what"/>
    /// that argument <paramref name="parameter"/> gives.</summary>
    public static void Check<T>(int actual, string what, string parameter)
        where T : struct, IFixedCount
    {
        if (T.Value != 0 && T.Value != actual)
        {
            throw new ArgumentException($"The kernel was compiled for {T.Value} {what}, but the arguments give {actual}.", parameter);
        }
    }
}
