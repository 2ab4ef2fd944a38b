namespace QuantGen.Import.Converters;

/// <summary>
/// Identity, and Dropout at inference: the output is the input, so nothing is emitted. Dropout's ratio
/// (an attribute before opset 12, then an input) and its training_mode input only matter in training;
/// an inference import takes the inference meaning even from a file exported in training mode. Its mask
/// output must be unused (the walk checks that).
/// </summary>
internal sealed class PassThroughConverter : IOpConverter
{
    private readonly string[] _ignoredAttributes;

    public PassThroughConverter(params string[] ignoredAttributes) => _ignoredAttributes = ignoredAttributes;

    public void Convert(OnnxNode node, ImportContext context)
    {
        node.AllowOnlyAttributes(_ignoredAttributes);
        ImportContext.RequireInputCount(node, 1, _ignoredAttributes.Length == 0 ? 1 : 3);
        context.RequireData(node, 0, "the data");
    }
}
