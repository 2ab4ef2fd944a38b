using System;

namespace QuantGen.Import;

/// <summary>
/// The one exception the importer throws for anything wrong with the file: unreadable, corrupt or
/// truncated protobuf, an unsupported operator, attribute value or data type, a graph that is not a chain,
/// or shapes that do not fit. The message is one line that starts with the source's name and says where
/// (which node, initializer or value) and what, ready for a command line to print.
/// </summary>
public sealed class OnnxImportException : Exception
{
    public OnnxImportException(string message)
        : base(message)
    {
    }

    public OnnxImportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
