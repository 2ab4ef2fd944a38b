using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using QuantGen.Generator;
using QuantGen.Generator.Model;
using QuantGen.Generator.Strategies;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Planning;

/// <summary>
/// The build's target instruction set (QuantGenTarget, else IlcInstructionSet): how its properties read, which choices
/// it changes on the digits models' shapes (where the two cost tables disagree, measured), and that it reaches the
/// generated code and the byte counts, with a warning for a name the planner does not know.
/// </summary>
public sealed class TargetChoiceTests
{
    [Theory]
    [InlineData("Avx2", null, CpuTarget.Avx2)]
    [InlineData("avx512", null, CpuTarget.Avx512)]
    [InlineData(" AVX2 ", "x86-64-v4", CpuTarget.Avx2)]
    [InlineData(null, "x86-64-v3", CpuTarget.Avx2)]
    [InlineData(null, "avx2,bmi,bmi2,lzcnt,movbe,popcnt,fma", CpuTarget.Avx2)]
    [InlineData(null, "x86-64-v4", CpuTarget.Avx512)]
    [InlineData(null, "avx2,avx512f,avx512bw", CpuTarget.Avx512)]
    [InlineData("portable", "x86-64-v4", CpuTarget.Portable)]
    [InlineData(null, "native", CpuTarget.Portable)]
    [InlineData(null, null, CpuTarget.Portable)]
    public void The_target_comes_from_QuantGenTarget_then_from_the_AOT_instruction_set(string? target, string? instructionSet, CpuTarget expected)
    {
        PlanTarget read = PlanTarget.From(Options(target, instructionSet));
        Assert.Equal(expected, read.Cpu);
        Assert.Null(read.Problem);
    }

