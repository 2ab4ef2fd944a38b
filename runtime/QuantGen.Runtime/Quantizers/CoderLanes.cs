using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// One vector width as the alternating quantizer's fused passes use it (AlternatingQuantizer.Fused.cs): float lanes
/// of values, int lanes of codes and counts, the codes' bytes in memory, and lookups in a table of at most 16 sorted
/// sums. The passes are written once over this interface and compiled once per width (a struct, so every member
/// inlines). x64 only: on ARM64 the reference's passes have their own 128-bit bodies (AlternatingQuantizer.Arm64.cs).
/// </summary>
/// <typeparam name="VF">The float vector.</typeparam>
/// <typeparam name="VI">The int vector of the same width.</typeparam>
internal interface ICoderLanes<VF, VI>
    where VF : struct
    where VI : struct
{
    /// <summary>Values per vector.</summary>
    static abstract int Count { get; }

    static abstract VF Load(ref float source, nuint at);

    static abstract void Store(VF value, ref float destination, nuint at);

    static abstract VF Splat(float value);

    static abstract VI Splat(int value);

    static abstract VF Add(VF a, VF b);

    static abstract VF Subtract(VF a, VF b);

    static abstract VF Abs(VF value);

    /// <summary>All ones where <paramref name="value"/> >= 0 (-0 included; NaN not).</summary>
    static abstract VI AtLeastZero(VF value);

    /// <summary><paramref name="counter"/> + 1 in the lanes where <paramref name="threshold"/> &lt;= <paramref name="value"/>.</summary>
    static abstract VI CountAtOrAbove(VI counter, VF value, float threshold);

    /// <summary>All ones where value >= threshold (the compare <see cref="CountAtOrAbove"/> counts).</summary>
    static abstract VI AtOrAbove(VF value, VF threshold);

    static abstract VF Min(VF a, VF b);

    static abstract VF Max(VF a, VF b);

    /// <summary>The smallest lane (no NaN).</summary>
    static abstract float Smallest(VF lanes);

    /// <summary>The largest lane (no NaN).</summary>
    static abstract float Largest(VF lanes);

    /// <summary><paramref name="ones"/> where <paramref name="mask"/> is all ones, else <paramref name="zeros"/>.</summary>
    static abstract VF Select(VI mask, VF ones, VF zeros);

    /// <summary><paramref name="value"/> where <paramref name="mask"/> is all ones, +0 elsewhere.</summary>
    static abstract VF Keep(VF value, VI mask);

    /// <summary>The sum of the lanes in double.</summary>
    static abstract double Total(VF lanes);

    static abstract VI Add(VI a, VI b);

    static abstract VI Subtract(VI a, VI b);

    static abstract VI And(VI a, VI b);

    static abstract VI Or(VI a, VI b);

    static abstract VI Xor(VI a, VI b);

    /// <summary>All ones where bit <paramref name="bit"/> of <paramref name="codes"/> is set.</summary>
    static abstract VI BitMask(VI codes, int bit);

    static abstract int Sum(VI lanes);

    static abstract bool AnySet(VI lanes);

    /// <summary>All ones in the lanes below <paramref name="count"/>.</summary>
    static abstract VI FirstLanes(int count);

    /// <summary><see cref="Count"/> code bytes, widened to int lanes.</summary>
    static abstract VI LoadCodes(ref byte source, nuint at);

    /// <summary>Int lanes of codes (0 to 255) stored as <see cref="Count"/> bytes.</summary>
    static abstract void StoreCodes(VI codes, ref byte destination, nuint at);

    /// <summary>The table of the first 8 (2 or 3 bits: no more are read) of the sorted sums or codes.</summary>
    static abstract CoderTable<VF> Table(Vector256<float> first8);

    static abstract CoderTable<VI> Table(Vector256<int> first8);

    /// <summary>The table of 16 sorted sums.</summary>
    static abstract CoderTable<VF> Table(ReadOnlySpan<float> sums16);

    /// <summary>The table of 16 codes, from their bytes.</summary>
    static abstract CoderTable<VI> Table(ReadOnlySpan<byte> codes16);

    /// <summary>table[index] in each lane; indices below 2^<paramref name="bits"/>.</summary>
    static abstract VF Lookup(in CoderTable<VF> table, VI index, int bits);

    static abstract VI Lookup(in CoderTable<VI> table, VI index, int bits);
}

