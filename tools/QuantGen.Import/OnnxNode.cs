using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Import.Onnx;

namespace QuantGen.Import;

/// <summary>A graph node with its position, for error messages, and typed access to its attributes.</summary>
internal sealed class OnnxNode
{
    // AttributeProto.type codes.
    private const int FloatType = 1;
    private const int IntType = 2;
    private const int StringType = 3;
    private const int TensorType = 4;
    private const int FloatsType = 6;
    private const int IntsType = 7;
    private const int StringsType = 8;

    public OnnxNode(NodeProto proto, int index)
    {
        Proto = proto;
        Index = index;
    }

    public NodeProto Proto { get; }

    /// <summary>The node's position in the graph's node list (0-based).</summary>
    public int Index { get; }

    public string OpType => Proto.OpType;

    public string Name => Proto.Name;

    /// <summary>"node "/fc1/Gemm" (Gemm)", or "node #3 (Gemm)" when the node has no name.</summary>
    public string Label => (Name.Length > 0 ? "node " + OnnxText.Quote(Name) : FormattableString.Invariant($"node #{Index}"))
        + " (" + OnnxText.Quote(OpType).Trim('"') + ")";

    /// <summary>The node's input value names as written; an empty name is an omitted optional input.</summary>
    public IReadOnlyList<string> Inputs => Proto.Input;

    /// <summary>An error about this node: "node "/fc1/Gemm" (Gemm): ...". Numbers are formatted invariantly.</summary>
    /// <summary>The node that gives each value, by the value's name (for a value given twice, the later node).</summary>
    public static Dictionary<string, OnnxNode> Producers(IEnumerable<OnnxNode> nodes)
    {
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode node in nodes)
        {
            foreach (string output in node.Proto.Output.Where(o => o.Length > 0))
            {
                producers[output] = node;
            }
        }

        return producers;
    }

    public OnnxImportException Error(FormattableString message) =>
        new OnnxImportException(Label + ": " + FormattableString.Invariant(message));

    /// <summary>Refuses attributes the converter does not know: ONNX gives every attribute a meaning.</summary>
    public void AllowOnlyAttributes(params string[] names)
    {
        foreach (AttributeProto attribute in Proto.Attribute)
        {
            if (!names.Contains(attribute.Name, StringComparer.Ordinal))
            {
                string known = names.Length == 0 ? "it takes none" : "it takes " + string.Join(", ", names);
                throw Error($"attribute {OnnxText.Quote(attribute.Name)} is not supported ({known})");
            }
        }
    }

    public long GetInt(string name, long defaultValue) =>
        Get(name, IntType, a => a.HasI, a => a.I, "an integer") is (true, long value) ? value : defaultValue;

    public float GetFloat(string name, float defaultValue) =>
        Get(name, FloatType, a => a.HasF, a => a.F, "a float") is (true, float value) ? value : defaultValue;

    public IReadOnlyList<long> GetInts(string name) => Require(name, IntsType, a => a.Ints.Count > 0, a => a.Ints, "a list of integers");

    public IReadOnlyList<float> GetFloats(string name) => Require(name, FloatsType, a => a.Floats.Count > 0, a => a.Floats, "a list of floats");

    /// <summary>A list-of-integers attribute, or <paramref name="defaultValue"/> when the node does not give it.</summary>
    public IReadOnlyList<long> GetInts(string name, IReadOnlyList<long> defaultValue) =>
        Get(name, IntsType, a => a.Ints.Count > 0, a => (IReadOnlyList<long>)a.Ints, "a list of integers") is (true, IReadOnlyList<long> value) ? value : defaultValue;

    /// <summary>A string attribute (UTF-8), or <paramref name="defaultValue"/> when the node does not give it.</summary>
    public string GetString(string name, string defaultValue) =>
        Get(name, StringType, a => !a.S.IsEmpty, a => a.S.ToStringUtf8(), "a string") is (true, string value) ? value : defaultValue;

    /// <summary>A list-of-strings attribute, or null when the node does not give it.</summary>
    public IReadOnlyList<string>? GetStrings(string name) =>
        Get(name, StringsType, a => a.Strings.Count > 0, a => (IReadOnlyList<string>)a.Strings.Select(b => b.ToStringUtf8()).ToArray(), "a list of strings") is (true, IReadOnlyList<string> value) ? value : null;

    public TensorProto GetTensor(string name) => Require(name, TensorType, a => a.T is not null, a => a.T, "a tensor");

    /// <summary>
    /// An axis attribute's value as an index into a value of <paramref name="rank"/> dimensions (negative
    /// counts from the end); <paramref name="rankAllowed"/> when the axis may also be the rank itself (Flatten).
    /// </summary>
    public int NormalizeAxis(long axis, int rank, bool rankAllowed)
    {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized > rank || (normalized == rank && !rankAllowed))
        {
            throw Error($"axis = {axis} is outside the input's {rank} dimensions");
        }

        return (int)normalized;
    }

    private (bool Found, T Value) Get<T>(string name, int type, Func<AttributeProto, bool> present, Func<AttributeProto, T> value, string expected)
    {
        AttributeProto? attribute = Find(name);
        if (attribute is null)
        {
            return (false, default!);
        }

        // Files from old exporters leave `type` unset (0); then the value field that is present decides.
        if (!(attribute.Type == type || (attribute.Type == 0 && present(attribute))))
        {
            throw Error($"attribute {OnnxText.Quote(attribute.Name)} must be {expected} (its type code is {attribute.Type})");
        }

        return (true, value(attribute));
    }

    private T Require<T>(string name, int type, Func<AttributeProto, bool> present, Func<AttributeProto, T> value, string expected)
    {
        (bool found, T result) = Get(name, type, present, value, expected);
        return found && result is not null ? result : throw Error($"attribute {OnnxText.Quote(name)} is missing");
    }

    private AttributeProto? Find(string name)
    {
        AttributeProto? found = null;
        foreach (AttributeProto attribute in Proto.Attribute)
        {
            if (attribute.Name == name)
            {
                if (found is not null)
                {
                    throw Error($"attribute {OnnxText.Quote(name)} is given twice");
                }

                found = attribute;
            }
        }

        if (found is not null && found.RefAttrName.Length > 0)
        {
            throw Error($"attribute {OnnxText.Quote(name)} refers to a function attribute; only plain values are supported");
        }

        return found;
    }
}
