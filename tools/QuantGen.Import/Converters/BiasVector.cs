using System.Linq;

namespace QuantGen.Import.Converters;

/// <summary>A constant added to every sample's output features: Gemm's C, or the Add after a MatMul.</summary>
internal static class BiasVector
{
    /// <summary>
    /// The bias as <paramref name="features"/> values. Accepted shapes broadcast the same vector to
    /// every sample: [M], any shape of leading 1s then M ([1, M], [1, 1, M]), or a single value (repeated).
    /// A bias of higher rank than the value it is added to would change the output's rank: refused.
    /// </summary>
    public static float[] Read(OnnxNode node, ConstantTensor tensor, long features, int maxRank, string role)
    {
        long[] dims = tensor.Dims;
        bool vector = tensor.Count == features && dims.Length > 0 && dims[^1] == features;
        bool single = tensor.Count == 1;
        if (dims.Length > maxRank || !(vector || single))
        {
            throw node.Error($"{role} has the shape {OnnxText.Shape(dims)}; it must give one value per output feature ([{features}], [1, {features}]) or a single value");
        }

        float[] values = tensor.ReadFloats();
        return vector ? values : Enumerable.Repeat(values[0], (int)features).ToArray();
    }
}
