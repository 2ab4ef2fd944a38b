using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QuantGen.Runtime;

/// <summary>
/// The least-squares solve and the sorted sums for 1 to 3 bits, unrolled in locals: run-time coding runs both
/// twice per coding of a layer's 64 to 1,024 values, and through spans, with loops over the bit count, the 3-bit
/// solve and sort took as long as the passes over 64 values. Each does the operations of the general form
/// (<see cref="SolveGeneral"/>, <see cref="SortedSumsGeneral"/>) in the same order, so the codes do not change;
/// AlternatingReferenceTests holds them to it bit for bit.
/// </summary>
public static partial class AlternatingQuantizer
{
    /// <summary>
    /// <see cref="SolveGeneral"/> for 1 or 2 bits, operation for operation: the same pivot choice (row 0 unless row 1's
    /// entry is strictly larger in magnitude), the same singular test, elimination and back substitution.
    /// </summary>
    private static void SolveSmall(Span<double> gram, Span<double> rhs, int bits, Span<float> alphas)
    {
        if (bits == 1)
        {
            if (Math.Abs(gram[0]) >= 0.5)
            {
                alphas[0] = (float)(rhs[0] / gram[0]);
            }

            return;
        }

        double g00 = gram[0], g01 = gram[1], g10 = gram[2], g11 = gram[3], r0 = rhs[0], r1 = rhs[1];
        if (Math.Abs(g10) > Math.Abs(g00))
        {
            (g00, g01, g10, g11, r0, r1) = (g10, g11, g00, g01, r1, r0);
        }

        if (Math.Abs(g00) < 0.5)
        {
            return;
        }

        double f = g10 / g00;
        g11 -= f * g01;
        r1 -= f * r0;
        if (Math.Abs(g11) < 0.5)
        {
            return;
        }

        double s1 = r1 / g11;
        double s0 = r0;
        s0 -= g01 * s1;
        alphas[0] = (float)(s0 / g00);
        alphas[1] = (float)s1;
    }

    /// <summary>
    /// <see cref="SolveGeneral"/> for 3 bits, operation for operation: in each column the pivot is the first row with
    /// the strictly largest magnitude, a pivot below 1/2 means singular (the alphas stay), rows swap whole, each row
    /// below is reduced by f = its entry / the pivot, then back substitution from the last unknown. (The entries below
    /// the diagonal that the general loop also reduces are never read again, so they are not computed here.)
    /// </summary>
    internal static void Solve3(Span<double> gram, Span<double> rhs, Span<float> alphas)
    {
        double a00 = gram[0], a01 = gram[1], a02 = gram[2];
        double a10 = gram[3], a11 = gram[4], a12 = gram[5];
        double a20 = gram[6], a21 = gram[7], a22 = gram[8];
        double b0 = rhs[0], b1 = rhs[1], b2 = rhs[2];

        // Column 0.
        // The general loop keeps row 0, moves to row 1 if it is strictly larger, then to row 2 if that is strictly
        // larger than the row kept: row 2 wins exactly when it beats both.
        if (Math.Abs(a20) > Math.Abs(a10) && Math.Abs(a20) > Math.Abs(a00))
        {
            (a00, a01, a02, b0, a20, a21, a22, b2) = (a20, a21, a22, b2, a00, a01, a02, b0);
        }
        else if (Math.Abs(a10) > Math.Abs(a00))
        {
            (a00, a01, a02, b0, a10, a11, a12, b1) = (a10, a11, a12, b1, a00, a01, a02, b0);
        }

        if (Math.Abs(a00) < 0.5)
        {
            return;
        }

        double f = a10 / a00;
        a11 -= f * a01;
        a12 -= f * a02;
        b1 -= f * b0;
        f = a20 / a00;
        a21 -= f * a01;
        a22 -= f * a02;
        b2 -= f * b0;

        // Column 1.
        if (Math.Abs(a21) > Math.Abs(a11))
        {
            (a11, a12, b1, a21, a22, b2) = (a21, a22, b2, a11, a12, b1);
        }

        if (Math.Abs(a11) < 0.5)
        {
            return;
        }

        f = a21 / a11;
        a22 -= f * a12;
        b2 -= f * b1;

        // Column 2.
        if (Math.Abs(a22) < 0.5)
        {
            return;
        }

        double s2 = b2 / a22;
        double s1 = b1;
        s1 -= a12 * s2;
        s1 /= a11;
        double s0 = b0;
        s0 -= a01 * s1;
        s0 -= a02 * s2;
        s0 /= a00;
        alphas[0] = (float)s0;
        alphas[1] = (float)s1;
        alphas[2] = (float)s2;
    }

