using System;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace QuantGen.Tests.Import;

/// <summary>The files make_fixtures.py exported, and PyTorch's outputs for them.</summary>
internal static class OnnxFixtures
{
    public static readonly string Directory = System.IO.Path.Combine(AppContext.BaseDirectory, "Import", "Fixtures");

    public static string Path(string name, int opset) => System.IO.Path.Combine(Directory, $"{name}.opset{opset}.onnx");

    public static byte[] Bytes(string name, int opset) => File.ReadAllBytes(Path(name, opset));

    /// <summary>Inputs (one flattened sample each) and PyTorch's float32 outputs for them.</summary>
    public static (int[] SampleShape, float[][] Inputs, float[][] Outputs) Expected(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Directory, name + ".expected.json")));
        JsonElement root = document.RootElement;
        int[] shape = root.GetProperty("sampleShape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return (shape, Rows(root.GetProperty("inputs")), Rows(root.GetProperty("outputs")));
    }

    private static float[][] Rows(JsonElement rows) =>
        rows.EnumerateArray().Select(row => row.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
}
