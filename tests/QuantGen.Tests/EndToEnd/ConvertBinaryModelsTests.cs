using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;
using Microsoft.Build.Framework;
using QuantGen.Build;
using QuantGen.Schema;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>The package's binary -> JSON task, run directly (the newcomer test runs it inside a real build).</summary>
public sealed class ConvertBinaryModelsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quantgen-task-").FullName;

    [Fact]
    public void A_binary_description_becomes_JSON_that_reads_back_as_the_same_model()
    {
        Model model = DescriptionLoader.LoadOrThrow(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "digits", "digits.uniform4.qgm.json")), "digits");
        string source = Path.Combine(_dir, "digits.qgm");
        File.WriteAllBytes(source, model.ToByteArray());
        string output = Path.Combine(_dir, "obj", "digits.qgm.json");
        var engine = new RecordingEngine();

        Assert.True(new ConvertBinaryModels { BuildEngine = engine, Models = [Item(source, output)] }.Execute());

        Assert.Empty(engine.Errors);
        string json = File.ReadAllText(output);
        (Model? back, IReadOnlyList<DescriptionError> errors) = DescriptionLoader.Load(json);
        Assert.Empty(errors);
        Assert.Equal(model, back);
        Assert.True(json.Split('\n').Length > 20, "the JSON is indented, one field per line, so diagnostics have useful lines");
    }

    [Fact]
    public void A_file_that_is_not_a_binary_description_is_an_error_naming_the_file()
    {
        string source = Path.Combine(_dir, "broken.qgm");
        File.WriteAllBytes(source, [0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
        string output = Path.Combine(_dir, "broken.qgm.json");
        var engine = new RecordingEngine();

        Assert.False(new ConvertBinaryModels { BuildEngine = engine, Models = [Item(source, output)] }.Execute());

        BuildErrorEventArgs error = Assert.Single(engine.Errors);
        Assert.Equal("QG0015", error.Code);
        Assert.Equal(source, error.File);
        Assert.Contains("not a binary QuantGen description", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output), "no half-written JSON");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ITaskItem Item(string path, string output) => new TaskItem(path, new Dictionary<string, string> { ["FullPath"] = path, ["OutputPath"] = output });

    private sealed class TaskItem(string spec, Dictionary<string, string> metadata) : ITaskItem
    {
        public string ItemSpec { get; set; } = spec;
        public ICollection MetadataNames => metadata.Keys;
        public int MetadataCount => metadata.Count;
        public string GetMetadata(string metadataName) => metadata.TryGetValue(metadataName, out string? value) ? value : "";
        public void SetMetadata(string metadataName, string metadataValue) => metadata[metadataName] = metadataValue;
        public void RemoveMetadata(string metadataName) => metadata.Remove(metadataName);
        public void CopyMetadataTo(ITaskItem destinationItem) => throw new NotSupportedException();
        public IDictionary CloneCustomMetadata() => new Dictionary<string, string>(metadata);
    }

    private sealed class RecordingEngine : IBuildEngine
    {
        public List<BuildErrorEventArgs> Errors { get; } = [];
        public bool ContinueOnError => false;
        public int LineNumberOfTaskNode => 0;
        public int ColumnNumberOfTaskNode => 0;
        public string ProjectFileOfTaskNode => "test.csproj";
        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
        public void LogWarningEvent(BuildWarningEventArgs e) => throw new InvalidOperationException(e.Message);
        public void LogMessageEvent(BuildMessageEventArgs e) { }
        public void LogCustomEvent(CustomBuildEventArgs e) { }
        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => throw new NotSupportedException();
    }
}
