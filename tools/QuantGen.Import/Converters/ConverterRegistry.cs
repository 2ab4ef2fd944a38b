using System;
using System.Collections.Generic;
using System.Linq;
using QuantGen.Schema;

namespace QuantGen.Import.Converters;

/// <summary>
/// The supported ONNX operators, by op type (default domain only).
///
/// To add one (Unsqueeze, AveragePool, ...): write a class implementing
/// <see cref="IOpConverter"/> in its own file in this folder (read attributes with
/// <see cref="OnnxNode"/>'s getters after <see cref="OnnxNode.AllowOnlyAttributes"/>, weights with
/// <see cref="ImportContext.RequireConstant"/>, emit with <see cref="ImportContext.AddLayer"/>, set the
/// output shape with <see cref="ImportContext.SetSampleShape"/>), add one line to the table below, and
/// add a fixture exported by PyTorch to tests/QuantGen.Tests/Import/Fixtures. Every op type not in the
/// table is refused by name before the walk starts; Constant nodes are read by the walk itself.
/// </summary>
internal static class ConverterRegistry
{
    private static readonly Dictionary<string, IOpConverter> Converters = new Dictionary<string, IOpConverter>(StringComparer.Ordinal)
    {
        ["Gemm"] = new GemmConverter(),
        ["MatMul"] = new MatMulConverter(),
        ["Add"] = new LayerFoldConverter(),
        ["Sub"] = new LayerFoldConverter(),
        ["Mul"] = new LayerFoldConverter(),
        ["Div"] = new LayerFoldConverter(),
        ["BatchNormalization"] = new BatchNormConverter(),
        ["Relu"] = new ActivationConverter(() => new Layer { Relu = new Relu() }),
        ["Sigmoid"] = new ActivationConverter(() => new Layer { Sigmoid = new Sigmoid() }),
        ["Tanh"] = new ActivationConverter(() => new Layer { Tanh = new Tanh() }),
        ["Softmax"] = new SoftmaxConverter(),
        ["Flatten"] = new FlattenConverter(),
        ["Reshape"] = new ReshapeConverter(),
        ["Identity"] = new PassThroughConverter(),
        ["Dropout"] = new PassThroughConverter("ratio", "seed"),
        ["Gather"] = new GatherConverter(),
        ["LSTM"] = new RecurrentConverter(RecurrentConverter.Lstm),
        ["GRU"] = new RecurrentConverter(RecurrentConverter.Gru),
        ["Transpose"] = new TransposeConverter(),
        ["Squeeze"] = new SqueezeConverter(),
        ["Conv"] = new ConvConverter(),
        ["MaxPool"] = new MaxPoolConverter(),
        ["QuantizeLinear"] = new QuantizeLinearConverter(),
        ["DequantizeLinear"] = new DequantizeLinearConverter(),
        ["Clip"] = new ClipConverter(),
        ["LeakyRelu"] = new LeakyReluConverter(),
        ["AveragePool"] = new AveragePoolConverter(global: false),
        ["GlobalAveragePool"] = new AveragePoolConverter(global: true),
        ["Concat"] = new JoinConverter(),
    };

    /// <summary>
    /// The ops that act on each time step alike (the last axes, or the leading axes as the recurrent
    /// layers need them), so they keep their meaning in a model with LSTM or GRU, which runs step by step.
    /// </summary>
    private static readonly HashSet<string> PerStep = new HashSet<string>(StringComparer.Ordinal)
    {
        "Gather", "LSTM", "GRU", "Transpose", "Reshape", "Squeeze", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Clip", "LeakyRelu", "Identity", "Dropout",
    };

    public static bool WorksPerStep(string opType) => PerStep.Contains(opType);

    public static IReadOnlyList<string> PerStepOps { get; } = PerStep.OrderBy(op => op, StringComparer.Ordinal).ToArray();

    /// <summary>The op type of Constant nodes, which the walk reads into constants before converting.</summary>
    public const string ConstantOp = "Constant";

    public static bool TryGet(string opType, out IOpConverter converter) =>
        Converters.TryGetValue(opType, out converter!);

    /// <summary>Every supported op type, sorted, for messages and documentation.</summary>
    public static IReadOnlyList<string> SupportedOps { get; } =
        Converters.Keys.Append(ConstantOp).OrderBy(op => op, StringComparer.Ordinal).ToArray();
}
