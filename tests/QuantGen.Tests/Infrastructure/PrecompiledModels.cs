using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using QuantGen.Schema;

namespace QuantGen.Tests.Infrastructure;

/// <summary>
/// The generated test models, compiled by the x64 parent for a child that cannot compile them itself: the
/// emulated ARM64 run (Kernels/Arm64PathTests) has no OpenSSL for Roslyn's hashing, and Roslyn under
/// emulation would take minutes. IL runs on any architecture, so the child loads the parent's image and
/// runs the generated code on its own instruction set. An image is named by a hash of the descriptions'
/// JSON, so a child whose descriptions differ from the parent's finds no image and fails, never running
/// code generated from other models.
/// </summary>
internal static class PrecompiledModels
{
    /// <summary>The folder of images; set only in a child run.</summary>
    public const string Variable = "QUANTGEN_PRECOMPILED_MODELS";

    /// <summary>The parent: writes the image of <paramref name="descriptions"/> into <paramref name="folder"/>.</summary>
    public static void Write(string folder, IReadOnlyList<(string Name, Model Model)> descriptions) =>
        File.WriteAllBytes(Path.Combine(folder, FileName(descriptions)), CompiledModels.Image(descriptions));

    /// <summary>The child: the parent's image of <paramref name="descriptions"/>; null outside a child run.</summary>
    public static Assembly? Load(IReadOnlyList<(string Name, Model Model)> descriptions)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } folder)
        {
            return null;
        }

        string path = Path.Combine(folder, FileName(descriptions));
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{Variable} is set, but the parent compiled no image of these {descriptions.Count} descriptions ({path})");
        }

        return Assembly.Load(File.ReadAllBytes(path));
    }

    /// <summary>models-{FNV-1a 64 of every description's JSON}.dll (no cryptographic hash: the child has no OpenSSL).</summary>
    private static string FileName(IReadOnlyList<(string Name, Model Model)> descriptions)
    {
        ulong hash = 14695981039346656037;
        foreach ((string name, Model model) in descriptions)
        {
            foreach (char c in name + "\n" + TestModels.Json(model) + "\n")
            {
                hash = (hash ^ c) * 1099511628211;
            }
        }

        return $"models-{hash:x16}.dll";
    }
}
