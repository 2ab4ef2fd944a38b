using Microsoft.CodeAnalysis;
using QuantGen.Schema;

namespace QuantGen.Generator;

/// <summary>Every diagnostic QuantGen reports. QG0001..QG0011 are the description's errors (<see cref="DescriptionErrorCode"/>);
/// QG0012 and up concern the binding of a class to a file, and the generator itself.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "QuantGen";

    public static readonly DiagnosticDescriptor InvalidJson = new DiagnosticDescriptor(
        "QG0001", "The model file is not valid JSON", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor SchemaMismatch = new DiagnosticDescriptor(
        "QG0002", "The model file does not match the schema", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor MissingField = new DiagnosticDescriptor(
        "QG0003", "A required field is missing", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor UnsupportedSchema = new DiagnosticDescriptor(
        "QG0004", "Unsupported schema version", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor ShapeMismatch = new DiagnosticDescriptor(
        "QG0005", "Shapes do not chain", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor BitWidthOutOfRange = new DiagnosticDescriptor(
        "QG0006", "Bit width outside 1..8", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor CountMismatch = new DiagnosticDescriptor(
        "QG0007", "A count does not match the shapes and bit widths", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor ThresholdsNotIncreasing = new DiagnosticDescriptor(
        "QG0008", "Thresholds do not strictly increase", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor NonFiniteParameter = new DiagnosticDescriptor(
        "QG0009", "A parameter is NaN or infinite", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor InvalidValue = new DiagnosticDescriptor(
        "QG0010", "A value is out of range", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
    public static readonly DiagnosticDescriptor DuplicateName = new DiagnosticDescriptor(
        "QG0011", "Two layers have the same name", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ModelFileNotFound = new DiagnosticDescriptor(
        "QG0012", "The model file is not one of the project's model files", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidTarget = new DiagnosticDescriptor(
        "QG0013", "The class cannot hold a generated model", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new DiagnosticDescriptor(
        "QG0014", "Internal generator failure", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassBoundTwice = new DiagnosticDescriptor(
        "QG0016", "Two models are bound to one class", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotARegularFile = new DiagnosticDescriptor(
        "QG0017", "The model file is empty or not a regular file", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ModelFileUnbound = new DiagnosticDescriptor(
        "QG0018", "No class is bound to the model file", "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnresolvedInput = new DiagnosticDescriptor(
        "QG0019", "A layer's input names no earlier layer", "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownTarget = new DiagnosticDescriptor(
        "QG0020", "QuantGenTarget names no target the planner knows", "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static DiagnosticDescriptor For(DescriptionErrorCode code) => code switch
    {
        DescriptionErrorCode.InvalidJson => InvalidJson,
        DescriptionErrorCode.SchemaMismatch => SchemaMismatch,
        DescriptionErrorCode.MissingField => MissingField,
        DescriptionErrorCode.UnsupportedSchema => UnsupportedSchema,
        DescriptionErrorCode.ShapeMismatch => ShapeMismatch,
        DescriptionErrorCode.BitWidthOutOfRange => BitWidthOutOfRange,
        DescriptionErrorCode.CountMismatch => CountMismatch,
        DescriptionErrorCode.ThresholdsNotIncreasing => ThresholdsNotIncreasing,
        DescriptionErrorCode.NonFiniteParameter => NonFiniteParameter,
        DescriptionErrorCode.InvalidValue => InvalidValue,
        DescriptionErrorCode.UnresolvedInput => UnresolvedInput,
        _ => DuplicateName,
    };
}
