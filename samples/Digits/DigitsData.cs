using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace QuantGen.Samples.Digits;

/// <summary>The held-out digits: 64 pixel values (0..16) and a label per line; the model sees pixels / 16.</summary>
internal sealed class DigitsData
{
    public const int Pixels = 64;

    private DigitsData(float[] inputs, int[] labels)
    {
        Inputs = inputs;
        Labels = labels;
    }

    /// <summary>All inputs, one after another (Count x 64).</summary>
    public float[] Inputs { get; }
    public int[] Labels { get; }
    public int Count => Labels.Length;

    public ReadOnlySpan<float> Input(int i) => Inputs.AsSpan(i * Pixels, Pixels);

    public static DigitsData Load(string path)
    {
        var inputs = new List<float>();
        var labels = new List<int>();
        foreach (string line in File.ReadLines(path))
        {
            string[] cells = line.Split(',');
            for (int c = 0; c < Pixels; c++)
            {
                inputs.Add(int.Parse(cells[c], CultureInfo.InvariantCulture) / 16f);
            }

            labels.Add(int.Parse(cells[Pixels], CultureInfo.InvariantCulture));
        }

        return new DigitsData(inputs.ToArray(), labels.ToArray());
    }
}
