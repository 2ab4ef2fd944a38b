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
/// The lanes give the primitives (exp, division, a select); sigmoid and tanh are written once over them in
/// <see cref="CellMath"/>, so every width computes the same per-lane formula and the vector widths give the same
/// bits (the scalar twin's MathF.Exp may differ from the vector exp in the last bit). Vector512 runs 16 lanes per
/// step where System.Numerics.Vector (256 bits here) ran 8.
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

    /// <summary>a * b + c rounded once (FMA): the polynomials take half the instructions and fewer registers, which
    /// AVX2's 16 run short of (every width, the scalar twin too, rounds the same way).</summary>
    static abstract V MultiplyAdd(V a, V b, V c);

    static abstract V Divide(V a, V b);

    static abstract V Create(float value);

    /// <summary>e^x: the vector widths compute <see cref="CellMath.Exp{L, V}"/> from the primitives below, the scalar twin MathF.Exp.</summary>
    static abstract V Exp(V x);

    /// <summary>x rounded to the nearest integer (ties to even).</summary>
    static abstract V Round(V x);

    /// <summary>value * 2^n for integral n in [-160, 130] (in two steps, so that neither factor leaves the normal range).
    /// n is converted with the machine's conversion (no saturation fix-up: n is integral and in range, and for a NaN n
    /// the value is NaN too).</summary>
    static abstract V ScaleByPowerOfTwo(V value, V n);

    /// <summary>x limited to [lo, hi]; NaN stays NaN (by comparisons, which do not depend on the order in which the JIT
    /// places a min or max instruction's operands, as maxps's choice for NaN does).</summary>
    static abstract V Clamp(V x, V lo, V hi);

    static abstract V Abs(V x);

    /// <summary>|magnitude| with the sign of <paramref name="sign"/>.</summary>
    static abstract V CopySign(V magnitude, V sign);

    /// <summary>a where a &lt; limit, else b.</summary>
    static abstract V SelectBelow(V a, V limit, V ifBelow, V otherwise);
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
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x) => CellMath.Exp<CellLanes512, Vector512<float>>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ScaleByPowerOfTwo(Vector512<float> value, Vector512<float> n)
    {
        Vector512<int> whole = Vector512.ConvertToInt32Native(n);
        Vector512<int> half = whole >> 1;
        Vector512<float> first = ((half + Vector512.Create(127)) << 23).AsSingle();
        Vector512<float> second = ((whole - half + Vector512.Create(127)) << 23).AsSingle();
        return value * first * second;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> x, Vector512<float> lo, Vector512<float> hi) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, hi), hi, Vector512.ConditionalSelect(Vector512.LessThan(x, lo), lo, x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> CopySign(Vector512<float> magnitude, Vector512<float> sign) => Vector512.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectBelow(Vector512<float> a, Vector512<float> limit, Vector512<float> ifBelow, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.LessThan(a, limit), ifBelow, otherwise);
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
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => CellMath.Exp<CellLanes256, Vector256<float>>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleByPowerOfTwo(Vector256<float> value, Vector256<float> n)
    {
        Vector256<int> whole = Vector256.ConvertToInt32Native(n);
        Vector256<int> half = whole >> 1;
        Vector256<float> first = ((half + Vector256.Create(127)) << 23).AsSingle();
        Vector256<float> second = ((whole - half + Vector256.Create(127)) << 23).AsSingle();
        return value * first * second;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> x, Vector256<float> lo, Vector256<float> hi) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, hi), hi, Vector256.ConditionalSelect(Vector256.LessThan(x, lo), lo, x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> CopySign(Vector256<float> magnitude, Vector256<float> sign) => Vector256.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectBelow(Vector256<float> a, Vector256<float> limit, Vector256<float> ifBelow, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.LessThan(a, limit), ifBelow, otherwise);
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
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x) => CellMath.Exp<CellLanes128, Vector128<float>>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Round(Vector128<float> x) => Vector128.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ScaleByPowerOfTwo(Vector128<float> value, Vector128<float> n)
    {
        Vector128<int> whole = Vector128.ConvertToInt32Native(n);
        Vector128<int> half = whole >> 1;
        Vector128<float> first = ((half + Vector128.Create(127)) << 23).AsSingle();
        Vector128<float> second = ((whole - half + Vector128.Create(127)) << 23).AsSingle();
        return value * first * second;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> x, Vector128<float> lo, Vector128<float> hi) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(x, hi), hi, Vector128.ConditionalSelect(Vector128.LessThan(x, lo), lo, x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Abs(Vector128<float> x) => Vector128.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> CopySign(Vector128<float> magnitude, Vector128<float> sign) => Vector128.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SelectBelow(Vector128<float> a, Vector128<float> limit, Vector128<float> ifBelow, Vector128<float> otherwise) =>
        Vector128.ConditionalSelect(Vector128.LessThan(a, limit), ifBelow, otherwise);
}

/// <summary>The scalar twin: the last lanes of a cell whose size is not a multiple of the narrowest vector (MathF.Exp).</summary>
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
    public static float MultiplyAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float a, float b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Create(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => MathF.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float x) => MathF.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScaleByPowerOfTwo(float value, float n) => MathF.ScaleB(value, (int)n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp(float x, float lo, float hi) => x > hi ? hi : x < lo ? lo : x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Abs(float x) => MathF.Abs(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float CopySign(float magnitude, float sign) => MathF.CopySign(magnitude, sign);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SelectBelow(float a, float limit, float ifBelow, float otherwise) => a < limit ? ifBelow : otherwise;
}
