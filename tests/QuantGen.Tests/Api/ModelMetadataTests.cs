using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using QuantGen.Generator;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests.Api;

/// <summary>
/// The metadata a generated class carries (ModelMetadata through IQuantModel and IRecurrentQuantModel), read
/// back at run time and compared with the description it came from: a dense, a recurrent and a conv model.
/// </summary>
public sealed class ModelMetadataTests
{
    private static readonly Lazy<Dictionary<string, (Model Description, object Instance)>> Models = new(Compile);

    [Fact]
    public void A_dense_model_reports_its_input_output_and_layers_as_described()
    {
        (Model description, object instance) = Models.Value["Dense"];
        var model = (IQuantModel)instance;
        ModelMetadata metadata = model.Metadata;

        Assert.Equal("features", metadata.Input.Name);
        Assert.Equal([4], metadata.Input.Shape);
        Assert.Equal("probabilities", metadata.Output.Name);
        Assert.Equal([2], metadata.Output.Shape);
        Assert.Equal(0, metadata.VocabularySize);
        Assert.Equal(["Dense", "Relu", "Dense", "Softmax"], metadata.Layers.Select(l => l.Kind));
        Assert.Equal([4, 0, 2, 0], metadata.Layers.Select(l => l.WeightBits));
        Assert.Equal([32, 32, 2, 32], metadata.Layers.Select(l => l.ActivationBits));
        Assert.Equal("Levels 2-bit, 4 levels", metadata.Layers[2].Weights);
        Assert.Equal("Thresholds 2-bit, 4 levels", metadata.Layers[2].InputQuantizer);
        AgreesWithDescription(description, metadata, model.WeightBytes, model.Float32WeightBytes, model.InputLength, model.OutputLength);
    }

    [Fact]
    public void A_recurrent_token_model_reports_its_vocabulary_and_both_matrices_bits()
    {
        (Model description, object instance) = Models.Value["Recurrent"];
        var model = (IRecurrentQuantModel)instance;
        ModelMetadata metadata = model.Metadata;

        Assert.Equal("token", metadata.Input.Name);
        Assert.Equal([1], metadata.Input.Shape);
        Assert.Equal([5], metadata.Output.Shape);
        Assert.Equal(5, metadata.VocabularySize);
        Assert.Equal(model.VocabularySize, metadata.VocabularySize);
        Assert.Equal(["Embedding", "Lstm", "Gru", "Dense"], metadata.Layers.Select(l => l.Kind));
        Assert.Equal([[4], [3], [3], [5]], metadata.Layers.Select(l => l.OutputShape.ToArray()));
        Assert.Equal([4, 4, 2, 32], metadata.Layers.Select(l => l.WeightBits));
        Assert.Equal([32, 4, 2, 32], metadata.Layers.Select(l => l.ActivationBits));
        AgreesWithDescription(description, metadata, model.WeightBytes, model.Float32WeightBytes, model.InputLength, model.OutputLength);
    }

    [Fact]
    public void A_conv_model_reports_channels_height_and_width_between_its_layers()
    {
        (Model description, object instance) = Models.Value["Conv"];
        var model = (IQuantModel)instance;
        ModelMetadata metadata = model.Metadata;

        Assert.Equal("image", metadata.Input.Name);
        Assert.Equal([2, 9, 8], metadata.Input.Shape);
        Assert.Equal(144, metadata.Input.Length);
        Assert.Equal(["Conv2d", "Relu", "MaxPool2d", "Flatten", "Dense"], metadata.Layers.Select(l => l.Kind));
        // 3 x 3 kernel, stride 1, padding 1 keeps 9 x 8; the 2 x 2 pool of stride 2 gives 4 x 4.
        Assert.Equal([[2, 9, 8], [3, 9, 8], [3, 9, 8], [3, 4, 4], [48]], metadata.Layers.Select(l => l.InputShape.ToArray()));
        Assert.Equal([[3, 9, 8], [3, 9, 8], [3, 4, 4], [48], [7]], metadata.Layers.Select(l => l.OutputShape.ToArray()));
        Assert.Equal([2, 0, 0, 0, 32], metadata.Layers.Select(l => l.WeightBits));
        Assert.Equal([2, 32, 32, 32, 32], metadata.Layers.Select(l => l.ActivationBits));
        Assert.Equal("image [2, 9, 8]", metadata.Input.ToString());
        Assert.Equal("0 conv Conv2d [2, 9, 8] -> [3, 9, 8]", metadata.Layers[0].ToString());
        AgreesWithDescription(description, metadata, model.WeightBytes, model.Float32WeightBytes, model.InputLength, model.OutputLength);
    }

    [Fact]
    public void The_metadata_is_one_object_built_once_and_cannot_be_changed_through_its_lists()
    {
        var model = (IQuantModel)Models.Value["Conv"].Instance;
        Assert.Same(model.Metadata, model.Metadata);
        Assert.Throws<NotSupportedException>(() => ((IList<int>)model.Metadata.Input.Shape)[0] = 5);
        Assert.Throws<NotSupportedException>(() => ((IList<LayerMetadata>)model.Metadata.Layers).Clear());
        Assert.Throws<NotSupportedException>(() => ((IList<int>)model.Metadata.Layers[0].OutputShape)[0] = 5);
    }

