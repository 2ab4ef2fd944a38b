using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Quantizer;
using QuantGen.Quantizer.Methods;
using QuantGen.Reference;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using QuantGen.Tests.Recurrent;
using Xunit;

namespace QuantGen.Tests.Methods;

/// <summary>
/// Each quantizer's range is calibrated on what it quantizes. A GRU's hidden quantizer quantizes every new h
/// (in [-1, 1]) and also the reset product r * (U_n h + d_n), which nothing bounds; calibrated on h alone its
/// range was [-1, 1] and it clipped the reset product (a trained one-layer GRU of 256 lost a bit per character
/// at uniform 8/8).
/// </summary>
public sealed class RecurrentCalibrationTests
{
    [Fact]
    public void A_gru_hidden_quantizer_covers_the_reset_product_and_keeps_the_model_near_float()
    {
        Model floatModel = SeededGru();
        float[][] calibration = Tokens(new Random(3), 400);
        float[][] heldOut = Tokens(new Random(4), 200);
        Model quantized = ModelQuantizer.Quantize(floatModel, MethodSpec.None, MethodSpec.Parse("uniform:8"), calibration);
        UniformActivation hidden = quantized.Layers.Single(l => l.Gru is not null).Gru.Options.HiddenQuantizer.Uniform;

        // What the hidden quantizer's two uses see on the calibration text, once the GRU's input is quantized.
        Model inputOnly = quantized.Clone();
        inputOnly.Layers.Single(l => l.Gru is not null).Gru.Options.HiddenQuantizer = null;
        float[] resets = SiteValues(inputOnly, calibration, QuantizerSite.ResetProduct);
        float[] states = SiteValues(inputOnly, calibration, QuantizerSite.Hidden);
        float resetScale = Quantile(resets.Select(Math.Abs).ToArray(), 0.999);
        Assert.True(resetScale > 2f, $"the seeded model's reset products should reach well past 1, not {resetScale}");
        Assert.True(states.All(v => Math.Abs(v) <= 1f));
        Assert.Equal(-hidden.Hi, hidden.Lo);
        Assert.Equal(Quantile(states.Concat(resets).Select(Math.Abs).ToArray(), UniformActivations.Coverage), hidden.Hi);

        // The same model with the range measured on h alone (the old calibration) clips the reset product.
        Model clipped = quantized.Clone();
        float stateScale = Quantile(states.Select(Math.Abs).ToArray(), 0.999);
        clipped.Layers.Single(l => l.Gru is not null).Gru.Options.HiddenQuantizer.Uniform = new UniformActivation { Bits = 8, Lo = -stateScale, Hi = stateScale };

        double calibratedError = MaxLogitError(floatModel, quantized, heldOut);
        double clippedError = MaxLogitError(floatModel, clipped, heldOut);
        // Measured: 0.21 calibrated, 2.96 clipped (the 8-bit step is range / 255, so half a step of 11.7 / 255 per reset value).
        Assert.True(calibratedError < 0.5, $"calibrated: max logit error {calibratedError}, clipped {clippedError}");
        Assert.True(clippedError > 5 * calibratedError, $"clipped {clippedError} vs calibrated {calibratedError}");
    }

    [Fact]
    public void A_bidirectional_model_is_calibrated_on_the_whole_sequence()
    {
        // Its steps depend on later steps, so calibration runs the rows as one sequence (it used to stop with
        // "runs whole sequences only"); each half's input range is measured on what that half reads.
        Model floatModel = CompiledSequenceModels.Bidirectional("bi-calibration", lstm: true, RecurrentTestModels.TestFloat, _ => null, seed: 5);
        float[][] calibration = Tokens(new Random(6), 300);
        Model quantized = ModelQuantizer.Quantize(floatModel, MethodSpec.None, MethodSpec.Parse("uniform:8"), calibration);
        Assert.Empty(DescriptionLoader.Load(TestModels.Json(quantized)).Errors);
        for (int i = 1; i <= 2; i++)
        {
            UniformActivation range = quantized.Layers[i].InputQuantizer.Uniform;
            float[] seen = SequenceSiteValues(floatModel, calibration, i, QuantizerSite.Input);
            Assert.Equal(Quantile(seen.Select(Math.Abs).ToArray(), UniformActivations.Coverage), Math.Max(Math.Abs(range.Lo), Math.Abs(range.Hi)), 3);
        }

        float[][] heldOut = Tokens(new Random(7), 60);
        float[][] expected = new ReferenceInterpreter(floatModel).RunSequence(heldOut);
        float[][] actual = new ReferenceInterpreter(quantized).RunSequence(heldOut);
        double worst = expected.Zip(actual, (e, a) => e.Zip(a, (p, q) => Math.Abs((double)p - q)).Max()).Max();
        Assert.True(worst < 0.1, $"max logit error at 8-bit activations {worst}");
    }

    private static float[] SequenceSiteValues(Model model, float[][] tokens, int layer, QuantizerSite wanted)
    {
        var values = new List<float>();
        var interpreter = new ReferenceInterpreter(model, new ReferenceOptions { Observe = (l, site, x) => { if (l == layer && site == wanted) { values.AddRange(x); } } });
        interpreter.RunSequence(tokens);
        return values.ToArray();
    }

    /// <summary>
    /// Embedding -> GRU(17) -> Dense, float, with the candidate's recurrent bias d_n eight times the usual scale, so
    /// U_n h + d_n leaves [-1, 1] (larger recurrent weights would do it too, but make the random network chaotic).
    /// </summary>
    private static Model SeededGru()
    {
        Model model = RecurrentTestModels.TokenRecurrent("gru-calibration", lstm: false, RecurrentTestModels.TestFloat, _ => null, seed: 21);
        Gru gru = model.Layers.Single(l => l.Gru is not null).Gru;
        gru.Options.HiddenQuantizer = null;
        int n = gru.HiddenSize;
        for (int k = 2 * n; k < 3 * n; k++)
        {
            gru.RecurrentBias[k] *= 8f;
        }

        return model;
    }

    private static float[][] Tokens(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => new float[] { random.Next(RecurrentTestModels.Vocabulary) }).ToArray();

    private static float[] SiteValues(Model model, float[][] tokens, QuantizerSite wanted)
    {
        var values = new List<float>();
        var interpreter = new ReferenceInterpreter(model, new ReferenceOptions { Observe = (_, site, x) => { if (site == wanted) { values.AddRange(x); } } });
        ReferenceInterpreter.SequenceState state = interpreter.NewState();
        foreach (float[] token in tokens)
        {
            interpreter.Step(token, state);
        }

        return values.ToArray();
    }

    private static double MaxLogitError(Model reference, Model model, float[][] tokens)
    {
        var a = new ReferenceInterpreter(reference);
        var b = new ReferenceInterpreter(model);
        ReferenceInterpreter.SequenceState sa = a.NewState(), sb = b.NewState();
        double worst = 0;
        foreach (float[] token in tokens)
        {
            float[] x = a.Step(token, sa), y = b.Step(token, sb);
            worst = Math.Max(worst, x.Zip(y, (p, q) => Math.Abs((double)p - q)).Max());
        }

        return worst;
    }

    private static float Quantile(float[] values, double q)
    {
        Array.Sort(values);
        return values[(int)Math.Round(q * (values.Length - 1))];
    }
}
