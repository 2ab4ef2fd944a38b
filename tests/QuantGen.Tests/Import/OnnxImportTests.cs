using System;
using System.Linq;
using QuantGen.Import;
using QuantGen.Reference;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>PyTorch exports of every supported operator at opsets 11, 13 and 17, run through the reference interpreter.</summary>
public sealed class OnnxImportTests
{
    public static TheoryData<string, int> Fixtures()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "mlp_gemm", "addmm", "linear3d", "matmul", "flatten", "reshape", "view_static", "identity_dropout" })
        {
            foreach (int opset in new[] { 11, 13, 17 })
            {
                data.Add(name, opset);
            }
        }

        data.Add("float_data", 13);
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Imported_models_give_PyTorchs_outputs(string name, int opset)
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path(name, opset));
        (int[] sampleShape, float[][] inputs, float[][] outputs) = OnnxFixtures.Expected(name);

        Assert.Equal(sampleShape, model.Inputs[0].Shape.ToArray());
        Assert.Equal(name + ".opset" + opset, model.Name);
        var interpreter = new ReferenceInterpreter(model);
        for (int i = 0; i < inputs.Length; i++)
        {
            float[] actual = interpreter.Predict(inputs[i]);
            Assert.Equal(outputs[i].Length, actual.Length);
            for (int k = 0; k < actual.Length; k++)
            {
                Assert.True(Math.Abs(actual[k] - outputs[i][k]) <= 1e-5f, $"{name} opset {opset}, sample {i}, output {k}: {actual[k]:R} against PyTorch {outputs[i][k]:R}");
            }
        }
    }

    [Theory]
    [InlineData("mlp_gemm", "Dense fc1, Relu Relu, Dense fc2, Sigmoid Sigmoid, Dense fc3, Tanh Tanh, Dense fc4, Softmax Softmax")]
    [InlineData("linear3d", "Dense fc1, Tanh Tanh, Dense fc2, Softmax Softmax")]
    [InlineData("matmul", "Dense MatMul, Relu Relu, Dense MatMul_1")]
    [InlineData("flatten", "Flatten flatten, Dense fc, Softmax Softmax")]
    [InlineData("reshape", "Flatten Reshape, Dense fc, Relu Relu")]
    [InlineData("identity_dropout", "Dense fc1, Relu Relu, Dense fc2")]
    public void Each_node_becomes_one_layer_named_after_its_module(string name, string layers)
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path(name, 13));
        Assert.Equal(layers, string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
    }

    [Fact]
    public void MatMul_then_Add_is_one_Dense_with_the_bias_and_a_bare_MatMul_has_none()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("matmul", 13));
        Assert.Empty(model.Layers[0].Dense.Bias);
        Assert.Equal(3, model.Layers[2].Dense.Bias.Count);

        Model linear = OnnxImporter.Import(OnnxFixtures.Path("linear3d", 17));
        Assert.Equal(new[] { 1, 3 }, linear.Outputs[0].Shape.ToArray());
        Assert.All(linear.Layers.Where(l => l.Dense is not null), l => Assert.Equal(l.Dense.OutFeatures, l.Dense.Bias.Count));
    }

    [Fact]
    public void Gemm_weights_are_stored_output_major_whatever_transB_says()
    {
        // addmm: B is [in = 8, out = 5] (transB = 0), alpha = 2, beta = 0.5.
        Model model = OnnxImporter.Import(OnnxFixtures.Path("addmm", 11));
        Dense dense = model.Layers[0].Dense;
        Assert.Equal((8, 5), (dense.InFeatures, dense.OutFeatures));
        Assert.Equal("x", model.Inputs[0].Name);
        Assert.Equal("y", model.Outputs[0].Name);
        Assert.Equal(new[] { 5 }, model.Outputs[0].Shape.ToArray());
    }

    [Fact]
    public void A_stream_imports_like_the_file_and_names_the_model_after_the_source()
    {
        using var stream = new System.IO.MemoryStream(OnnxFixtures.Bytes("mlp_gemm", 17));
        Model fromStream = OnnxImporter.Import(stream, "folder/my-model.onnx");
        Model fromFile = OnnxImporter.Import(OnnxFixtures.Path("mlp_gemm", 17));
        Assert.Equal("my-model", fromStream.Name);
        fromStream.Name = fromFile.Name;
        Assert.Equal(fromFile, fromStream);
        Assert.Contains("opset 17", fromFile.Doc, StringComparison.Ordinal);
    }
}
