using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// One vector width of float lanes, as the loops of the float kernels use it: a loop is written once,
/// generic over an implementation of this interface (a struct, so the JIT compiles one specialised copy
/// per width and inlines every member), and a cascade picks the width, as TensorPrimitives' drivers do.
/// </summary>
/// <typeparam name="V">The vector type: Vector512/256/128 of float, or float itself for the scalar twin.</typeparam>
internal interface IFloatLanes<V>
    where V : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract V Zero { get; }

    static abstract V Load(ref float source, nuint at);

    static abstract void Store(V value, ref float destination, nuint at);

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract V Splat(float value);

    /// <summary>acc + a * b: fused where the machine has FMA (the JIT folds the check), else a multiply and an add.</summary>
    static abstract V MultiplyAdd(V a, V b, V acc);

    static abstract V Add(V a, V b);

    /// <summary>Lanes at or past <c>Count - tail</c> all ones, the others zero: the new lanes of a last vector read from the end.</summary>
    static abstract V TailMask(int tail);

    static abstract V And(V a, V mask);

    /// <summary>
    /// The sums of four vectors' lanes in one Vector128 (a tree of pairwise adds: a horizontal sum per vector costs
    /// more than a small row's multiply-adds). Each total's order of additions depends only on its own vector, so a
    /// kernel that reduces (row, input) accumulators in other groupings of four gets the same totals bit for bit.
    /// </summary>
    static abstract Vector128<float> Sum4(V a, V b, V c, V d);
}

/// <summary>The pairwise-add trees of <see cref="IFloatLanes{V}.Sum4"/>, shared by the widths: a vector's total is
/// ((l0 + l1) + (l2 + l3)) for 4 lanes, the two halves' totals added for 8, lane i + lane i + 8 first for 16.</summary>
internal static class FloatTrees
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a, b), AdvSimd.Arm64.AddPairwise(c, d));
        }

        return Vector128.Create(Tree(a), Tree(b), Tree(c), Tree(d));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
            return h.GetLower() + h.GetUpper();
        }

        return Sum4(a.GetLower(), b.GetLower(), c.GetLower(), d.GetLower()) + Sum4(a.GetUpper(), b.GetUpper(), c.GetUpper(), d.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());

    private static float Tree(Vector128<float> v) => (v.GetElement(0) + v.GetElement(1)) + (v.GetElement(2) + v.GetElement(3));
}

internal readonly struct FloatLanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint at) => Vector512.LoadUnsafe(ref source, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Splat(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> acc) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, acc) : (a * b) + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TailMask(int tail) =>
        Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(Count - tail)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> a, Vector512<float> mask) => a & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) => FloatTrees.Sum4(a, b, c, d);
}

internal readonly struct FloatLanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint at) => Vector256.LoadUnsafe(ref source, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Splat(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc) : (a * b) + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TailMask(int tail) =>
        Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(Count - tail)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> a, Vector256<float> mask) => a & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d) => FloatTrees.Sum4(a, b, c, d);
}

internal readonly struct FloatLanes128 : IFloatLanes<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint at) => Vector128.LoadUnsafe(ref source, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Splat(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, acc)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(acc, a, b) // ARM64 FMLA: this width is its widest
        : (a * b) + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TailMask(int tail) =>
        Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(Count - tail)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> a, Vector128<float> mask) => a & mask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d) => FloatTrees.Sum4(a, b, c, d);
}

/// <summary>The scalar twin: one float per "vector", so no tail ever needs a mask.</summary>
internal readonly struct FloatLanes1 : IFloatLanes<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source, nuint at) => Unsafe.Add(ref source, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, nuint at) => Unsafe.Add(ref destination, at) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Splat(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float acc) => (a * b) + acc;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    public static float TailMask(int tail) => 0f;

    public static float And(float a, float mask) => a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(float a, float b, float c, float d) => Vector128.Create(a, b, c, d);
}
