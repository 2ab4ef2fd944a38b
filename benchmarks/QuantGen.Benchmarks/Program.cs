using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace QuantGen.Benchmarks;

/// <summary>
/// Runs the kernel and digits benchmarks in one process and writes the table benchmarks/README.md shows
/// (BenchmarkDotNet.Artifacts/quantgen-table.md). Arguments are passed to BenchmarkDotNet (e.g. --filter).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--costs")
        {
            Console.WriteLine(KernelCosts.Run(rounds: 7));
            return 0;
        }

        if (args.Length > 0 && args[0] == "--cpu-time")
        {
            // Thread CPU time instead of wall time: for a machine other processes keep busy.
            string cpu = CpuTimeTable.Run(rounds: 7);
            Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
            File.WriteAllText(Path.Combine("BenchmarkDotNet.Artifacts", "quantgen-cputime.md"), cpu);
            Console.WriteLine(cpu);
            return 0;
        }

        if (args.Length > 0 && args[0] == "--threads")
        {
            // The opt-in row split against one thread (wall time): run on an otherwise idle machine.
            Job threads = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15);
            BenchmarkRunner.Run<ThreadBenchmarks>(DefaultConfig.Instance.AddJob(threads.AsDefault()).WithOptions(ConfigOptions.DisableOptimizationsValidator));
            return 0;
        }

        // In process, so the weights of a shape are laid out once for all its cases; short iterations so a
        // full run stays under ten minutes on a shared 2-core machine. Ratios within one run are what count.
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithIterationTime(TimeInterval.FromMilliseconds(120));
        IConfig config = DefaultConfig.Instance.AddJob(job.AsDefault()).WithOptions(ConfigOptions.DisableOptimizationsValidator);
        Summary[] summaries = BenchmarkSwitcher.FromTypes([typeof(GemvBenchmarks), typeof(DigitsBenchmarks)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config).ToArray();
        string table = Table(summaries);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        string path = Path.GetFullPath(Path.Combine("BenchmarkDotNet.Artifacts", "quantgen-table.md"));
        File.WriteAllText(path, table);
        Console.WriteLine(table);
        Console.WriteLine($"Table written to {path}");
        return 0;
    }

    /// <summary>Per shape and batch: each kernel's time, speed-up over the faster float32 kernel, and bandwidth use.</summary>
    private static string Table(IEnumerable<Summary> summaries)
    {
        var rows = new List<(string Method, string Shape, int Batch, double Ns)>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                if (report.ResultStatistics is null)
                {
                    continue;
                }

                var parameters = report.BenchmarkCase.Parameters;
                string shape = parameters.Items.Any(p => p.Name == "Shape") ? (string)parameters["Shape"] : "digits";
                int batch = parameters.Items.Any(p => p.Name == "Batch") ? (int)parameters["Batch"] : 1;
                rows.Add((report.BenchmarkCase.Descriptor.WorkloadMethod.Name, shape, batch, report.ResultStatistics.Median));
            }
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, kernel path {QuantGen.Runtime.KernelPaths.Current}; medians.");
        text.AppendLine();
        text.AppendLine("| shape | batch | kernel | time (us) | speed-up vs best fp32 | weight bytes | GB/s | of measured read bandwidth |");
        text.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (var group in rows.Where(r => r.Shape != "digits").GroupBy(r => (r.Shape, r.Batch)).OrderBy(g => Area(g.Key.Shape)).ThenBy(g => g.Key.Batch))
        {
            string[] dims = group.Key.Shape.Split('x');
            long rowsCount = long.Parse(dims[0], CultureInfo.InvariantCulture), cols = long.Parse(dims[1], CultureInfo.InvariantCulture);
            double best = group.Where(r => r.Method.StartsWith("Fp32", StringComparison.Ordinal)).Select(r => r.Ns).DefaultIfEmpty(double.NaN).Min();
            // A kernel's fraction is of the read bandwidth measured over a working set of its own weights' size
            // where the run has one (the integer kernel's), else of the float32 weights' size.
            double Bandwidth(string read) =>
                WeightBytes(read, rowsCount, cols) * group.Key.Batch / group.Where(r => r.Method == read).Select(r => r.Ns).DefaultIfEmpty(double.NaN).First();
            foreach (var r in group.OrderBy(r => r.Ns))
            {
                long bytes = WeightBytes(r.Method, rowsCount, cols);
                double gbs = bytes * group.Key.Batch / r.Ns;
                double bandwidth = Bandwidth(r.Method is "Int8_x_Int8" or "Int8_x_Int8_Many" or "Read_Int8Size" ? "Read_Int8Size" : "Read_Fp32Size");
                string speedup = r.Method.StartsWith("Read", StringComparison.Ordinal) || r.Method.EndsWith("CodingOnly", StringComparison.Ordinal) ? "" : $"{best / r.Ns:0.00}x";
                string fraction = bytes == 0 ? "" : $"{gbs / bandwidth:P0}";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key.Shape} | {group.Key.Batch} | {r.Method} | {r.Ns / 1000:0.0} | {speedup} | {(bytes == 0 ? "" : bytes.ToString("N0", CultureInfo.InvariantCulture))} | {(bytes == 0 ? "" : gbs.ToString("0.0", CultureInfo.InvariantCulture))} | {fraction} |");
            }
        }

        var digits = rows.Where(r => r.Shape == "digits").ToList();
        if (digits.Count > 0)
        {
            double baseline = digits.Where(r => r.Method == "Float").Select(r => r.Ns).DefaultIfEmpty(double.NaN).First();
            text.AppendLine();
            text.AppendLine("| digits model (generated) | time (us) | speed-up vs generated float |");
            text.AppendLine("|---|---:|---:|");
            foreach (var r in digits.OrderBy(r => r.Ns))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Method} | {r.Ns / 1000:0.00} | {baseline / r.Ns:0.00}x |");
            }
        }

        return text.ToString();
    }

    private static long Area(string shape) => shape.Split('x').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).Aggregate(1L, (a, b) => a * b);

    /// <summary>The bytes of weights a kernel streams per product (as laid out, padding included); 0 when not a streaming kernel.</summary>
    private static long WeightBytes(string method, long rows, long cols) => method switch
    {
        "Fp32_TensorPrimitivesDot" or "Fp32_Vector512x4" or "Fp32_DenseKernelsFloat" or "Read_Fp32Size" or "Ort_Fp32_Gemm" => rows * cols * 4,
        "Xnor_1x1" => QuantGen.Runtime.KernelGeometry.XnorPlaneBytes((int)rows, (int)cols, 1),
        "Xnor_2x2" => QuantGen.Runtime.KernelGeometry.XnorPlaneBytes((int)rows, (int)cols, 2),
        "Xnor_3x3" => QuantGen.Runtime.KernelGeometry.XnorPlaneBytes((int)rows, (int)cols, 3),
        "XnorRows_2x2" => QuantGen.Runtime.Xnor.RowsPlaneBytes((int)rows, (int)cols, 2),
        "XnorRows_3x3" => QuantGen.Runtime.Xnor.RowsPlaneBytes((int)rows, (int)cols, 3),
        "Lut_W2_Float" => QuantGen.Runtime.PlaneLut.PlaneBytes((int)rows, (int)cols, 2),
        "Int8_x_Int8" or "Int8_x_Int8_Many" or "Read_Int8Size" => QuantGen.Runtime.Int8.WeightBytes((int)rows, (int)cols),
        _ => 0,
    };
}
