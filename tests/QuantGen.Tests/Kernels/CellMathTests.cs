using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.Kernels;

/// <summary>
/// The recurrent cells' float sigmoid and tanh (CellMath) against the reference's double formulas rounded to float,
/// at every vector width the machine runs and in the scalar twin: within a few ulps over the whole range (the
/// polynomial side of tanh and the exp side both), exact at the limits and on the special values, and the vector
/// widths bit for bit alike.
/// </summary>
public sealed class CellMathTests
{
    private const float SmallestNormal = 1.17549435e-38f;

    private const double TanhUlps = 2.0;
    private const double SigmoidUlps = 4.0;

    public static IEnumerable<object[]> Widths()
    {
        yield return ["scalar"];
        if (Vector128.IsHardwareAccelerated)
        {
            yield return ["128"];
        }

        if (Vector256.IsHardwareAccelerated)
        {
            yield return ["256"];
        }

        if (Vector512.IsHardwareAccelerated)
        {
            yield return ["512"];
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Tanh_is_within_two_ulps_of_the_double_tanh_on_both_sides_of_the_polynomial_limit(string width)
    {
        float[] v = Arguments();
        float[] y = Apply(width, tanh: true, v);
        for (int i = 0; i < v.Length; i++)
        {
            AssertUlps(Math.Tanh(v[i]), y[i], TanhUlps, "tanh", v[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Sigmoid_is_within_four_ulps_of_the_double_formula(string width)
    {
        float[] v = Arguments();
        float[] y = Apply(width, tanh: false, v);
        for (int i = 0; i < v.Length; i++)
        {
            AssertUlps(1.0 / (1.0 + Math.Exp(-v[i])), y[i], SigmoidUlps, "sigmoid", v[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Limits_signed_zero_and_nan_come_out_exactly(string width)
    {
        // 16 values: one vector at every width.
        float[] v = [float.NaN, -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, 100f, -100f, 1e-30f, -1e-30f, 0f, 0f, 0f, 0f, 0f, 0f, 0f];
        float[] t = Apply(width, tanh: true, v);
        float[] s = Apply(width, tanh: false, v);
        Assert.True(float.IsNaN(t[0]) && float.IsNaN(s[0]));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(t[1]));
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(t[2]));
        Assert.Equal([0.5f, 0.5f], s[1..3]);
        Assert.Equal([1f, -1f, 1f, -1f], t[3..7]);
        Assert.Equal([1f, 0f, 1f], s[3..6]);
        Assert.True(s[6] < 1e-40f);
        Assert.Equal([1e-30f, -1e-30f], t[7..9]);
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        float[] v = Arguments();
        string[] widths = ["128", "256", "512"];
        foreach (bool tanh in new[] { true, false })
        {
            float[]? first = null;
            foreach (string width in widths)
            {
                if (!Accelerated(width))
                {
                    continue;
                }

                float[] y = Apply(width, tanh, v);
                first ??= y;
                for (int i = 0; i < v.Length; i++)
                {
                    Assert.True(
                        BitConverter.SingleToInt32Bits(first[i]) == BitConverter.SingleToInt32Bits(y[i]),
                        $"{(tanh ? "tanh" : "sigmoid")}({v[i]:R}): {y[i]:R} at width {width}, {first[i]:R} at the first width");
                }
            }
        }
    }

    /// <summary>A dense sweep of [-20, 20] (both tanh branches and the switch at 0.625), every float in a band around
    /// the switch, and magnitudes from 1e-30 to 1e2 of both signs; a multiple of 16 values.</summary>
    private static float[] Arguments()
    {
        var values = new List<float>();
        for (int i = -200_000; i < 200_000; i++)
        {
            values.Add(i * 1e-4f);
        }

        float from = 0.62f;
        for (float f = from; f < 0.63f; f = MathF.BitIncrement(f))
        {
            values.Add(f);
            values.Add(-f);
        }

        for (double e = -30; e <= 2; e += 0.001)
        {
            values.Add((float)Math.Pow(10, e));
            values.Add(-(float)Math.Pow(10, e));
        }

        while (values.Count % 16 != 0)
        {
            values.Add(0.5f);
        }

        return values.ToArray();
    }

    private static bool Accelerated(string width) => width switch
    {
        "128" => Vector128.IsHardwareAccelerated,
        "256" => Vector256.IsHardwareAccelerated,
        "512" => Vector512.IsHardwareAccelerated,
        _ => true,
    };

    private static float[] Apply(string width, bool tanh, float[] v)
    {
        var y = new float[v.Length];
        switch (width)
        {
            case "512":
                for (int i = 0; i < v.Length; i += 16)
                {
                    var x = Vector512.Create(v.AsSpan(i, 16));
                    (tanh ? CellMath.Tanh<CellLanes512, Vector512<float>>(x) : CellMath.Sigmoid<CellLanes512, Vector512<float>>(x)).CopyTo(y.AsSpan(i));
                }

                break;
            case "256":
                for (int i = 0; i < v.Length; i += 8)
                {
                    var x = Vector256.Create(v.AsSpan(i, 8));
                    (tanh ? CellMath.Tanh<CellLanes256, Vector256<float>>(x) : CellMath.Sigmoid<CellLanes256, Vector256<float>>(x)).CopyTo(y.AsSpan(i));
                }

                break;
            case "128":
                for (int i = 0; i < v.Length; i += 4)
                {
                    var x = Vector128.Create(v.AsSpan(i, 4));
                    (tanh ? CellMath.Tanh<CellLanes128, Vector128<float>>(x) : CellMath.Sigmoid<CellLanes128, Vector128<float>>(x)).CopyTo(y.AsSpan(i));
                }

                break;
            default:
                for (int i = 0; i < v.Length; i++)
                {
                    y[i] = tanh ? CellMath.Tanh<CellLanes1, float>(v[i]) : CellMath.Sigmoid<CellLanes1, float>(v[i]);
                }

                break;
        }

        return y;
    }

    /// <summary>|actual - expected| in units of the float spacing at the rounded expected value; a result below the
    /// smallest normal float (sigmoid below v = -87, where e^-v overflows and the float formula gives 0 for a
    /// subnormal) counts in units of that smallest normal.</summary>
    private static void AssertUlps(double expected, float actual, double ulps, string name, float v)
    {
        float rounded = MathF.Abs((float)expected);
        double spacing = rounded < SmallestNormal
            ? SmallestNormal
            : MathF.BitIncrement(rounded) - rounded;
        double error = Math.Abs(actual - expected) / spacing;
        Assert.True(error <= ulps, $"{name}({v:R}) = {actual:R}, double {expected:R}: {error:F2} ulps (at most {ulps})");
    }
}
