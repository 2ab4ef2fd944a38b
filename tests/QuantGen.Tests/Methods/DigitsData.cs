using System;
using System.Globalization;
using System.IO;
using System.Linq;
using QuantGen.Reference;
using QuantGen.Schema;

namespace QuantGen.Tests.Methods;

/// <summary>The digits sample's float model, its training split (calibration) and its 360 held-out digits.</summary>
internal static class DigitsData
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "digits");
    private static readonly Lazy<Model> LazyModel = new(() => DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(Directory, "digits.float.qgm.json")), "digits.float.qgm.json"));
    private static readonly Lazy<(float[][], int[])> LazyTrain = new(() => Read("digits-train.csv"));
    private static readonly Lazy<(float[][], int[])> LazyTest = new(() => Read("digits-test.csv"));

    public static Model FloatModel => LazyModel.Value;

    /// <summary>Pixels / 16, as the model was trained.</summary>
    public static float[][] Calibration => LazyTrain.Value.Item1;

    public static (float[][] Inputs, int[] Labels) HeldOut => LazyTest.Value;

    /// <summary>Correct answers of the reference interpreter on the held-out digits.</summary>
    public static int Correct(Model model)
    {
        var interpreter = new ReferenceInterpreter(model);
        (float[][] inputs, int[] labels) = HeldOut;
        int correct = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            float[] y = interpreter.Predict(inputs[i]);
            correct += Array.IndexOf(y, y.Max()) == labels[i] ? 1 : 0;
        }

        return correct;
    }

    private static (float[][], int[]) Read(string file)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Directory, file)).Where(l => l.Length > 0).ToArray();
        float[][] inputs = lines.Select(l => l.Split(',').Take(64).Select(v => int.Parse(v, CultureInfo.InvariantCulture) / 16f).ToArray()).ToArray();
        int[] labels = lines.Select(l => int.Parse(l.Split(',')[64], CultureInfo.InvariantCulture)).ToArray();
        return (inputs, labels);
    }
}
