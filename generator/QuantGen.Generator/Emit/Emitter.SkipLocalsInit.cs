using QuantGen.Generator.Model;

namespace QuantGen.Generator.Emit;

/// <summary>
/// One more partial declaration of the model class, marked <c>[SkipLocalsInit]</c>, for projects that allow unsafe code
/// (the compiler accepts the attribute only there). The working memory the entry points <c>stackalloc</c> (a layer's
/// outputs, the kernels' tables and codes) is written before it is read, as it must be anyway for models whose working
/// memory is a reused per-thread buffer (<c>ScratchBuffer</c>), so zeroing it on every call is pure cost: 41 KB on each
/// step of the digits CNN (about 4 % of its float32 step on AVX2), 1-2 KB on the digits MLP's.
/// </summary>
internal static partial class Emitter
{
    public static (string HintName, string Source) EmitSkipLocalsInit(ModelPlan plan) =>
        EmitEmptyPart(
            plan,
            ".SkipLocalsInit.g.cs",
            "// Working memory is written before it is read: the runtime need not zero what the methods stackalloc.",
            $"partial class {plan.Target.ClassName}",
            "[global::System.Runtime.CompilerServices.SkipLocalsInit]");
}
