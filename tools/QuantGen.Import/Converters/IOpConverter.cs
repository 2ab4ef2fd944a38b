namespace QuantGen.Import.Converters;

/// <summary>
/// Converts one ONNX node of one op type. When it is called, the walk has checked that the node reads
/// the chain's value (<see cref="ImportContext.CurrentValue"/>, of shape
/// <see cref="ImportContext.SampleShape"/> per sample) and that every other input is a constant. The
/// converter checks attributes and shapes, appends what it emits with
/// <see cref="ImportContext.AddLayer"/> (or nothing, for pass-through ops) and sets the output's shape.
/// Anything it cannot represent exactly is an <see cref="OnnxImportException"/> from
/// <see cref="OnnxNode.Error"/>.
/// </summary>
internal interface IOpConverter
{
    void Convert(OnnxNode node, ImportContext context);
}
