using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using QuantGen.Runtime;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Recurrent;
using Xunit;

namespace QuantGen.Tests.Planning;

/// <summary>
/// The row-major xor/popcount product (runtime Xnor.Rows.cs) as the planner uses it: built for AVX2, the language model's
/// shape (stacked LSTMs or GRUs, multi-bit binary weights, every input coded online) takes it for its matrices, and the
/// generated class computes what the class planned for the default target computes, to the bit, step after step (the two
/// layouts count the same bits and apply the same float steps; everything else in the plans is the same).
/// </summary>
public sealed class RowMajorXnorTests
{
    /// <summary>The 2-bit LSTM stack: its gate matrices have 288 rows, whole blocks of 32. (Its GRU twin has 216, which the
    /// row-major layout pads to 224: the word product, within the registry's tolerance and smaller, keeps those; at 3 bits
    /// the plane tables over the coded input win at this size, as RecurrentTestModels.AlternatingStack says.)</summary>
    [Fact]
    public void A_model_built_for_avx2_takes_the_row_major_product_and_steps_to_the_default_plans_bits()
    {
        const int bits = 2;
        Model description = RecurrentTestModels.AlternatingStack("rows", lstm: true, bits, seed: 19);
        (IRecurrentQuantModel avx2, string avx2Kernels) = Build(description, "Avx2");
        (IRecurrentQuantModel portable, string portableKernels) = Build(description, null);
        Assert.Contains("Xnor.DenseRows", avx2Kernels, StringComparison.Ordinal);
        Assert.DoesNotContain("Xnor.DenseRows", portableKernels, StringComparison.Ordinal);

        RecurrentState avx2State = avx2.CreateState(), portableState = portable.CreateState();
        var fromAvx2 = new float[avx2.OutputLength];
        var fromPortable = new float[portable.OutputLength];
        var random = new Random(bits);
        for (int t = 0; t < 12; t++)
        {
            int token = random.Next(avx2.VocabularySize);
            avx2.Step(token, avx2State, fromAvx2);
            portable.Step(token, portableState, fromPortable);
            for (int i = 0; i < fromAvx2.Length; i++)
            {
                // The word product's 128-bit and scalar loops order their float steps otherwise: there, close, not equal.
                bool sameSteps = KernelPaths.Current is "Vector512" or "Vector256";
                Assert.True(
                    sameSteps ? BitConverter.SingleToInt32Bits(fromAvx2[i]) == BitConverter.SingleToInt32Bits(fromPortable[i]) : Math.Abs(fromAvx2[i] - fromPortable[i]) <= 1e-4f * (1 + Math.Abs(fromPortable[i])),
                    $"step {t} output {i} on {KernelPaths.Current}: {fromAvx2[i]:R} against {fromPortable[i]:R}");
            }
        }
    }

    /// <summary>Generates, compiles and loads the class for <paramref name="description"/> planned for <paramref name="target"/>.</summary>
    private static (IRecurrentQuantModel Model, string Kernels) Build(Model description, string? target)
    {
        var files = new[] { (AdditionalText)new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/models/m.qgm.json", TestModels.Json(description)) };
        var bindings = GeneratorHarness.Bindings(new[] { ("M", "models/m.qgm.json") });
        GeneratorRun run = GeneratorHarness.Run([bindings], files, target, allowUnsafe: true);
        Assert.Empty(run.Result.Diagnostics);
        string kernels = string.Concat(run.Result.Results.SelectMany(r => r.GeneratedSources).Where(s => s.HintName.EndsWith(".Kernels.g.cs", StringComparison.Ordinal)).Select(s => s.SourceText.ToString()));
        Assembly assembly = Assembly.Load(QuantGen.InMemory.InMemoryGenerator.Emit(run.Output));
        return ((IRecurrentQuantModel)Activator.CreateInstance(assembly.GetType("Tests.Models.M")!)!, kernels);
    }
}
