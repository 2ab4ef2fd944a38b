using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The vector bodies of <see cref="ActivationQuantizers"/>: each returns how many leading values it
/// wrote (0 when the machine or the table does not suit it), and the caller's scalar loop does the rest,
/// which is also the scalar reference. Results are bit-identical to the scalar loop: the same IEEE
/// operations per element, comparisons instead of branches (false for NaN, as in the scalar code).
/// Whole vectors only, so x and y may be the same span. <see cref="Uniform"/>'s Vector128 branch is portable
/// (FRINTN rounds half to even on ARM64 as roundps does on x64); the thresholds' table lookup has a branch per
/// instruction set (vpermps, two vpermps and a blend, or ARM64's TBL).
/// </summary>
internal static class VectorQuantizers
{
    public static int Uniform(ReadOnlySpan<float> x, Span<float> y, float n, float lo, float hi)
    {
        float toCode = n / (hi - lo);
        float range = hi - lo;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vlo = Vector512.Create(lo), vhi = Vector512.Create(hi), vto = Vector512.Create(toCode), vrange = Vector512.Create(range), vn = Vector512.Create(n);
            for (; i + 16 <= x.Length; i += 16)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                Vector512<float> clamped = Vector512.ConditionalSelect(Vector512.GreaterThan(v, vlo), Vector512.ConditionalSelect(Vector512.LessThan(v, vhi), v, vhi), vlo);
                Vector512<float> q = Vector512.Round((clamped - vlo) * vto);
                (vlo + ((q * vrange) / vn)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> vlo = Vector256.Create(lo), vhi = Vector256.Create(hi), vto = Vector256.Create(toCode), vrange = Vector256.Create(range), vn = Vector256.Create(n);
            for (; i + 8 <= x.Length; i += 8)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                Vector256<float> clamped = Vector256.ConditionalSelect(Vector256.GreaterThan(v, vlo), Vector256.ConditionalSelect(Vector256.LessThan(v, vhi), v, vhi), vlo);
                Vector256<float> q = Vector256.Round((clamped - vlo) * vto);
                (vlo + ((q * vrange) / vn)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> vlo = Vector128.Create(lo), vhi = Vector128.Create(hi), vto = Vector128.Create(toCode), vrange = Vector128.Create(range), vn = Vector128.Create(n);
            for (; i + 4 <= x.Length; i += 4)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref xr, (nuint)i);
                Vector128<float> clamped = Vector128.ConditionalSelect(Vector128.GreaterThan(v, vlo), Vector128.ConditionalSelect(Vector128.LessThan(v, vhi), v, vhi), vlo);
                Vector128<float> q = Vector128.Round((clamped - vlo) * vto);
                (vlo + ((q * vrange) / vn)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        return i;
    }

    /// <summary>Count of thresholds below each value (a sum of comparison masks), then the level by permute; up to 16 levels.</summary>
    public static int Thresholds(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> thresholds, ReadOnlySpan<float> levels)
    {
        if (levels.Length > 16 || thresholds.Length + 1 != levels.Length)
        {
            return 0;
        }

        Span<float> table = stackalloc float[16];
        table.Clear();
        levels.CopyTo(table);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Vector512<float> lut = Vector512.Create((ReadOnlySpan<float>)table);
            for (; i + 16 <= x.Length; i += 16)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                Vector512<int> below = Vector512<int>.Zero;
                foreach (float t in thresholds)
                {
                    // A true comparison is all ones, -1 as an integer.
                    below -= Vector512.GreaterThan(v, Vector512.Create(t)).AsInt32();
                }

                Avx512F.PermuteVar16x32(lut, below).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            Vector256<float> low = Vector256.Create((ReadOnlySpan<float>)table), high = Vector256.Create((ReadOnlySpan<float>)table.Slice(8));
            for (; i + 8 <= x.Length; i += 8)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                Vector256<int> below = Vector256<int>.Zero;
                foreach (float t in thresholds)
                {
                    below -= Vector256.GreaterThan(v, Vector256.Create(t)).AsInt32();
                }

                // Entries 8..15 are picked by bit 3 of the count, moved to the sign bit.
                Avx.BlendVariable(Avx2.PermuteVar8x32(low, below), Avx2.PermuteVar8x32(high, below), (below << 28).AsSingle()).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && AdvSimd.Arm64.IsSupported)
        {
            var lut = TableLookup128.Load(table);
            for (; i + 4 <= x.Length; i += 4)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref xr, (nuint)i);
                Vector128<int> below = Vector128<int>.Zero;
                foreach (float t in thresholds)
                {
                    below -= Vector128.GreaterThan(v, Vector128.Create(t)).AsInt32();
                }

                TableLookup128.Lookup(lut, below).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        return i;
    }
}
