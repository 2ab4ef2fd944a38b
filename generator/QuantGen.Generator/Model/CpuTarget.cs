namespace QuantGen.Generator.Model;

/// <summary>
/// The instruction set the planner's cost model is for. Every generated kernel runs on every machine (each has its
/// AVX-512, AVX2, 128-bit and scalar paths, chosen when the program starts); the target only decides which of two
/// kernels a matrix gets where both could compute it, and that order differs between the widths.
/// </summary>
public enum CpuTarget
{
    /// <summary>AVX-512 with VBMI and GFNI (the development machine kind).</summary>
    Avx512,

    /// <summary>AVX2 with FMA, without AVX-512 or VNNI.</summary>
    Avx2,

    /// <summary>
    /// Either of the above (the default: a build rarely knows the machine its program will run on): each matrix gets the
    /// kernel whose larger slowdown, against the best kernel of each instruction set's table, is the smallest.
    /// </summary>
    Portable,
}
