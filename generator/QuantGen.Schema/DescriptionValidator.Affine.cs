namespace QuantGen.Schema;

/// <summary>Validation of a uniform activation quantizer in ONNX's affine form (scale and zero point).</summary>
public static partial class DescriptionValidator
{
    private static void ValidateAffine(UniformActivation u, string p, Context c)
    {
        int n = (1 << u.Bits) - 1;
        if (!(u.Scale > 0f) || float.IsInfinity(u.Scale))
        {
            c.Add(DescriptionErrorCode.InvalidValue, p + ".scale", $"scale is {Format(u.Scale)}; an affine quantizer (a zero point is set) needs a finite scale above 0");
        }
        else if (u.ZeroPoint < 0 || u.ZeroPoint > n)
        {
            c.Add(DescriptionErrorCode.InvalidValue, p + ".zeroPoint", $"zero point {u.ZeroPoint} is not a {u.Bits}-bit code (0 to {n})");
        }
        else if (u.Lo != -u.ZeroPoint * u.Scale || u.Hi != (n - u.ZeroPoint) * u.Scale)
        {
            // The range is what the affine rule reaches; kernels that read [lo, hi] must see the same grid.
            c.Add(DescriptionErrorCode.InvalidValue, p + ".lo", $"the range [{Format(u.Lo)}, {Format(u.Hi)}] is not the affine grid's [{Format(-u.ZeroPoint * u.Scale)}, {Format((n - u.ZeroPoint) * u.Scale)}] (-zeroPoint * scale, ({n} - zeroPoint) * scale)");
        }
    }
}
