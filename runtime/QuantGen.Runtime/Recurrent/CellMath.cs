using System.Runtime.CompilerServices;

namespace QuantGen.Runtime;

/// <summary>
/// The recurrent cells' sigmoid and tanh in float, written once over <see cref="ICellLanes{V}"/> so every width
/// (and the scalar twin) computes the same formula.
/// </summary>
/// <remarks>
/// Why float and these forms: the cells were computed in double (two halves of a vector, the library's double exp
/// and two double divisions per function), which made them a quarter of a 2x256 language model's alternating
/// 2-bit step. Here each function costs one float exp (<see cref="Exp{L, V}"/>, within an ulp) and one float division.
/// tanh(v) = 1 - 2 / (e^2|v| + 1) cancels near 0, so below |v| = 0.625 it is the odd polynomial
/// v + v^3 q(v^2), fitted to tanh on Chebyshev nodes of [0, 0.625^2] (within 1.3 ulp in float, checked against
/// double tanh over that range); above it the subtraction loses at most one bit. Against the reference's
/// double-precision functions rounded to float both are within about 2 ulps, the same order as the differences the
/// gate products' float sums already bring (the differential tests' tolerance covers both).
/// </remarks>
internal static class CellMath
{
    /// <summary>Below this |v| tanh is the polynomial.</summary>
    private const float TanhPolynomialLimit = 0.625f;

    // q(u) = Q1 + Q2 u + Q3 u^2 + Q4 u^3 + Q5 u^4, tanh(v) ~ v + v^3 q(v^2) on |v| < 0.625.
    private const float Q1 = -0.3333325982093811f;
    private const float Q2 = 0.13331113755702972f;
    private const float Q3 = -0.05372010916471481f;
    private const float Q4 = 0.020588191226124763f;
    private const float Q5 = -0.005657135043293238f;

    // e^r = 1 + r + r^2 e(r) on |r| <= ln 2 / 2, e(r) = E0 + E1 r + ... + E5 r^5 fitted to (e^r - 1 - r) / r^2 on
    // Chebyshev nodes; with the reduction below, within 1 ulp of e^x in float (checked against double exp).
    private const float E0 = 0.5f;
    private const float E1 = 0.1666666716337204f;
    private const float E2 = 0.04166646674275398f;
    private const float E3 = 0.00833331048488617f;
    private const float E4 = 0.0013933641603216529f;
    private const float E5 = 0.00019890980911441147f;

    private const float Log2E = 1.44269504f;

    // ln 2 in two parts: the first has 16 significant bits, so n * Ln2High is exact for |n| < 256.
    private const float Ln2High = 0.693145751953125f;
    private const float Ln2Low = 1.428606765330187e-06f;

    /// <summary>
    /// e^x in float lanes, inlined into the cells (the library's vector exp is computed in double and was a call per
    /// use): x = n ln 2 + r with n = round(x / ln 2), e^r by the polynomial above, times 2^n. x is first limited to
    /// [-110, 90], where e^x is already 0 or infinity in float; NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Exp<L, V>(V x)
        where L : struct, ICellLanes<V>
        where V : struct
    {
        x = L.Clamp(x, L.Create(-110f), L.Create(90f));
        V n = L.Round(L.Multiply(x, L.Create(Log2E)));
        V r = L.MultiplyAdd(n, L.Create(-Ln2Low), L.MultiplyAdd(n, L.Create(-Ln2High), x));
        V e = L.MultiplyAdd(L.MultiplyAdd(L.MultiplyAdd(L.MultiplyAdd(L.MultiplyAdd(L.Create(E5), r, L.Create(E4)), r, L.Create(E3)), r, L.Create(E2)), r, L.Create(E1)), r, L.Create(E0));
        V p = L.Add(L.One, L.MultiplyAdd(L.Multiply(r, r), e, r));
        return L.ScaleByPowerOfTwo(p, n);
    }

    /// <summary>1 / (1 + e^-v): e^-v overflows to infinity for v below about -88 and the result is 0; underflows to 0 above about 104 and it is 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sigmoid<L, V>(V v)
        where L : struct, ICellLanes<V>
        where V : struct =>
        L.Divide(L.One, L.Add(L.One, L.Exp(L.Subtract(L.Create(0f), v))));

    /// <summary>tanh(v) with v's sign (-0 stays -0); exact limits +-1 once e^2|v| overflows; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<L, V>(V v)
        where L : struct, ICellLanes<V>
        where V : struct
    {
        V a = L.Abs(v);
        V large = L.Subtract(L.One, L.Divide(L.Create(2f), L.Add(L.Exp(L.Add(a, a)), L.One)));
        V u = L.Multiply(a, a);
        V q = L.MultiplyAdd(L.MultiplyAdd(L.MultiplyAdd(L.MultiplyAdd(L.Create(Q5), u, L.Create(Q4)), u, L.Create(Q3)), u, L.Create(Q2)), u, L.Create(Q1));
        V small = L.MultiplyAdd(L.Multiply(a, u), q, a);
        return L.CopySign(L.SelectBelow(a, L.Create(TanhPolynomialLimit), small, large), v);
    }
}