    /// <summary>
    /// <see cref="SortedSums"/> for two bits in locals: the same additions as the doubling, then the four values sorted
    /// by swapping adjacent ones only when the left is larger (odd-even transposition, four phases), which is stable
    /// and so orders them as the insertion sort does. Called twice per coding, the general loop through spans cost as
    /// much as a pass over 64 values.
    /// </summary>
    internal static void SortedSums2(float alpha0, float alpha1, Span<float> sums, Span<byte> order) =>
        SortedSums2(alpha0, alpha1, sums, order, out _, out _);

    /// <summary><see cref="SortedSums2(float, float, Span{float}, Span{byte})"/> that also gives the sums and their codes as
    /// vectors built from registers: the fused path's search reads them as vectors, and a vector load of values just stored
    /// one by one waits for the stores to reach the cache (no store-to-load forwarding across stores).</summary>
    private static void SortedSums2(float alpha0, float alpha1, Span<float> sums, Span<byte> order, out Vector128<float> sumLanes, out Vector128<int> codeLanes)
    {
        float plus0 = 0f + alpha0, minus0 = 0f + -alpha0;
        float s0 = minus0 + -alpha1, s1 = plus0 + -alpha1, s2 = minus0 + alpha1, s3 = plus0 + alpha1;
        int c0 = 0, c1 = 1, c2 = 2, c3 = 3;
        for (int round = 0; round < 2; round++)
        {
            Exchange(ref s0, ref c0, ref s1, ref c1);
            Exchange(ref s2, ref c2, ref s3, ref c3);
            Exchange(ref s1, ref c1, ref s2, ref c2);
        }

        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
        order[0] = (byte)c0;
        order[1] = (byte)c1;
        order[2] = (byte)c2;
        order[3] = (byte)c3;
        sumLanes = Vector128.Create(s0, s1, s2, s3);
        codeLanes = Vector128.Create(c0, c1, c2, c3);
    }

    /// <summary>Swaps two neighbours (and their codes) when the left one is larger.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Exchange(ref float left, ref int leftCode, ref float right, ref int rightCode)
    {
        if (left > right)
        {
            (left, right) = (right, left);
            (leftCode, rightCode) = (rightCode, leftCode);
        }
    }

    /// <summary>
    /// <see cref="SortedSums"/> for three bits in locals: the doubling's additions in its order, then the eight values
    /// sorted by odd-even transposition (eight phases, swapping neighbours only when the left is larger: stable, so
    /// equal sums keep the lower code first, as the insertion sort leaves them).
    /// </summary>
    internal static void SortedSums3(float alpha0, float alpha1, float alpha2, Span<float> sums, Span<byte> order) =>
        SortedSums3(alpha0, alpha1, alpha2, sums, order, out _, out _);

    /// <summary><see cref="SortedSums3(float, float, float, Span{float}, Span{byte})"/> that also gives the sums and codes as
    /// vectors built from registers (see <see cref="SortedSums2(float, float, Span{float}, Span{byte}, out Vector128{float}, out Vector128{int})"/>).</summary>
    private static void SortedSums3(float alpha0, float alpha1, float alpha2, Span<float> sums, Span<byte> order, out Vector256<float> sumLanes, out Vector256<int> codeLanes)
    {
        float plus0 = 0f + alpha0, minus0 = 0f + -alpha0;
        float m00 = minus0 + -alpha1, p0m1 = plus0 + -alpha1, m0p1 = minus0 + alpha1, p0p1 = plus0 + alpha1;
        float s0 = m00 + -alpha2, s1 = p0m1 + -alpha2, s2 = m0p1 + -alpha2, s3 = p0p1 + -alpha2;
        float s4 = m00 + alpha2, s5 = p0m1 + alpha2, s6 = m0p1 + alpha2, s7 = p0p1 + alpha2;
        int c0 = 0, c1 = 1, c2 = 2, c3 = 3, c4 = 4, c5 = 5, c6 = 6, c7 = 7;
        for (int round = 0; round < 4; round++)
        {
            Exchange(ref s0, ref c0, ref s1, ref c1);
            Exchange(ref s2, ref c2, ref s3, ref c3);
            Exchange(ref s4, ref c4, ref s5, ref c5);
            Exchange(ref s6, ref c6, ref s7, ref c7);
            Exchange(ref s1, ref c1, ref s2, ref c2);
            Exchange(ref s3, ref c3, ref s4, ref c4);
            Exchange(ref s5, ref c5, ref s6, ref c6);
        }

        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
        sums[4] = s4;
        sums[5] = s5;
        sums[6] = s6;
        sums[7] = s7;
        order[0] = (byte)c0;
        order[1] = (byte)c1;
        order[2] = (byte)c2;
        order[3] = (byte)c3;
        order[4] = (byte)c4;
        order[5] = (byte)c5;
        order[6] = (byte)c6;
        order[7] = (byte)c7;
        sumLanes = Vector256.Create(s0, s1, s2, s3, s4, s5, s6, s7);
        codeLanes = Vector256.Create(c0, c1, c2, c3, c4, c5, c6, c7);
    }
}
