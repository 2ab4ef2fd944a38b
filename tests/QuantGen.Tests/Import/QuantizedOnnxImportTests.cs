using System;
using System.Linq;
using Google.Protobuf;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>
/// What already-quantized (QDQ) ONNX models become: the weights' codes as uniform codecs (per output channel or
/// per tensor, as few bits as the codes need), the activations' QuantizeLinear/DequantizeLinear pairs as 8-bit
/// uniform input quantizers. ONNX Runtime checks the numbers (<see cref="OnnxRuntimeOracleTests"/>).
/// </summary>
public sealed class QuantizedOnnxImportTests
{
    [Fact]
    public void The_qdq_mlp_keeps_its_codes_and_its_activation_grids()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("qdq_mlp", 13));
        Assert.Equal(["fc1", "relu", "fc2", "fc2.output"], model.Layers.Select(l => l.Name));

        // The input's UINT8 pair with zero point 128 and scale 4/255: levels (q - 128) * 4/255.
        AssertGrid(model.Layers[0].InputQuantizer, 8, (0 - 128) * (4f / 255), (255 - 128) * (4f / 255));
        UniformCodec fc1 = model.Layers[0].Dense.Weights.Uniform;
        Assert.Equal((8, true, 32, 0), (fc1.Bits, fc1.Signed, fc1.Scales.Count, fc1.ZeroPoints.Count));

        AssertGrid(model.Layers[1].InputQuantizer, 8, (0 - 110) * (6f / 255), (255 - 110) * (6f / 255));
        AssertGrid(model.Layers[2].InputQuantizer, 8, 0f, 3f);

        // INT8 codes that all lie in -8..7: a 4-bit model stored in INT8, imported as 4-bit codes.
        UniformCodec fc2 = model.Layers[2].Dense.Weights.Uniform;
        Assert.Equal((4, true, 1), (fc2.Bits, fc2.Signed, fc2.Scales.Count));
        Assert.Equal(0.05f, fc2.Scales[0]);

        // The output's pair: a flatten carries it, since no layer follows.
        Assert.NotNull(model.Layers[3].Flatten);
        AssertGrid(model.Layers[3].InputQuantizer, 8, (0 - 120) * (8f / 255), (255 - 120) * (8f / 255));
    }

    [Fact]
    public void Conv_and_transposed_uint8_weights_keep_their_scales_and_zero_points()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("qdq_conv", 13));
        UniformCodec conv = model.Layers[0].Conv2D.Weights.Uniform;
        Assert.Equal((8, true, 4), (conv.Bits, conv.Signed, conv.Scales.Count));
        AssertGrid(model.Layers[0].InputQuantizer, 8, (-128 + 3) * (4f / 255), (127 + 3) * (4f / 255));

        // Gemm with transB = 0: [256, 6] codes transposed to rows of the 6 outputs, the zero point kept.
        UniformCodec fc = model.Layers.Single(l => l.Dense is not null).Dense.Weights.Uniform;
        Assert.Equal((8, false, 1, 131), (fc.Bits, fc.Signed, fc.Scales.Count, fc.ZeroPoints.Single()));
    }

    [Fact]
    public void A_qat_export_quantizes_the_float_weight_as_onnx_does()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("qat_linear", 13));
        UniformCodec fc = model.Layers[0].Dense.Weights.Uniform;
        Assert.True(fc.Signed);
        Assert.Equal(0.01f, fc.Scales.Single());
        Assert.Equal(2, model.Layers.Count);
    }

    [Fact]
    public void A_dynamically_quantized_matmul_becomes_a_dense_layer_with_its_int8_codes_and_a_float_input()
    {
        Model model = OnnxImporter.Import(OnnxFixtures.Path("dynq_matmul", 13));
        Layer fc = Assert.Single(model.Layers);
        UniformCodec codec = fc.Dense.Weights.Uniform;
        Assert.Equal((8, true, 7, 0), (codec.Bits, codec.Signed, codec.Scales.Count, codec.ZeroPoints.Count));
        Assert.Equal(7, fc.Dense.Bias.Count);
        Assert.Null(fc.InputQuantizer);
    }

    [Fact]
    public void A_dynamic_quantize_that_feeds_no_integer_matmul_is_refused()
    {
        ModelProto file = ModelProto.Parser.ParseFrom(OnnxFixtures.Bytes("dynq_matmul", 13));
        file.Graph.Node.Single(n => n.OpType == "Cast").Attribute[0].I = 6;
        file.Graph.Node.Single(n => n.OpType == "Cast").OpType = "Identity";
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new System.IO.MemoryStream(file.ToByteArray()), "m.onnx"));
        Assert.StartsWith("m.onnx: node \"/fc/MatMul_quant_MatMulInteger\" (MatMulInteger): its output must feed one Cast", e.Message);
    }

    [Fact]
    public void An_integer_matmul_outside_the_dynamic_pattern_is_refused_by_node()
    {
        var builder = new OnnxGraphBuilder();
        builder.Append("MatMulInteger", "/odd/MatMulInteger");
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => builder.Import());
        Assert.StartsWith("test.onnx: node \"/odd/MatMulInteger\" (MatMulInteger): ", e.Message);
        Assert.Contains("ONNX Runtime's quantize_dynamic", e.Message);
    }

    [Fact]
    public void The_codes_are_the_files_codes()
    {
        // fc2's codes read back from the description equal the INT8 initializer's, row by row.
        ModelProto file = ModelProto.Parser.ParseFrom(OnnxFixtures.Bytes("qdq_mlp", 13));
        sbyte[] onnx = file.Graph.Initializer.Single(t => t.Name == "fc2.weight.codes").RawData.Select(b => (sbyte)b).ToArray();
        UniformCodec fc2 = OnnxImporter.Import(OnnxFixtures.Path("qdq_mlp", 13)).Layers[2].Dense.Weights.Uniform;
        int[] codes = Enumerable.Range(0, onnx.Length).Select(i => PackedCodes.ReadSigned(fc2.Codes.Span, i, fc2.Bits)).ToArray();
        Assert.Equal(onnx.Select(v => (int)v), codes);
    }

    [Fact]
    public void A_fold_that_changes_dequantized_weights_is_an_error()
    {
        // alpha = 2 scales the weights after dequantization: no longer code x scale, so refused, not requantized.
        ModelProto file = ModelProto.Parser.ParseFrom(OnnxFixtures.Bytes("qdq_mlp", 13));
        file.Graph.Node.Single(n => n.Name == "/fc2/Gemm").Attribute.Add(new AttributeProto { Name = "alpha", Type = 1, F = 2.5f });
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new System.IO.MemoryStream(file.ToByteArray()), "m.onnx"));
        Assert.StartsWith("m.onnx: node \"/fc2/Gemm\" (Gemm): its dequantized weight ", e.Message);
        Assert.Contains("no longer (code - zero point) x scale", e.Message);
    }

    [Fact]
    public void A_dequantize_without_its_quantize_is_refused()
    {
        ModelProto file = ModelProto.Parser.ParseFrom(OnnxFixtures.Bytes("qdq_mlp", 13));
        NodeProto quantize = file.Graph.Node.Single(n => n.Name == "/relu/output/QuantizeLinear");
        NodeProto dequantize = file.Graph.Node.Single(n => n.Name == "/relu/output/DequantizeLinear");
        dequantize.Input[1] = "/fc1/output.scale";
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new System.IO.MemoryStream(file.ToByteArray()), "m.onnx"));
        Assert.Contains("must directly follow a QuantizeLinear with the same scale and zero point", e.Message);
        Assert.NotNull(quantize);
    }

    private static void AssertGrid(ActivationQuantizer? quantizer, int bits, float lo, float hi)
    {
        Assert.NotNull(quantizer?.Uniform);
        Assert.Equal(bits, quantizer!.Uniform.Bits);
        Assert.Equal(lo, quantizer.Uniform.Lo, 6);
        Assert.Equal(hi, quantizer.Uniform.Hi, 6);
    }
}