    [Fact]
    public void A_recurrent_class_has_one_state_factory_and_it_is_CreateState()
    {
        Type type = Models.Value["Recurrent"].Instance.GetType();
        MethodInfo[] factories = type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.ReturnType.IsSubclassOf(typeof(QuantGen.Runtime.RecurrentState))).ToArray();
        Assert.Equal("CreateState", Assert.Single(factories).Name);
        Assert.Equal(type.GetNestedType("State"), factories[0].ReturnType);
        Assert.Equal(["CreateState"], typeof(IRecurrentQuantModel).GetMethods().Where(m => m.ReturnType == typeof(QuantGen.Runtime.RecurrentState)).Select(m => m.Name));
        var model = (IRecurrentQuantModel)Models.Value["Recurrent"].Instance;
        Assert.IsType(type.GetNestedType("State")!, model.CreateState());
    }

    /// <summary>
    /// Everything the description says, and the parameter bytes of the one computation behind WeightBytes, the
    /// header and <c>quantgen inspect</c> (<see cref="ParameterBytes"/>), layer by layer.
    /// </summary>
    private static void AgreesWithDescription(Model description, ModelMetadata metadata, long weightBytes, long float32WeightBytes, int inputLength, int outputLength)
    {
        Assert.Equal(description.Name, metadata.Name);
        Assert.Equal(description.Inputs[0].Name, metadata.Input.Name);
        Assert.Equal(description.Inputs[0].Shape, metadata.Input.Shape);
        Assert.Equal(inputLength, metadata.Input.Length);
        Assert.Equal(description.Outputs[0].Name, metadata.Output.Name);
        Assert.Equal(description.Outputs[0].Shape, metadata.Output.Shape);
        Assert.Equal(outputLength, metadata.Output.Length);
        Assert.Equal(description.Layers[0].OpCase == Layer.OpOneofCase.Embedding ? description.Layers[0].Embedding.NumEmbeddings : 0, metadata.VocabularySize);

        IReadOnlyList<MatrixBytes> bytes = ParameterBytes.Of(description);
        Assert.Equal(ParameterBytes.Total(description), weightBytes);
        Assert.Equal(weightBytes, metadata.WeightBytes);
        Assert.Equal(weightBytes, metadata.Layers.Sum(l => l.ParameterBytes));
        Assert.Equal(float32WeightBytes, metadata.Float32WeightBytes);
        Assert.Equal(description.Layers.Count, metadata.Layers.Count);
        for (int i = 0; i < description.Layers.Count; i++)
        {
            Layer layer = description.Layers[i];
            LayerMetadata actual = metadata.Layers[i];
            MatrixBytes[] matrices = bytes.Where(m => m.Layer == i).ToArray();
            Assert.Equal(i, actual.Index);
            Assert.Equal(layer.Name, actual.Name);
            Assert.Equal(matrices.Sum(m => m.Bytes), actual.ParameterBytes);
            Assert.Equal(matrices.Length == 0 ? actual.Kind : string.Join(", ", matrices.Select(m => m.Kernel)), actual.Kernel);
            Assert.Equal(LayerShapes.Matrices(layer).Select(m => m.Weights!).Select(WeightBits).DefaultIfEmpty(0).Max(), actual.WeightBits);
            Assert.Equal(layer.InputQuantizer is null ? 32 : ActivationBits(layer.InputQuantizer), actual.ActivationBits);
            Assert.Equal(layer.InputQuantizer is null, actual.InputQuantizer.Length == 0);
            Assert.Equal(matrices.Length == 0, actual.Weights.Length == 0);
            Assert.Equal(Product(actual.OutputShape), i + 1 < description.Layers.Count ? Product(metadata.Layers[i + 1].InputShape) : outputLength);
        }

        Assert.Equal(inputLength, Product(metadata.Layers[0].InputShape));
    }

    private static int Product(IEnumerable<int> shape) => shape.Aggregate(1, (a, b) => a * b);

    private static int WeightBits(Weights w) => w.CodecCase switch
    {
        Weights.CodecOneofCase.Uniform => w.Uniform.Bits,
        Weights.CodecOneofCase.Levels => w.Levels.Bits,
        Weights.CodecOneofCase.MultiBinary => w.MultiBinary.Bits,
        _ => 32,
    };

    private static int ActivationBits(ActivationQuantizer q) => q.KindCase switch
    {
        ActivationQuantizer.KindOneofCase.Uniform => q.Uniform.Bits,
        ActivationQuantizer.KindOneofCase.Thresholds => q.Thresholds.Bits,
        ActivationQuantizer.KindOneofCase.LogQuant => q.LogQuant.Bits,
        _ => q.OnlineMultiBinary.Bits,
    };

    private static Dictionary<string, (Model, object)> Compile()
    {
        var descriptions = new Dictionary<string, Model>
        {
            ["Dense"] = DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "tiny.qgm.json")), "tiny.qgm.json"),
            ["Recurrent"] = SnapshotTests.RecurrentLm(),
            ["Conv"] = SnapshotTests.Convolution(),
        };
        GeneratorRun run = GeneratorHarness.Run(
            [GeneratorHarness.Bindings(descriptions.Keys.Select(k => (k, k + ".qgm.json")))],
            descriptions.Select(d => new InMemoryAdditionalText($"{GeneratorHarness.SourceDirectory}/{d.Key}.qgm.json", TestModels.Json(d.Value))));
        Assert.Empty(run.AllDiagnostics);
        Assembly assembly = run.Load();
        return descriptions.ToDictionary(d => d.Key, d => (d.Value, Activator.CreateInstance(assembly.GetType("Tests.Models." + d.Key)!)!));
    }
}
