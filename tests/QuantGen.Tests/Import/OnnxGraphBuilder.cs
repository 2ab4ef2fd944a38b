using System.IO;
using System.Linq;
using Google.Protobuf;
using QuantGen.Import;
using QuantGen.Import.Onnx;
using QuantGen.Schema;

namespace QuantGen.Tests.Import;

/// <summary>
/// Small ONNX models written in C# with the importer's own message types, to reach error paths that
/// PyTorch never exports. Starts as x [batch, 4] -> Gemm(W [3, 4], b [3], transB = 1) -> Relu -> y [batch, 3].
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const int FloatType = 1;

    public OnnxGraphBuilder(long opset = 13)
    {
        File.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        File.Graph = new GraphProto { Name = "test" };
        Graph.Input.Add(Value("x", FloatType, -1, 4));
        Graph.Output.Add(Value("y", FloatType, -1, 3));
        Initializer("W", new long[] { 3, 4 }, Enumerable.Range(0, 12).Select(i => (i - 6) / 8f).ToArray());
        Initializer("b", new long[] { 3 }, new[] { 0.5f, -0.25f, 0.125f });
        Gemm = Node("Gemm", new[] { "x", "W", "b" }, "h", "/fc/Gemm");
        Gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = 2, I = 1 });
        Node("Relu", new[] { "h" }, "y", "/act/Relu");
    }

    public ModelProto File { get; } = new ModelProto { IrVersion = 8, ProducerName = "test" };

    public GraphProto Graph => File.Graph;

    public NodeProto Gemm { get; }

    public NodeProto NodeNamed(string name) => Graph.Node.Single(n => n.Name == name);

    public TensorProto InitializerNamed(string name) => Graph.Initializer.Single(t => t.Name == name);

    public TensorProto Initializer(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.Add(dims);
        tensor.RawData = ByteString.CopyFrom(values.SelectMany(System.BitConverter.GetBytes).ToArray());
        Graph.Initializer.Add(tensor);
        return tensor;
    }

    public NodeProto Node(string op, string[] inputs, string output, string name)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        Graph.Node.Add(node);
        return node;
    }

    /// <summary>A float tensor value; -1 stands for the symbolic batch dimension.</summary>
    public static ValueInfoProto Value(string name, int elementType, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(dims.Select(d => d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }

    /// <summary>Makes the relu's output an intermediate value and appends a node reading it that writes y.</summary>
    public NodeProto Append(string op, string name, params string[] constants)
    {
        NodeProto last = Graph.Node.Last(n => n.Output.Contains("y"));
        string intermediate = "v" + Graph.Node.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        last.Output[0] = intermediate;
        return Node(op, new[] { intermediate }.Concat(constants).ToArray(), "y", name);
    }

    public byte[] ToBytes() => File.ToByteArray();

    public Model Import() => OnnxImporter.Import(new MemoryStream(ToBytes()), "test.onnx");
}
