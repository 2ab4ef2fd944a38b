using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// Which vector width the fast kernels run at in this process. The JIT folds each kernel's cascade to one
/// path from the same facts; the tests run under DOTNET_EnableAVX512=0, DOTNET_PreferredVectorBitWidth=256,
/// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 and check here that the path really changed.
/// </summary>
public static class KernelPaths
{
    /// <summary>"Vector512", "Vector256", "Vector128" or "Scalar".</summary>
    public static string Current =>
        Vector512.IsHardwareAccelerated && Avx512BW.IsSupported ? "Vector512"
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported ? "Vector256"
        : Vector128.IsHardwareAccelerated && Ssse3.IsSupported ? "Vector128"
        : "Scalar";
}
