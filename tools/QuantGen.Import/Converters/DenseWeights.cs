using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>Builds a float Dense layer from an ONNX weight matrix, whatever its orientation.</summary>
internal static class DenseWeights
{
    /// <summary>
    /// A Dense of <paramref name="outFeatures"/> x <paramref name="inFeatures"/> from <paramref name="matrix"/>,
    /// which is stored [out, in] when <paramref name="outputsFirst"/> (Gemm with transB = 1, as PyTorch's
    /// Linear exports) and [in, out] otherwise (MatMul, Gemm with transB = 0). The description wants
    /// [out, in], row-major. Values are multiplied by <paramref name="scale"/> unless it is 1, so a plain
    /// export keeps its weights bit for bit.
    /// </summary>
    public static Dense Create(float[] matrix, long outFeatures, long inFeatures, bool outputsFirst, float scale)
    {
        var values = new float[matrix.Length];
        for (long o = 0; o < outFeatures; o++)
        {
            for (long i = 0; i < inFeatures; i++)
            {
                float w = outputsFirst ? matrix[o * inFeatures + i] : matrix[i * outFeatures + o];
                values[o * inFeatures + i] = scale == 1f ? w : scale * w;
            }
        }

        var dense = new Dense { InFeatures = (int)inFeatures, OutFeatures = (int)outFeatures };
        dense.Weights = new Weights { Float32 = new FloatCodec() };
        dense.Weights.Float32.Values.Add(values);
        return dense;
    }
}
