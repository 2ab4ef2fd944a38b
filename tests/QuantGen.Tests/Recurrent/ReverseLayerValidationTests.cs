using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Recurrent;

/// <summary>The validator's rules for the backward half of a bidirectional layer, each error at the field it names.</summary>
public sealed class ReverseLayerValidationTests
{
    private static Model Valid() => CompiledSequenceModels.Bidirectional("bi", lstm: true, RecurrentTestModels.TestFloat, _ => null, seed: 1);

    [Fact]
    public void A_valid_pair_gives_twice_the_hidden_size_to_the_next_layer()
    {
        Model model = Valid();
        Assert.Empty(Errors(model));
        Assert.Equal(2 * RecurrentTestModels.Hidden, ModelShape.OutputLength(model.Layers[2], RecurrentTestModels.Hidden));
        Assert.Equal([RecurrentTestModels.Embed], ShapeTrace.Of(model)[2].Input);
    }

    [Fact]
    public void A_reverse_layer_without_its_forward_half_is_refused()
    {
        Model model = Valid();
        model.Layers.RemoveAt(1);
        model.Layers[2].Dense.InFeatures = 2 * RecurrentTestModels.Hidden;
        DescriptionError error = Assert.Single(Errors(model));
        Assert.Equal((DescriptionErrorCode.InvalidValue, "layers[1].lstm.reverse"), (error.Code, error.Path));
        Assert.Contains("must follow the forward half", error.Message);
    }

    [Fact]
    public void Two_reverse_layers_in_a_row_are_refused()
    {
        Model model = Valid();
        model.Layers[1].Lstm.Reverse = true;
        Assert.Contains(Errors(model), e => e.Path == "layers[1].lstm.reverse");
    }

    [Fact]
    public void The_halves_must_have_the_same_sizes()
    {
        Model model = Valid();
        model.Layers[2].Lstm.HiddenSize = RecurrentTestModels.Hidden + 1;
        DescriptionError error = Errors(model).First();
        Assert.Equal((DescriptionErrorCode.ShapeMismatch, "layers[2].lstm.hiddenSize"), (error.Code, error.Path));
    }

    [Fact]
    public void The_online_quantizer_is_refused_on_the_backward_half()
    {
        Model model = Valid();
        model.Layers[2].InputQuantizer = TestModels.Online(2, 2);
        DescriptionError error = Assert.Single(Errors(model));
        Assert.Equal("layers[2].inputQuantizer.onlineMultiBinary", error.Path);
    }

    [Fact]
    public void A_reverse_layer_names_no_inputs_of_its_own()
    {
        // It reads what its forward half reads; inputs naming anything else would be ignored, so they are refused.
        Model model = Valid();
        model.Layers[2].Inputs.Add("embed");
        DescriptionError error = Assert.Single(Errors(model));
        Assert.Equal((DescriptionErrorCode.InvalidValue, "layers[2].inputs"), (error.Code, error.Path));
        Assert.Contains("forward half", error.Message);
    }

    [Fact]
    public void A_later_layer_cannot_read_the_forward_half_alone()
    {
        // The pair's output (both halves, 2 x hidden) is the backward half's; the forward half's own output is not a tensor.
        Model model = Valid();
        model.Layers[3].Inputs.Add("forward");
        DescriptionError error = Assert.Single(Errors(model));
        Assert.Equal("layers[3].inputs[0]", error.Path);
        Assert.Contains("bidirectional", error.Message);
    }

    private static IReadOnlyList<DescriptionError> Errors(Model model) => DescriptionLoader.Load(TestModels.Json(model)).Errors;
}
