using System.Diagnostics;
using System.Reflection;
using QuantGen.Runtime;
using Xunit;

namespace QuantGen.Tests.EndToEnd;

/// <summary>
/// The samples time the runtime's kernels, and `dotnet run --project samples/Digits` builds Debug: the runtime
/// must be optimized in every configuration (its project says so), or the README's timings are Debug timings.
/// This test assembly references the runtime project in whatever configuration the tests were built in.
/// </summary>
public sealed class OptimizedRuntimeTests
{
    [Fact]
    public void The_runtime_assembly_is_built_with_the_JIT_optimizer_on()
    {
        Assembly runtime = typeof(WeightBlob).Assembly;
        DebuggableAttribute? debuggable = runtime.GetCustomAttribute<DebuggableAttribute>();

        // An unoptimized build carries DisableOptimizations; an optimized one has no such flag (or no attribute).
        Assert.False(debuggable?.IsJITOptimizerDisabled ?? false, $"{runtime.GetName().Name} was built with optimizations off");
    }
}
