using System;
using Microsoft.CodeAnalysis.Diagnostics;

namespace QuantGen.Generator.Model;

/// <summary>The target a build plans for, read from its MSBuild properties, and what was wrong with them (a warning).</summary>
internal sealed record PlanTarget(CpuTarget Cpu, DiagnosticInfo? Problem)
{
    public static readonly PlanTarget Default = new PlanTarget(CpuTarget.Portable, null);

    /// <summary>
    /// $(QuantGenTarget) (Avx512, Avx2 or Portable, any case) when set; else the Native AOT compiler's $(IlcInstructionSet),
    /// the instruction set a build publishes for (x86-64-v4 or a list naming an avx512 set: Avx512; x86-64-v3 or a list
    /// naming avx2: Avx2); else <see cref="CpuTarget.Portable"/>.
    /// </summary>
    public static PlanTarget From(AnalyzerConfigOptions global)
    {
        string? target = Read(global, "QuantGenTarget");
        if (target is not null)
        {
            if (Enum.TryParse(target, ignoreCase: true, out CpuTarget cpu) && Enum.IsDefined(typeof(CpuTarget), cpu) && !int.TryParse(target, out _))
            {
                return new PlanTarget(cpu, null);
            }

            string message = $"QuantGenTarget '{target}' is not a target QuantGen plans for (Avx512, Avx2 or Portable); the models are planned for Portable";
            return new PlanTarget(CpuTarget.Portable, new DiagnosticInfo(DiagnosticDescriptors.UnknownTarget, message, null));
        }

        string? instructionSet = Read(global, "IlcInstructionSet")?.ToLowerInvariant();
        if (instructionSet is not null && (instructionSet.Contains("avx512") || instructionSet.Contains("x86-64-v4")))
        {
            return new PlanTarget(CpuTarget.Avx512, null);
        }

        if (instructionSet is not null && (instructionSet.Contains("avx2") || instructionSet.Contains("x86-64-v3")))
        {
            return new PlanTarget(CpuTarget.Avx2, null);
        }

        return Default;
    }

    private static string? Read(AnalyzerConfigOptions options, string property) =>
        options.TryGetValue("build_property." + property, out string? value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
