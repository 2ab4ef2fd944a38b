using System;
using System.Collections.Generic;

namespace QuantGen.Schema;

/// <summary>
/// Which values each layer reads: the one place that turns <see cref="Layer.Inputs"/> (names of earlier
/// layers, or of the model's input; empty for the layer before) into indices, shared by the validator, the
/// shape trace, the reference interpreter, the planner and the tools.
/// </summary>
public static class LayerGraph
{
    /// <summary>The source index that stands for the model's input.</summary>
    public const int ModelInput = -1;

    /// <summary>Whether the layer reads more than one value (Add, Concat).</summary>
    public static bool JoinsInputs(Layer layer) => layer.OpCase is Layer.OpOneofCase.Add or Layer.OpOneofCase.Concat;

    /// <summary>
    /// True when every layer reads the one before it (no layer names its inputs): the form the generator
    /// plans with two alternating buffers, as before graphs were described.
    /// </summary>
    public static bool IsChain(Model model)
    {
        foreach (Layer layer in model.Layers)
        {
            if (layer.Inputs.Count > 0 || JoinsInputs(layer))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The sources of every layer of a valid model: layer indices, or <see cref="ModelInput"/>.</summary>
    public static int[][] Sources(Model model) =>
        Resolve(model, (index, input, message) => throw new InvalidOperationException($"layer {index}, input {input}: {message}"));

    /// <summary>
    /// Resolves every layer's inputs; <paramref name="error"/> receives the layer, the position in its
    /// <c>inputs</c> (-1 for the layer as a whole) and a message for each name that does not resolve to an
    /// earlier layer or the model's input. Such a name gets no source.
    /// </summary>
    public static int[][] Resolve(Model model, Action<int, int, string> error)
    {
        string inputName = model.Inputs.Count > 0 ? model.Inputs[0].Name : "";
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i].Name.Length > 0 && !index.ContainsKey(model.Layers[i].Name))
            {
                index.Add(model.Layers[i].Name, i);
            }
        }

        var sources = new int[model.Layers.Count][];
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i];
            if (layer.Inputs.Count == 0)
            {
                sources[i] = new[] { i - 1 };
                continue;
            }

            var list = new List<int>(layer.Inputs.Count);
            for (int k = 0; k < layer.Inputs.Count; k++)
            {
                string name = layer.Inputs[k];
                bool isLayer = index.TryGetValue(name, out int source);
                bool isInput = name.Length > 0 && name == inputName;
                if (isLayer && isInput)
                {
                    error(i, k, $"layer {i} reads \"{Shorten(name)}\", which names both layer {source} and the model's input; rename the layer");
                }
                else if (isInput)
                {
                    list.Add(ModelInput);
                }
                else if (!isLayer)
                {
                    error(i, k, $"layer {i} reads \"{Shorten(name)}\", which is neither a layer's name nor the model's input \"{Shorten(inputName)}\"");
                }
                else if (source >= i)
                {
                    string cycle = CycleThrough(model, index, i, source);
                    error(i, k, cycle.Length > 0
                        ? $"layer {i} reads \"{Shorten(name)}\" and the layers form a cycle ({cycle}); a layer may read only layers listed before it"
                        : $"layer {i} reads \"{Shorten(name)}\", layer {source}, which is listed after it; list the layers so that each reads only earlier ones");
                }
                else if (source + 1 < i && LayerShapes.IsReverse(model.Layers[source + 1]))
                {
                    // A bidirectional pair's output is its backward half's (both directions, 2 x hidden); the
                    // forward half alone is not a tensor any layer can read.
                    error(i, k, $"layer {i} reads \"{Shorten(name)}\", layer {source}, the forward half of the bidirectional pair ending at layer {source + 1}; read the pair's output, layer {source + 1}");
                }
                else
                {
                    list.Add(source);
                }
            }

            sources[i] = list.ToArray();
        }

        return sources;
    }

    /// <summary>A path of reads from <paramref name="from"/> back to <paramref name="reader"/> (e.g. "2 -> 3 -> 2"), or "" when the forward read closes no cycle.</summary>
    private static string CycleThrough(Model model, Dictionary<string, int> index, int reader, int from)
    {
        if (from == reader)
        {
            return $"{reader} -> {reader}";
        }

        // Depth-first over "reads" edges (a layer reads its named inputs, or the layer before).
        var path = new List<int> { reader, from };
        var seen = new HashSet<int> { from };
        return Search(from) ? string.Join(" -> ", path) : "";

        bool Search(int at)
        {
            foreach (int next in Reads(at))
            {
                if (next == reader)
                {
                    path.Add(next);
                    return true;
                }

                if (next >= 0 && seen.Add(next))
                {
                    path.Add(next);
                    if (Search(next))
                    {
                        return true;
                    }

                    path.RemoveAt(path.Count - 1);
                }
            }

            return false;
        }

        IEnumerable<int> Reads(int layer)
        {
            if (model.Layers[layer].Inputs.Count == 0)
            {
                yield return layer - 1;
                yield break;
            }

            foreach (string name in model.Layers[layer].Inputs)
            {
                if (index.TryGetValue(name, out int source))
                {
                    yield return source;
                }
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text.Substring(0, 64) + "...";
}