/// <summary>A table of at most 16 lanes in one vector (<see cref="Low"/>) or, on a narrower width, two.</summary>
internal readonly struct CoderTable<V>(V low, V high)
    where V : struct
{
    public V Low { get; } = low;

    public V High { get; } = high;
}

/// <summary>AVX-512: 16 lanes, one permute per lookup, truncating narrows for the code bytes, counts as masked adds.</summary>
internal readonly struct Coder512 : ICoderLanes<Vector512<float>, Vector512<int>>
{
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    public static int Count => Vector512<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint at) => Vector512.LoadUnsafe(ref source, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Splat(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Splat(int value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> value) => Vector512.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> AtLeastZero(Vector512<float> value) => Vector512.GreaterThanOrEqual(value, Vector512<float>.Zero).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> CountAtOrAbove(Vector512<int> counter, Vector512<float> value, float threshold) =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Create(threshold), value).AsInt32(), counter + Vector512<int>.One, counter);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> AtOrAbove(Vector512<float> value, Vector512<float> threshold) => Vector512.LessThanOrEqual(threshold, value).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Smallest(Vector512<float> lanes) => Coder256.Smallest(Vector256.MinNative(lanes.GetLower(), lanes.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Largest(Vector512<float> lanes) => Coder256.Largest(Vector256.MaxNative(lanes.GetLower(), lanes.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<int> mask, Vector512<float> ones, Vector512<float> zeros) => Vector512.ConditionalSelect(mask.AsSingle(), ones, zeros);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Keep(Vector512<float> value, Vector512<int> mask) => (value.AsInt32() & mask).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Total(Vector512<float> lanes)
    {
        (Vector512<double> low, Vector512<double> high) = Vector512.Widen(lanes);
        return Vector512.Sum(low + high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Add(Vector512<int> a, Vector512<int> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Subtract(Vector512<int> a, Vector512<int> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> And(Vector512<int> a, Vector512<int> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Or(Vector512<int> a, Vector512<int> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Xor(Vector512<int> a, Vector512<int> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> BitMask(Vector512<int> codes, int bit) => (codes << (31 - bit)) >> 31;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector512<int> lanes) => Vector512.Sum(lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnySet(Vector512<int> lanes) => lanes != Vector512<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> FirstLanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> LoadCodes(ref byte source, nuint at) => Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref source, at));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreCodes(Vector512<int> codes, ref byte destination, nuint at) => Avx512F.ConvertToVector128Byte(codes).StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector512<float>> Table(Vector256<float> first8) => new(first8.ToVector512Unsafe(), default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector512<int>> Table(Vector256<int> first8) => new(first8.ToVector512Unsafe(), default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector512<float>> Table(ReadOnlySpan<float> sums16) => new(Vector512.Create(sums16), default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector512<int>> Table(ReadOnlySpan<byte> codes16) => new(Avx512F.ConvertToVector512Int32(Vector128.Create(codes16)), default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Lookup(in CoderTable<Vector512<float>> table, Vector512<int> index, int bits) => Avx512F.PermuteVar16x32(table.Low, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Lookup(in CoderTable<Vector512<int>> table, Vector512<int> index, int bits) => Avx512F.PermuteVar16x32(table.Low, index);
}

/// <summary>AVX2: 8 lanes; a lookup in 8 entries is one vpermps, in 16 two and a blend on the index's bit 3; code bytes
/// widen with vpmovzxbd and narrow with two packs; a count subtracts the all-ones (-1) compare mask.</summary>
internal readonly struct Coder256 : ICoderLanes<Vector256<float>, Vector256<int>>
{
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Avx2.IsSupported;

    public static int Count => Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint at) => Vector256.LoadUnsafe(ref source, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Splat(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Splat(int value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Abs(Vector256<float> value) => Vector256.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AtLeastZero(Vector256<float> value) => Vector256.GreaterThanOrEqual(value, Vector256<float>.Zero).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> CountAtOrAbove(Vector256<int> counter, Vector256<float> value, float threshold) =>
        counter - Vector256.LessThanOrEqual(Vector256.Create(threshold), value).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AtOrAbove(Vector256<float> value, Vector256<float> threshold) => Vector256.LessThanOrEqual(threshold, value).AsInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Smallest(Vector256<float> lanes)
    {
        Vector128<float> quarter = Vector128.MinNative(lanes.GetLower(), lanes.GetUpper());
        quarter = Vector128.MinNative(quarter, Sse.MoveHighToLow(quarter, quarter));
        return Sse.MinScalar(quarter, Sse.Shuffle(quarter, quarter, 1)).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Largest(Vector256<float> lanes)
    {
        Vector128<float> quarter = Vector128.MaxNative(lanes.GetLower(), lanes.GetUpper());
        quarter = Vector128.MaxNative(quarter, Sse.MoveHighToLow(quarter, quarter));
        return Sse.MaxScalar(quarter, Sse.Shuffle(quarter, quarter, 1)).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<int> mask, Vector256<float> ones, Vector256<float> zeros) => Vector256.ConditionalSelect(mask.AsSingle(), ones, zeros);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Keep(Vector256<float> value, Vector256<int> mask) => (value.AsInt32() & mask).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Total(Vector256<float> lanes)
    {
        (Vector256<double> low, Vector256<double> high) = Vector256.Widen(lanes);
        return Vector256.Sum(low + high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> a, Vector256<int> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Subtract(Vector256<int> a, Vector256<int> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> And(Vector256<int> a, Vector256<int> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Or(Vector256<int> a, Vector256<int> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Xor(Vector256<int> a, Vector256<int> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> BitMask(Vector256<int> codes, int bit) => (codes << (31 - bit)) >> 31;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector256<int> lanes) => Vector256.Sum(lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnySet(Vector256<int> lanes) => lanes != Vector256<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> FirstLanes(int count) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> LoadCodes(ref byte source, nuint at) =>
        Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, at))).AsByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreCodes(Vector256<int> codes, ref byte destination, nuint at)
    {
        Vector128<short> words = Sse2.PackSignedSaturate(codes.GetLower(), codes.GetUpper());
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, at), Sse2.PackUnsignedSaturate(words, words).AsUInt64().ToScalar());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector256<float>> Table(Vector256<float> first8) => new(first8, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector256<int>> Table(Vector256<int> first8) => new(first8, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector256<float>> Table(ReadOnlySpan<float> sums16) => new(Vector256.Create(sums16), Vector256.Create(sums16.Slice(8)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CoderTable<Vector256<int>> Table(ReadOnlySpan<byte> codes16)
    {
        Vector128<byte> bytes = Vector128.Create(codes16);
        return new(Avx2.ConvertToVector256Int32(bytes), Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(bytes, 8)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Lookup(in CoderTable<Vector256<float>> table, Vector256<int> index, int bits) =>
        bits <= 3 ? Avx2.PermuteVar8x32(table.Low, index)
        : Avx.BlendVariable(Avx2.PermuteVar8x32(table.Low, index), Avx2.PermuteVar8x32(table.High, index), (index << 28).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Lookup(in CoderTable<Vector256<int>> table, Vector256<int> index, int bits) =>
        Lookup(new CoderTable<Vector256<float>>(table.Low.AsSingle(), table.High.AsSingle()), index, bits).AsInt32();
}
