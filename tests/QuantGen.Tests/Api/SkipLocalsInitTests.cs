using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using QuantGen.InMemory;
using QuantGen.Runtime;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Recurrent;
using Xunit;

namespace QuantGen.Tests.Api;

/// <summary>
/// In a project that allows unsafe code the generator marks each model class <c>[SkipLocalsInit]</c>, so the working
/// memory its entry points <c>stackalloc</c> is not zeroed. Generated code must then never read what it has not written:
/// these tests fill the stack with NaN bytes before each call and require the same bits as a call on clean memory, on
/// the digits models (MLP in float, 4-bit and alternating 2-bit; the residual CNN in 8-bit) and on every compiled
/// recurrent and convolutional test model. Without unsafe code, or where the class already carries the attribute,
/// nothing is added.
/// </summary>
public sealed class SkipLocalsInitTests(CompiledRecurrentModels models) : IClassFixture<CompiledRecurrentModels>
{
    private const int PoisonBytes = 256 * 1024;

    [Fact]
    public void The_poison_reaches_the_next_calls_stack_memory()
    {
        // The premise of the tests below: a method called after Poison, from the same frame, finds its bytes.
        Poison();
        Assert.True(SeesPoison(), "a [SkipLocalsInit] stackalloc after Poison() should see its 0xFF bytes");
    }

    [Fact]
    public void Digits_models_give_the_same_bits_on_poisoned_stack_memory()
    {
        string[] files =
        [
            Path.Combine("digits", "digits.float.qgm.json"),
            Path.Combine("digits", "digits.uniform4.qgm.json"),
            Path.Combine("digits", "digits.alternating2.qgm.json"),
            Path.Combine("digits-resnet", "digits-resnet.uniform8.qgm.json"),
        ];
        using GeneratedModels compiled = GeneratedModels.Compile(files.Select(f => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, f))).ToList());
        for (int m = 0; m < files.Length; m++)
        {
            IQuantModel model = compiled.Models[m];
            float[] input = Inputs(new Random(m), model.InputLength, 0f, 1f);
            AssertSameBits(files[m], Predict(model, input, poison: false), Predict(model, input, poison: true));
            float[] batch = Inputs(new Random(m + 10), 5 * model.InputLength, 0f, 1f);
            AssertSameBits(files[m] + " (batch of 5)", PredictBatch(model, batch, 5, poison: false), PredictBatch(model, batch, 5, poison: true));
        }
    }

    [Fact]
    public void Recurrent_and_convolutional_test_models_give_the_same_bits_on_poisoned_stack_memory()
    {
        foreach ((string name, SequenceCase c) in models.Cases)
        {
            if (c.Generated is IRecurrentQuantModel recurrent)
            {
                AssertSameBits(name, Steps(recurrent, poison: false), Steps(recurrent, poison: true));
            }
            else
            {
                IQuantModel model = c.Stateless;
                float[] input = Inputs(new Random(name.Length), model.InputLength, -1f, 1f);
                AssertSameBits(name, Predict(model, input, poison: false), Predict(model, input, poison: true));
            }
        }
    }

    [Fact]
    public void Without_unsafe_code_or_with_the_attribute_already_there_nothing_is_added()
    {
        string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json"));
        var file = new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/models/tiny.qgm.json", json);

        GeneratorRun safe = Run("[global::QuantGen.QuantModel(\"models/tiny.qgm.json\")] public partial class Tiny;", file, allowUnsafe: false);
        Assert.DoesNotContain(safe.Sources.Keys, k => k.EndsWith(".SkipLocalsInit.g.cs", StringComparison.Ordinal));
        safe.Load();

        GeneratorRun unsafeProject = Run("[global::QuantGen.QuantModel(\"models/tiny.qgm.json\")] public partial class Tiny;", file, allowUnsafe: true);
        Assert.Contains("Tests.Models.Tiny.SkipLocalsInit.g.cs", unsafeProject.Sources.Keys);
        unsafeProject.Load();

        // A class nested in another: the part opens the containing type as the other generated files do.
        GeneratorRun nested = Run("public static partial class Outer { [global::QuantGen.QuantModel(\"models/tiny.qgm.json\")] public partial class Tiny; }", file, allowUnsafe: true);
        Assert.Contains("Tests.Models.Outer.Tiny.SkipLocalsInit.g.cs", nested.Sources.Keys);
        nested.Load();

        // The user's own [SkipLocalsInit] on the class: a second one would not compile (the attribute allows one).
        GeneratorRun own = Run("[global::System.Runtime.CompilerServices.SkipLocalsInit, global::QuantGen.QuantModel(\"models/tiny.qgm.json\")] public partial class Tiny;", file, allowUnsafe: true);
        Assert.DoesNotContain(own.Sources.Keys, k => k.EndsWith(".SkipLocalsInit.g.cs", StringComparison.Ordinal));
        own.Load();
    }

    private static GeneratorRun Run(string declaration, AdditionalText file, bool allowUnsafe)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation([(GeneratorHarness.SourceDirectory + "/Models.cs", "namespace Tests.Models;\n" + declaration + "\n")], allowUnsafe);
        GeneratorDriver driver = GeneratorHarness.Driver([file]).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var diagnostics);
        Assert.Empty(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        return new GeneratorRun(driver, driver.GetRunResult(), output, diagnostics);
    }

    private static float[] Predict(IQuantModel model, float[] input, bool poison)
    {
        var output = new float[model.OutputLength];
        if (poison)
        {
            Poison();
        }

        model.Predict(input, output);
        return output;
    }

    private static float[] PredictBatch(IQuantModel model, float[] inputs, int batchSize, bool poison)
    {
        var outputs = new float[batchSize * model.OutputLength];
        if (poison)
        {
            Poison();
        }

        model.Predict(inputs, outputs, batchSize);
        return outputs;
    }

    /// <summary>Five steps from a new state; a one-value input is a small token id (valid for the token models too).</summary>
    private static float[] Steps(IRecurrentQuantModel model, bool poison)
    {
        RecurrentState state = model.CreateState();
        var random = new Random(3);
        var outputs = new List<float>();
        var output = new float[model.OutputLength];
        for (int t = 0; t < 5; t++)
        {
            float[] input = model.InputLength == 1 ? [t % 3 + 1] : Inputs(random, model.InputLength, -1f, 1f);
            if (poison)
            {
                Poison();
            }

            model.Step(input, state, output);
            outputs.AddRange(output);
        }

        return outputs.ToArray();
    }

    private static float[] Inputs(Random random, int length, float lo, float hi) =>
        Enumerable.Range(0, length).Select(_ => lo + ((hi - lo) * (float)random.NextDouble())).ToArray();

    private static void AssertSameBits(string what, float[] clean, float[] poisoned)
    {
        Assert.True(
            clean.Select(BitConverter.SingleToInt32Bits).SequenceEqual(poisoned.Select(BitConverter.SingleToInt32Bits)),
            $"{what}: outputs on poisoned stack memory differ from those on clean memory (first clean {clean[0]:R}, poisoned {poisoned[0]:R})");
    }

    /// <summary>Fills the stack below the caller's frame with 0xFF bytes (every float a NaN).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Poison()
    {
        Span<byte> garbage = stackalloc byte[PoisonBytes];
        garbage.Fill(0xFF);
        Keep(garbage);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Keep(Span<byte> bytes) => GC.KeepAlive(bytes.Length);

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool SeesPoison()
    {
        Span<byte> memory = stackalloc byte[64 * 1024];
        Keep(memory);
        return memory[1024] == 0xFF && memory[60 * 1024] == 0xFF;
    }
}
