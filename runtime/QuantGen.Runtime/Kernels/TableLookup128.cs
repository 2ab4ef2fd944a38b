using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace QuantGen.Runtime;

/// <summary>
/// ARM64's answer to a variable float permute (x64's vpermps): a table of 16 floats (or ints) held as four
/// 16-byte registers, looked up by TBL with byte indices. Lane i of the result takes entry e_i, whose bytes
/// are 4 e_i .. 4 e_i + 3, so each 32-bit lane's index is e_i * 0x04040404 + 0x03020100 (one MLA), or, for
/// 16 indices held one per byte, a TBL that spreads each to four bytes and an ORR. Indices past the table
/// read 0. Only called where <c>AdvSimd.Arm64.IsSupported</c>.
/// </summary>
internal static class TableLookup128
{
    /// <summary>The 16 entries at <paramref name="table"/> as the four registers TBL reads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) Load(ref float table) =>
        (Vector128.LoadUnsafe(ref table).AsByte(), Vector128.LoadUnsafe(ref table, 4).AsByte(),
         Vector128.LoadUnsafe(ref table, 8).AsByte(), Vector128.LoadUnsafe(ref table, 12).AsByte());

    /// <summary>The first 16 values of <paramref name="table"/> (at least 16 long) as TBL's registers.</summary>
    public static (Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) Load(ReadOnlySpan<float> table) =>
        Load(ref MemoryMarshal.GetReference(table));

    /// <summary>Entry index[i] (0..15) of the table in lane i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Lookup((Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) table, Vector128<int> index) =>
        AdvSimd.Arm64.VectorTableLookup(table, AdvSimd.MultiplyAdd(Vector128.Create(0x03020100), index, Vector128.Create(0x04040404)).AsByte()).AsSingle();

    /// <summary>
    /// Entry n_(4k+i) in lane i, where <paramref name="quadrupled"/> holds 16 indices n_j times 4, one per byte:
    /// the k-th group of four of them, each spread to its four byte indices.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Lookup((Vector128<byte>, Vector128<byte>, Vector128<byte>, Vector128<byte>) table, Vector128<byte> quadrupled, int k)
    {
        Vector128<byte> spread = Vector128.Create((uint)(0x01010101 * 4 * k), (uint)(0x01010101 * (4 * k + 1)), (uint)(0x01010101 * (4 * k + 2)), (uint)(0x01010101 * (4 * k + 3))).AsByte();
        Vector128<byte> bytes = AdvSimd.Arm64.VectorTableLookup(quadrupled, spread) | Vector128.Create(0x03020100).AsByte();
        return AdvSimd.Arm64.VectorTableLookup(table, bytes).AsSingle();
    }
}
