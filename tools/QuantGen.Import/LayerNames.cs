using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace QuantGen.Import;

/// <summary>
/// Names layers after the ONNX nodes they come from. PyTorch (1.13 and later) names nodes by module path
/// and op, "/fc1/Gemm" or "/encoder/0/MatMul"; the layer gets the module path ("fc1", "encoder.0"). Other
/// names are kept as they are; unnamed nodes give unnamed layers. A repeated name gets a suffix ("_2"),
/// since a description's layer names are unique. Each base name remembers the last suffix it tried, so
/// n nodes of one name take O(n) lookups in all, not O(n^2) (40,000 Relu nodes named "r" took 25 s).
/// </summary>
internal sealed class LayerNames
{
    private readonly HashSet<string> _used = new HashSet<string>(System.StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nextSuffix = new Dictionary<string, int>(System.StringComparer.Ordinal);

    public string For(OnnxNode node)
    {
        string name = Shorten(node.Name);
        if (name.Length == 0)
        {
            return "";
        }

        if (_used.Add(name))
        {
            return name;
        }

        // Suffixes already given for this name are not tried again. A suffixed name can still collide with
        // a node named like it ("r_2" after two "r"), so the search goes on from there, never back.
        int n = _nextSuffix.TryGetValue(name, out int next) ? next : 2;
        string unique;
        do
        {
            unique = name + "_" + n.ToString(CultureInfo.InvariantCulture);
            n++;
        }
        while (!_used.Add(unique));

        _nextSuffix[name] = n;
        return unique;
    }

    private static string Shorten(string nodeName)
    {
        string name = nodeName;
        int last = name.LastIndexOf('/');
        if (name.StartsWith("/", System.StringComparison.Ordinal) && last > 0)
        {
            name = name.Substring(1, last - 1).Replace('/', '.');
        }
        else
        {
            name = name.TrimStart('/');
        }

        // Names end up in generated comments: keep them printable.
        var builder = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            builder.Append(char.IsControl(c) ? '_' : c);
        }

        return builder.ToString();
    }
}
