using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// Gemm: Y = alpha * A B' + beta * C, with B' = B or its transpose (transB). PyTorch exports nn.Linear on
/// a [batch, features] input as Gemm(x, weight, bias, transB = 1); torch.addmm as transB = 0 with alpha and
/// beta. A must be the data as [batch, K] (transA = 0); B and C must be constants. alpha is folded into the
/// weights and beta into the bias.
/// </summary>
internal sealed class GemmConverter : IOpConverter
{
    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes("alpha", "beta", "transA", "transB");
        ImportContext.RequireInputCount(node, 2, 3);
        context.RequireData(node, 0, "A");
        long transA = node.GetInt("transA", 0);
        long transB = node.GetInt("transB", 0);
        float alpha = node.GetFloat("alpha", 1f);
        float beta = node.GetFloat("beta", 1f);
        if (transA != 0)
        {
            throw node.Error($"transA = {transA} is not supported: the data must be [batch, features] (transA = 0)");
        }

        if (transB != 0 && transB != 1)
        {
            throw node.Error($"transB = {transB} is not supported: it must be 0 or 1");
        }

        if (!float.IsFinite(alpha) || !float.IsFinite(beta))
        {
            throw node.Error($"alpha = {alpha} and beta = {beta} must be finite");
        }

        if (context.SampleShape.Length != 1)
        {
            throw node.Error($"input A has the shape {OnnxText.BatchShape(context.SampleShape)}; Gemm needs a matrix [batch, features]");
        }

        ConstantTensor b = context.RequireConstant(node, 1, "B, the weights");
        if (b.Dims.Length != 2)
        {
            throw node.Error($"B has the shape {OnnxText.Shape(b.Dims)}; it must be a matrix");
        }

        long inFeatures = transB == 1 ? b.Dims[1] : b.Dims[0];
        long outFeatures = transB == 1 ? b.Dims[0] : b.Dims[1];
        if (inFeatures != context.SampleShape[0])
        {
            throw node.Error($"B has the shape {OnnxText.Shape(b.Dims)} (transB = {transB}): it takes {inFeatures} features but A has {context.SampleShape[0]}");
        }

        if (outFeatures == 0)
        {
            throw node.Error($"B has the shape {OnnxText.Shape(b.Dims)}: no output features");
        }

        Dense dense = DenseWeights.Create(b.ReadFloats(), outFeatures, inFeatures, outputsFirst: transB == 1, alpha);
        if (node.Inputs.Count == 3 && node.Inputs[2].Length > 0)
        {
            float[] bias = BiasVector.Read(node, context.RequireConstant(node, 2, "C, the bias"), outFeatures, maxRank: 2, "C");
            for (int i = 0; i < bias.Length; i++)
            {
                dense.Bias.Add(beta == 1f ? bias[i] : beta * bias[i]);
            }
        }

        context.AddLayer(node, new Layer { Dense = dense });
        context.SetSampleShape(node, new[] { outFeatures });
    }
}
