namespace QuantGen.Runtime;

/// <summary>
/// A bit count as a type: code written over <c>TBits : IBitCount</c> is compiled once per count, so its loops
/// over the bits have constant trip counts and the sums of unused bits vanish (the alternating coder's passes,
/// the xor/popcount kernel's short rows).
/// </summary>
internal interface IBitCount
{
    static abstract int Count { get; }
}

internal readonly struct OneBit : IBitCount { public static int Count => 1; }

internal readonly struct TwoBits : IBitCount { public static int Count => 2; }

internal readonly struct ThreeBits : IBitCount { public static int Count => 3; }

internal readonly struct FourBits : IBitCount { public static int Count => 4; }
