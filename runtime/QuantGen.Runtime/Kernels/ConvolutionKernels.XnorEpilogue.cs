using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

public static partial class ConvolutionKernels
{
    /// <summary>
    /// The xor/popcount convolution's epilogue for one vector of positions, written once over the float width
    /// (<typeparamref name="F"/>): s = sum_j beta_j count_j (fused, in plane order), t = B n - 2 s,
    /// sums = alpha t (+ sums). Every multiply-add is fused at every width (software-fused where the CPU has no FMA),
    /// so each path gives the scalar twin's bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishCounts<F, VF, VI>(VI k0, VI k1, VI k2, VI k3, int planes, ref float beta, float alpha, bool first, ref float sums, ref float bn)
        where F : struct, IFusedLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        VF t = PlaneTerm<F, VF, VI>(k0, k1, k2, k3, planes, ref beta, F.Load(ref bn));
        F.Store(F.Fma(F.Splat(alpha), t, first ? F.Zero : F.Load(ref sums)), ref sums);
    }

    /// <summary>
    /// <see cref="FinishCounts{F, VF, VI}"/> for two weight planes one after the other (counts k, then g), the sums kept
    /// in a register between them: the same fused multiply-adds in the same order, one load of B n and of the sums and
    /// one store where two calls make two of each and wait on the first store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishPairCounts<F, VF, VI>(VI k0, VI k1, VI k2, VI g0, VI g1, VI g2, int planes, ref float beta, float alpha, float alpha2, bool first, ref float sums, ref float bn)
        where F : struct, IFusedLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        VF n = F.Load(ref bn);
        VF t = PlaneTerm<F, VF, VI>(k0, k1, k2, default, planes, ref beta, n);
        VF t2 = PlaneTerm<F, VF, VI>(g0, g1, g2, default, planes, ref beta, n);
        F.Store(F.Fma(F.Splat(alpha2), t2, F.Fma(F.Splat(alpha), t, first ? F.Zero : F.Load(ref sums))), ref sums);
    }

    /// <summary>t = B n - 2 s, s = sum_j beta_j count_j (fused, in plane order) for one weight plane's counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static VF PlaneTerm<F, VF, VI>(VI k0, VI k1, VI k2, VI k3, int planes, ref float beta, VF bn)
        where F : struct, IFusedLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        VF s = F.Fma(F.Splat(beta), F.ToFloat(k0), F.Zero);
        if (planes > 1)
        {
            s = F.Fma(F.Splat(Unsafe.Add(ref beta, 1)), F.ToFloat(k1), s);
        }

        if (planes > 2)
        {
            s = F.Fma(F.Splat(Unsafe.Add(ref beta, 2)), F.ToFloat(k2), s);
        }

        if (planes > 3)
        {
            s = F.Fma(F.Splat(Unsafe.Add(ref beta, 3)), F.ToFloat(k3), s);
        }

        return F.Fma(F.Splat(-2f), s, bn);
    }

    /// <summary>Float lanes of one width with fused multiply-adds and int-to-float conversion (<typeparamref name="VI"/> holds the counts).</summary>
    private interface IFusedLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        static abstract VF Zero { get; }

        static abstract VF Splat(float value);

        static abstract VF ToFloat(VI counts);

        static abstract VF Fma(VF a, VF b, VF c);

        static abstract VF Load(ref float at);

        static abstract void Store(VF value, ref float at);
    }

    private readonly struct Fused512 : IFusedLanes<Vector512<float>, Vector512<int>>
    {
        public static Vector512<float> Zero => Vector512<float>.Zero;

        public static Vector512<float> Splat(float value) => Vector512.Create(value);

        public static Vector512<float> ToFloat(Vector512<int> counts) => Vector512.ConvertToSingle(counts);

        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

        public static Vector512<float> Load(ref float at) => Vector512.LoadUnsafe(ref at);

        public static void Store(Vector512<float> value, ref float at) => value.StoreUnsafe(ref at);
    }

    private readonly struct Fused256 : IFusedLanes<Vector256<float>, Vector256<int>>
    {
        public static Vector256<float> Zero => Vector256<float>.Zero;

        public static Vector256<float> Splat(float value) => Vector256.Create(value);

        public static Vector256<float> ToFloat(Vector256<int> counts) => Vector256.ConvertToSingle(counts);

        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

        public static Vector256<float> Load(ref float at) => Vector256.LoadUnsafe(ref at);

        public static void Store(Vector256<float> value, ref float at) => value.StoreUnsafe(ref at);
    }

    private readonly struct Fused128 : IFusedLanes<Vector128<float>, Vector128<int>>
    {
        public static Vector128<float> Zero => Vector128<float>.Zero;

        public static Vector128<float> Splat(float value) => Vector128.Create(value);

        public static Vector128<float> ToFloat(Vector128<int> counts) => Vector128.ConvertToSingle(counts);

        public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);

        public static Vector128<float> Load(ref float at) => Vector128.LoadUnsafe(ref at);

        public static void Store(Vector128<float> value, ref float at) => value.StoreUnsafe(ref at);
    }
}
