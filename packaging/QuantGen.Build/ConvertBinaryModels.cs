using System;
using System.IO;
using System.Text;
using Google.Protobuf;
using Microsoft.Build.Framework;

namespace QuantGen.Build;

/// <summary>
/// Turns binary descriptions (the protobuf wire encoding, <c>*.qgm</c>) into their JSON encoding, indented
/// one field per line, so that the generator can read them as AdditionalFiles and point its diagnostics at
/// a line a user can open. The conversion is exact: the JSON parser gives back the same message.
/// </summary>
/// <remarks>
/// MSBuild decides what runs (the target's Inputs/Outputs); this task converts every item it is given. It
/// implements <see cref="ITask"/> directly so that it needs nothing from MSBuild but the contract.
/// </remarks>
public sealed class ConvertBinaryModels : ITask
{
    /// <summary>The diagnostic id for a binary description that cannot be read (the generator's run up to QG0014).</summary>
    public const string UnreadableCode = "QG0015";

    private static readonly JsonFormatter Formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithIndentation("  "));

    public IBuildEngine? BuildEngine { get; set; }

    public ITaskHost? HostObject { get; set; }

    /// <summary>The *.qgm files; each with metadata <c>OutputPath</c>, the JSON file to write.</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    public bool Execute()
    {
        bool ok = true;
        foreach (ITaskItem item in Models)
        {
            ok &= Convert(item);
        }

        return ok;
    }

    private bool Convert(ITaskItem item)
    {
        string source = item.GetMetadata("FullPath");
        string output = item.GetMetadata("OutputPath");
        if (output.Length == 0)
        {
            return Error(source, "QuantGen's targets gave no OutputPath for this model (a bug in QuantGen.targets)");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Error(source, $"the binary model file could not be read: {e.Message}");
        }

        QuantGen.Schema.Model model;
        try
        {
            model = QuantGen.Schema.Model.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Error(source, $"not a binary QuantGen description (protobuf message quantgen.v1.Model): {e.Message} A JSON description must be named *.qgm.json.");
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, Formatter.Format(model) + "\n", new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Error(source, $"could not write its JSON form to {output}: {e.Message}");
        }

        BuildEngine?.LogMessageEvent(new BuildMessageEventArgs(
            $"QuantGen: {source} -> {output}", "", nameof(ConvertBinaryModels), MessageImportance.Low));
        return true;
    }

    private bool Error(string file, string message)
    {
        BuildEngine?.LogErrorEvent(new BuildErrorEventArgs(
            "", UnreadableCode, file, 0, 0, 0, 0, message, "", nameof(ConvertBinaryModels)));
        return false;
    }
}
