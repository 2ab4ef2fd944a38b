using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

/// <summary>
/// One vector width of the recurrent cells' element-wise arithmetic (<see cref="RecurrentCells"/>): each cell
/// is written once over this interface, and a cascade runs it at the widest accelerated width first, then at
/// narrower ones over what is left, ending with the scalar twin, as TensorPrimitives' drivers do.
/// </summary>
/// <remarks>
/// The vector sigmoid and tanh are computed in double and rounded once to float (as close to the reference's
/// double Math.Exp / Math.Tanh as the scalar MathF forms; a float tanh as 2 sigmoid(2v) - 1 was not: its
/// error near 0 flipped an online code downstream). Every width computes the same per-lane formula, so a
/// wider path gives the same bits; Vector512 does it for 16 lanes per step where System.Numerics.Vector
/// (256 bits here) did 8: the cells were a third of a 2x256 language model's alternating 2-bit step.
/// </remarks>
internal interface ICellLanes<V>
    where V : struct
{
    static abstract int Count { get; }

    static abstract V One { get; }

    static abstract V Load(ReadOnlySpan<float> source, int at);

    static abstract void Store(V value, Span<float> destination, int at);

    static abstract V Add(V a, V b);

    static abstract V Subtract(V a, V b);

    static abstract V Multiply(V a, V b);

    static abstract V Sigmoid(V x);

    static abstract V Tanh(V x);
}

internal readonly struct CellLanes512 : ICellLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> One => Vector512<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ReadOnlySpan<float> source, int at) => Vector512.Create(source.Slice(at, Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, Span<float> destination, int at) => value.CopyTo(destination.Slice(at, Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        (Vector512<double> low, Vector512<double> high) = Vector512.Widen(x);
        return Vector512.Narrow(Vector512<double>.One / (Vector512<double>.One + Vector512.Exp(-low)), Vector512<double>.One / (Vector512<double>.One + Vector512.Exp(-high)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        (Vector512<double> low, Vector512<double> high) = Vector512.Widen(x);
        return Vector512.Narrow(Tanh(low), Tanh(high));
    }

    /// <summary>1 - 2 / (e^2v + 1): exact limits +-1 for large |v| (e^2v overflows to infinity or underflows to 0).</summary>
    private static Vector512<double> Tanh(Vector512<double> v) => Vector512<double>.One - Vector512.Create(2.0) / (Vector512.Exp(v + v) + Vector512<double>.One);
}

internal readonly struct CellLanes256 : ICellLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> One => Vector256<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ReadOnlySpan<float> source, int at) => Vector256.Create(source.Slice(at, Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, Span<float> destination, int at) => value.CopyTo(destination.Slice(at, Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        (Vector256<double> low, Vector256<double> high) = Vector256.Widen(x);
        return Vector256.Narrow(Vector256<double>.One / (Vector256<double>.One + Vector256.Exp(-low)), Vector256<double>.One / (Vector256<double>.One + Vector256.Exp(-high)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        (Vector256<double> low, Vector256<double> high) = Vector256.Widen(x);
        return Vector256.Narrow(Tanh(low), Tanh(high));
    }

    /// <summary>1 - 2 / (e^2v + 1), as <see cref="CellLanes512"/>.</summary>
    private static Vector256<double> Tanh(Vector256<double> v) => Vector256<double>.One - Vector256.Create(2.0) / (Vector256.Exp(v + v) + Vector256<double>.One);
}

internal readonly struct CellLanes128 : ICellLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> One => Vector128<float>.One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ReadOnlySpan<float> source, int at) => Vector128.Create(source.Slice(at, Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, Span<float> destination, int at) => value.CopyTo(destination.Slice(at, Count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        (Vector128<double> low, Vector128<double> high) = Vector128.Widen(x);
        return Vector128.Narrow(Vector128<double>.One / (Vector128<double>.One + Vector128.Exp(-low)), Vector128<double>.One / (Vector128<double>.One + Vector128.Exp(-high)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        (Vector128<double> low, Vector128<double> high) = Vector128.Widen(x);
        return Vector128.Narrow(Tanh(low), Tanh(high));
    }

    /// <summary>1 - 2 / (e^2v + 1), as <see cref="CellLanes512"/>.</summary>
    private static Vector128<double> Tanh(Vector128<double> v) => Vector128<double>.One - Vector128.Create(2.0) / (Vector128.Exp(v + v) + Vector128<double>.One);
}

/// <summary>The scalar twin: the last lanes of a cell whose size is not a multiple of the narrowest vector, in float (MathF).</summary>
internal readonly struct CellLanes1 : ICellLanes<float>
{
    public static int Count => 1;

    public static float One => 1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ReadOnlySpan<float> source, int at) => source[at];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, Span<float> destination, int at) => destination[at] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float a, float b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);
}