    [Theory]
    [InlineData("sse2")]
    [InlineData("1")]
    [InlineData("avx2;avx512")]
    public void An_unknown_target_plans_for_the_default_with_a_warning_that_names_it(string target)
    {
        PlanTarget read = PlanTarget.From(Options(target, "x86-64-v3"));
        Assert.Equal(CpuTarget.Portable, read.Cpu);
        Assert.NotNull(read.Problem);
        Assert.Equal("QG0020", read.Problem!.Descriptor.Id);
        Assert.Equal(DiagnosticSeverity.Warning, read.Problem.Descriptor.DefaultSeverity);
        Assert.Contains($"'{target}'", read.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_digits_models_choices_follow_the_target_where_its_measured_costs_disagree()
    {
        var random = new Random(11);
        // The digits CNN's second convolution, 3-bit alternating weights and input: xor/popcount on AVX-512 (within the size
        // rule of the float convolution), the float convolution on AVX2, where 3 x 3 plane pairs of nibble lookups cost
        // about twice as much (`--costs`: 16.9 us against 9.1).
        Layer conv = DigitsConvolution(random);
        Assert.Equal(KernelKind.XnorConv, Kernel(conv, CpuTarget.Avx512));
        Assert.Equal(KernelKind.Float, Kernel(conv, CpuTarget.Avx2));

        // The digits MLP's first layer, 4-bit weights on a float input: the bit-plane tables on AVX-512, byte codes on
        // AVX2, where each lookup takes two permutes and a blend (`--costs` at 64 x 128: 1,227 ns against 608).
        Layer dense = DigitsFirstLayer(random);
        Assert.Equal(KernelKind.PlaneLut, Kernel(dense, CpuTarget.Avx512));
        Assert.Equal(KernelKind.ByteCodes, Kernel(dense, CpuTarget.Avx2));
    }

    [Fact]
    public void The_portable_plan_takes_the_kernel_that_is_never_far_from_the_best_on_either_table()
    {
        var random = new Random(11);
        Layer conv = DigitsConvolution(random);
        Layer dense = DigitsFirstLayer(random);

        // The convolution: xor/popcount costs 1.2x the float convolution on AVX-512 (taken there for its size) and 1.85x on
        // AVX2; the float convolution is the fastest on both. The dense layer: the tables cost 1.2x byte codes on AVX-512
        // (taken there for their size) and 2x on AVX2. Across both tables the speed on either machine comes first.
        Assert.Equal(KernelKind.Float, Kernel(conv, CpuTarget.Portable));
        Assert.Equal(KernelKind.ByteCodes, Kernel(dense, CpuTarget.Portable));
        foreach (Layer layer in new[] { conv, dense })
        {
            foreach (CpuTarget target in new[] { CpuTarget.Avx512, CpuTarget.Avx2 })
            {
                MatrixRequest m = MatrixRequests.Of(layer, 0, CostModel.For(target)).Single();
                double best = KernelRegistry.All.Where(s => s.Applies(m)).Min(s => KernelRegistry.Cost(s, m));
                Assert.True(KernelRegistry.Cost(KernelRegistry.Get(Kernel(layer, CpuTarget.Portable)), m) <= best * CostModel.Avx512.SizeTolerance, $"{target}: the portable choice is far from the best");
            }
        }

        // The language model's 2-bit matrices: where the input is coded online, the row-major xor/popcount product on AVX2
        // (its 256-bit loop, 1.2x the word product there), the word product on AVX-512 (whose 512-bit loop the row-major one
        // does not have), and the word product across both, never far from the best on either; elsewhere the tables agree.
        var lstm = new Layer
        {
            Lstm = new Lstm { InputSize = 256, HiddenSize = 256, InputWeights = TestModels.MultiBinary(random, 1024, 256, 2), RecurrentWeights = TestModels.MultiBinary(random, 1024, 256, 2), Options = new RecurrentOptions() },
            InputQuantizer = TestModels.Online(2, 2),
        };
        int coded = 0;
        foreach (MatrixRequest m in MatrixRequests.Of(lstm, 0, CostModel.Portable))
        {
            KernelKind avx512 = KernelRegistry.Choose(m.With(CostModel.Avx512)).Kind;
            KernelKind avx2 = KernelRegistry.Choose(m.With(CostModel.Avx2)).Kind;
            Assert.Equal(avx512, KernelRegistry.Choose(m).Kind);
            if (avx512 == KernelKind.Xnor)
            {
                coded++;
                Assert.Equal(KernelKind.XnorRows, avx2);
            }
            else
            {
                Assert.Equal(avx512, avx2);
            }
        }

        Assert.True(coded > 0, "no matrix of the layer takes the xor/popcount product");
    }

    [Fact]
    public void The_byte_counts_follow_the_target_as_the_generated_class_does()
    {
        Model model = DigitsLikeDense();
        Assert.Equal("PlaneLut", ParameterBytes.Of(model, CpuTarget.Avx512).Single().Kernel);
        Assert.Equal("ByteCodes", ParameterBytes.Of(model, CpuTarget.Avx2).Single().Kernel);
        Assert.Equal("ByteCodes", ParameterBytes.Of(model).Single().Kernel);
        Assert.True(ParameterBytes.Total(model, CpuTarget.Avx2) > ParameterBytes.Total(model, CpuTarget.Avx512), "byte codes store a byte per weight, the tables four bits");
    }

    [Fact]
    public void The_build_property_reaches_the_generated_code_and_an_unknown_one_warns_once()
    {
        string model = TestModels.Json(DigitsLikeDense());
        (string Path, string Text)[] sources = [];
        var files = new[] { ("models/d.qgm.json", model, new Dictionary<string, string> { ["QuantGenClassName"] = "D", ["QuantGenNamespace"] = "App" }) };

        (GeneratorDriverRunResult avx2, _) = ItemHarness.RunWithItems(sources, new Dictionary<string, string> { ["QuantGenTarget"] = "Avx2" }, files);
        Assert.Empty(avx2.Diagnostics);
        Assert.Contains("ByteCodes.Dense(", Kernels(avx2), StringComparison.Ordinal);

        (GeneratorDriverRunResult unknown, _) = ItemHarness.RunWithItems(sources, new Dictionary<string, string> { ["QuantGenTarget"] = "neon" }, files);
        Diagnostic warning = Assert.Single(unknown.Diagnostics);
        Assert.Equal("QG0020", warning.Id);
        Assert.Contains("'neon'", warning.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("ByteCodes.Dense(", Kernels(unknown), StringComparison.Ordinal);

        (GeneratorDriverRunResult avx512, _) = ItemHarness.RunWithItems(sources, new Dictionary<string, string> { ["QuantGenTarget"] = "Avx512" }, files);
        Assert.Empty(avx512.Diagnostics);
        Assert.Contains("PlaneLut.Dense(", Kernels(avx512), StringComparison.Ordinal);
    }

    private static string Kernels(GeneratorDriverRunResult run) =>
        string.Concat(run.Results.SelectMany(r => r.GeneratedSources).Where(s => s.HintName.EndsWith(".Kernels.g.cs", StringComparison.Ordinal)).Select(s => s.SourceText.ToString()));

    private static Model DigitsLikeDense()
    {
        var random = new Random(13);
        var model = new Model { Schema = "quantgen.v1", Name = "d" };
        model.Inputs.Add(new TensorInfo { Name = "x", Shape = { 64 } });
        model.Outputs.Add(new TensorInfo { Name = "y", Shape = { 128 } });
        model.Layers.Add(new Layer { Name = "d", Dense = new Dense { InFeatures = 64, OutFeatures = 128, Weights = TestModels.Uniform(random, 128, 64, 4, signed: true, perRow: true, zeroPoints: false) } });
        return model;
    }

    /// <summary>The digits CNN's second convolution, 3-bit alternating weights and input.</summary>
    private static Layer DigitsConvolution(Random random) => new Layer
    {
        Conv2D = new Conv2d { InChannels = 16, OutChannels = 32, Height = 8, Width = 8, KernelH = 3, KernelW = 3, StrideH = 1, StrideW = 1, PaddingH = 1, PaddingW = 1, Weights = TestModels.MultiBinary(random, 32, 16 * 9, 3) },
        InputQuantizer = TestModels.Online(3, 2),
    };

    /// <summary>The digits MLP's first layer, 4-bit weights on a float input.</summary>
    private static Layer DigitsFirstLayer(Random random) =>
        new Layer { Dense = new Dense { InFeatures = 64, OutFeatures = 128, Weights = TestModels.Uniform(random, 128, 64, 4, signed: true, perRow: true, zeroPoints: false) } };

    private static KernelKind Kernel(Layer layer, CpuTarget target) => KernelRegistry.Choose(MatrixRequests.Of(layer, 0, CostModel.For(target)).Single()).Kind;

    private static Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions Options(string? target, string? instructionSet)
    {
        var values = new Dictionary<string, string>();
        if (target is not null)
        {
            values["build_property.QuantGenTarget"] = target;
        }

        if (instructionSet is not null)
        {
            values["build_property.IlcInstructionSet"] = instructionSet;
        }

        return new ItemHarness.MetadataOptions(values);
    }
}
