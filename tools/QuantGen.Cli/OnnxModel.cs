using QuantGen.Schema;

namespace QuantGen.Cli;

/// <summary>ONNX input, through QuantGen.Import once that project is part of the build.</summary>
internal static class OnnxModel
{
    public static Model Import(string path) =>
        throw CliException.BadInput($"{path}: this build of quantgen cannot read ONNX yet; give a float .qgm.json description");
}
