using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// MatMul of the data by a constant weight matrix [K, M]: a Dense without bias, which an Add of a constant
/// right after it completes (<see cref="AddConverter"/>). PyTorch exports nn.Linear this way when the input
/// has more than two dimensions, and torch.matmul(x, W) always. MatMul works on the last axis, so on a sample
/// of shape [T, K] it would apply the matrix to each of T rows: only T = 1 (every dimension but the last is 1)
/// is one Dense over the sample.
/// </summary>
internal sealed class MatMulConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes();
        ImportContext.RequireInputCount(node, 2, 2);
        context.RequireData(node, 0, "the data, multiplied by a constant weight matrix on its right");
        long[] shape = context.SampleShape;
        if (shape.Take(shape.Length - 1).Any(d => d != 1))
        {
            throw node.Error($"the data has the shape {OnnxText.BatchShape(shape)}: MatMul would apply the weights to each row of a sample separately; only samples whose dimensions are all 1 but the last are supported");
        }

        ConstantTensor b = context.RequireConstant(node, 1, "the weights");
        if (b.Dims.Length != 2)
        {
            throw node.Error($"the weights have the shape {OnnxText.Shape(b.Dims)}; they must be a matrix [in, out]");
        }

        long inFeatures = b.Dims[0];
        long outFeatures = b.Dims[1];
        if (inFeatures != shape[^1])
        {
            throw node.Error($"the weights have the shape {OnnxText.Shape(b.Dims)}: they take {inFeatures} features but the data has {shape[^1]}");
        }

        if (outFeatures == 0)
        {
            throw node.Error($"the weights have the shape {OnnxText.Shape(b.Dims)}: no output features");
        }

        Dense dense = DenseWeights.Create(b.ReadFloats(), outFeatures, inFeatures, outputsFirst: false, scale: 1f);
        context.AddLayer(node, new Layer { Dense = dense });
        long[] output = (long[])shape.Clone();
        output[^1] = outFeatures;
        context.SetSampleShape(node, output);
    }
}
