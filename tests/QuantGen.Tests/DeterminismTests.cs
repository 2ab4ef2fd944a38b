using System.Globalization;
using System.Threading;
using QuantGen.Tests.Infrastructure;
using Xunit;

namespace QuantGen.Tests;

/// <summary>The same description gives the same bytes: twice in a row, and under a culture with another minus sign.</summary>
public sealed class DeterminismTests
{
    [Fact]
    public void Output_is_byte_identical_across_runs_and_cultures()
    {
        string json = TestModels.Json(TestModels.TwoLayer("neg", (r, rows, cols) => TestModels.Uniform(r, rows, cols, 4, true, true, true), _ => TestModels.UniformActivation(3, -1.25f, 0.75f), 9));
        string first = Generate(json);
        Assert.Equal(first, Generate(json));
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            // fi-FI writes -1.25 as "−1,25" (U+2212 and a comma): neither may leak into code.
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("fi-FI");
            Assert.Equal(first, Generate(json));
        }
        finally
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = saved;
        }

        Assert.Contains("lo: -1.25f", first);
    }

    private static string Generate(string json)
    {
        GeneratorRun run = GeneratorHarness.Run([GeneratorHarness.Bindings([("M", "m.qgm.json")])], [new InMemoryAdditionalText(GeneratorHarness.SourceDirectory + "/m.qgm.json", json)]);
        Assert.Empty(run.AllDiagnostics);
        return string.Join("\n----\n", run.Sources.Values);
    }
}
