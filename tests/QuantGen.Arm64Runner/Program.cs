using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using QuantGen.Arm64Runner;

// Usage: QuantGen.Arm64Runner <QuantGen.Tests.dll> <expected kernel path> <test name prefix>...
// Prints the kernel path, one line per test class and a closing "N passed, N failed" line; exits 0 only
// when the path is the expected one, at least one test ran and none failed.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: QuantGen.Arm64Runner <QuantGen.Tests.dll> <expected kernel path> <test name prefix>...");
    return 2;
}

string testAssembly = Path.GetFullPath(args[0]);
string directory = Path.GetDirectoryName(testAssembly)!;
// The tests find their data files beside their own assembly, not beside this runner.
AppContext.SetData("APP_CONTEXT_BASE_DIRECTORY", directory + Path.DirectorySeparatorChar);
AssemblyLoadContext.Default.Resolving += (context, name) =>
{
    string candidate = Path.Combine(directory, name.Name + ".dll");
    return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
};

Assembly tests = AssemblyLoadContext.Default.LoadFromAssemblyPath(testAssembly);
string path = (string)Type.GetType("QuantGen.Runtime.KernelPaths, QuantGen.Runtime", throwOnError: true)!
    .GetProperty("Current")!.GetValue(null)!;
Console.WriteLine($"arch {RuntimeInformation.ProcessArchitecture}, kernel path {path}");
if (path != args[1])
{
    Console.WriteLine($"expected the kernel path {args[1]}, the process runs on {path}");
    return 3;
}

var totals = new Counts();
foreach (IGrouping<Type, TestCase> group in TestCase.Discover(tests, args.Skip(2).ToArray()).GroupBy(c => c.Class))
{
    var counts = new Counts();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var fixtures = new Dictionary<Type, object>();
    foreach (TestCase test in group)
    {
        string? failure = test.Run(fixtures);
        counts.Add(test, failure);
        if (failure is not null)
        {
            Console.WriteLine($"FAILED {test.DisplayName}: {failure}");
        }
    }

    foreach (IDisposable fixture in fixtures.Values.OfType<IDisposable>())
    {
        fixture.Dispose();
    }

    // Seconds under emulation say nothing of speed; they show where the child's time goes.
    Console.WriteLine($"{path} {group.Key.FullName}: {counts} ({clock.Elapsed.TotalSeconds:F1} s)");
    totals.Add(counts);
}

Console.WriteLine($"{path} total: {totals}");
Console.WriteLine($"{totals.Passed} passed, {totals.Failed} failed");
return totals.Failed == 0 && totals.Passed > 0 ? 0 : 1;
