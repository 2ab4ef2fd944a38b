using System;
using QuantGen.Quantizer;
using Xunit;

namespace QuantGen.Tests.Methods;

public sealed class MethodSpecTests
{
    [Theory]
    [InlineData("float", "none", 0)]
    [InlineData("NONE", "none", 0)]
    [InlineData("uniform:4", "uniform", 4)]
    [InlineData(" Alternating:2 ", "alternating", 2)]
    [InlineData("hwgq", "hwgq", 0)]
    [InlineData("hwgq-lloydmax:3", "hwgq-lloydmax", 3)]
    [InlineData("alternating", "alternating", 0)]
    public void Parses_method_and_bits(string text, string method, int bits)
    {
        MethodSpec spec = MethodSpec.Parse(text);
        Assert.Equal(method, spec.Method);
        Assert.Equal(bits, spec.Bits);
        Assert.Equal(method == "none", spec.IsNone);
    }

    [Fact]
    public void Default_bits_are_resolved_per_side()
    {
        Assert.Equal(1, QuantizationMethods.DefaultBits("hwgq", activations: false));
        Assert.Equal(2, QuantizationMethods.DefaultBits("hwgq", activations: true));
        Assert.Equal(2, QuantizationMethods.DefaultBits("alternating", activations: false));
        Assert.Equal(0, QuantizationMethods.DefaultBits("uniform", activations: false));
    }

    [Fact]
    public void An_unknown_method_lists_the_known_ones()
    {
        var e = Assert.Throws<FormatException>(() => MethodSpec.Parse("ternary:2"));
        Assert.Contains("'ternary'", e.Message);
        foreach (string name in QuantizationMethods.AllMethods)
        {
            Assert.Contains(name, e.Message);
        }
    }

    [Theory]
    [InlineData("uniform")]
    [InlineData("uniform:0")]
    [InlineData("uniform:9")]
    [InlineData("uniform:x")]
    [InlineData("uniform:4:2")]
    [InlineData("float:8")]
    public void Bad_bits_are_a_format_error(string text) => Assert.Throws<FormatException>(() => MethodSpec.Parse(text));

    [Fact]
    public void The_contract_lists_every_method_of_the_issue()
    {
        foreach (string m in new[] { "uniform", "affine", "stochastic", "dorefa", "bitrnn", "hwgq", "wq", "greedy", "refined", "alternating", "lsq" })
        {
            Assert.Contains(m, QuantizationMethods.WeightMethods);
        }

        foreach (string m in new[] { "uniform", "affine", "dorefa", "hwgq", "hwgq-lloydmax", "logquant", "alternating", "lsq" })
        {
            Assert.Contains(m, QuantizationMethods.ActivationMethods);
        }
    }

    [Fact]
    public void Every_method_has_a_summary_and_specs_print_back()
    {
        Assert.All(QuantizationMethods.WeightMethods, m => Assert.False(string.IsNullOrEmpty(QuantizationMethods.Describe(m, activations: false))));
        Assert.All(QuantizationMethods.ActivationMethods, m => Assert.False(string.IsNullOrEmpty(QuantizationMethods.Describe(m, activations: true))));
        foreach (string text in new[] { "none", "hwgq", "uniform:4", "hwgq-lloydmax:3" })
        {
            Assert.Equal(text, MethodSpec.Parse(text).ToString());
        }
    }

    [Fact]
    public void Bits_outside_a_methods_range_name_the_method()
    {
        var e = Assert.Throws<ArgumentException>(() => QuantizationMethods.CreateWeightQuantizer(new MethodSpec("hwgq", 2)));
        Assert.Contains("'hwgq' takes 1 bit only, not 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => QuantizationMethods.CreateActivationQuantizer(new MethodSpec("hwgq", 5)));
        Assert.Contains("1 to 4 bits, not 5", e.Message);
        e = Assert.Throws<ArgumentException>(() => QuantizationMethods.CreateWeightQuantizer(new MethodSpec("logquant", 4)));
        Assert.Contains("not a method for weights", e.Message);
    }
}
