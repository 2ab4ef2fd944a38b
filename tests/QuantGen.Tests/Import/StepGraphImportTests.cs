using System.IO;
using System.Linq;
using Google.Protobuf;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.Import;

/// <summary>
/// What a step graph (make_step_fixtures.py) becomes, and the errors for the forms that break its rules
/// (OnnxRuntimeOracleTests steps the fixtures against ONNX Runtime).
/// </summary>
public sealed class StepGraphImportTests
{
    private static ModelProto Small() => ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(OnnxFixtures.Directory, "gru_step_lbr0.opset13.onnx")));

    [Fact]
    public void The_two_layer_LSTM_step_graph_becomes_two_LSTM_layers_whose_state_the_doc_names()
    {
        Model model = OnnxImporter.Import(Path.Combine(OnnxFixtures.Directory, "lm_lstm_step.opset13.onnx"));
        Assert.Equal("Embedding embed, Lstm rnn, Lstm rnn_2, Dense head", string.Join(", ", model.Layers.Select(l => l.OpCase + " " + l.Name)));
        Assert.Equal(("token", "logits"), (model.Inputs.Single().Name, model.Outputs.Single().Name));
        Assert.Equal(new[] { 64, 256 }, model.Layers.Where(l => l.Lstm is not null).Select(l => l.Lstm.InputSize));
        Assert.Contains("the graph inputs \"h\" [2, 1, 256] and \"c\" [2, 1, 256] are the generated state", model.Doc);
        Assert.Contains("the outputs \"h_out\", \"c_out\" its new value", model.Doc);
    }

    [Fact]
    public void Linear_before_reset_0_becomes_reset_before_product()
    {
        Model model = OnnxImporter.Import(new MemoryStream(Small().ToByteArray()), "step.onnx");
        Assert.True(model.Layers.Single(l => l.Gru is not null).Gru.ResetBeforeProduct);
    }

    [Fact]
    public void A_step_graph_without_the_new_state_output_is_refused_by_name()
    {
        ModelProto file = Small();
        file.Graph.Output.RemoveAt(1);
        AssertFails(file, "the step graph has 1 state input(s) (\"h\") and 1 output(s); it must have the model's output, then one new state per state input");
    }

    [Fact]
    public void A_state_output_that_is_not_the_final_state_is_refused_by_name()
    {
        ModelProto file = Small();
        (file.Graph.Output[0], file.Graph.Output[1]) = (file.Graph.Output[1], file.Graph.Output[0]);
        AssertFails(file, "the graph output \"logits\" must be the new value of the state input \"h\"");
    }

    [Fact]
    public void A_step_graph_over_two_tokens_is_refused()
    {
        ModelProto file = Small();
        file.Graph.Input.First(i => i.Name == "token").Type.TensorType.Shape.Dim[1].DimValue = 2;
        AssertFails(file, "the graph input \"token\" of a step graph must hold one step of one sequence");
    }

    private static void AssertFails(ModelProto file, string message)
    {
        OnnxImportException e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream(file.ToByteArray()), "test.onnx"));
        Assert.StartsWith("test.onnx: " + message, e.Message);
    }
}
