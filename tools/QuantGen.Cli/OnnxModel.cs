using QuantGen.Import;
using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>ONNX input through QuantGen.Import; its errors are already one line naming the file and the node.</summary>
internal static class OnnxModel
{
    public static Model Import(string path)
    {
        try
        {
            return OnnxImporter.Import(path);
        }
        catch (OnnxImportException e)
        {
            throw CliException.BadInput(e.Message);
        }
    }
}
