using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Which instruction set the fast kernels run on in this process. The JIT folds each kernel's cascade to one
/// path from the same facts; the tests run under DOTNET_EnableAVX512=0, DOTNET_PreferredVectorBitWidth=256,
/// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 (x64), and DOTNET_EnableArm64Dp=0 and
/// DOTNET_EnableHWIntrinsic=0 (ARM64, under emulation), and check here that the path really changed.
/// </summary>
public static class KernelPaths
{
    /// <summary>
    /// x64: "Vector512", "Vector256", "Vector128"; ARM64: "AdvSimd+Dp" (the int8 kernel's SDOT/UDOT) or
    /// "AdvSimd" (128-bit NEON without them); else "Scalar".
    /// </summary>
    public static string Current =>
        Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? "Vector512"
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? "Vector256"
        : Vector128.IsHardwareAccelerated && Ssse3.IsSupported ? "Vector128"
        : Vector128.IsHardwareAccelerated && AdvSimd.Arm64.IsSupported ? (Dp.IsSupported ? "AdvSimd+Dp" : "AdvSimd")
        : "Scalar";
}
