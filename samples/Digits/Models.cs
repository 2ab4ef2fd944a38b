using QuantGen;

namespace QuantGen.Samples.Digits;

// Each class is implemented at build time from its description in data/ (see Digits.csproj's AdditionalFiles).
// The quantized descriptions are made from the float one by make-models.sh.

/// <summary>The trained float32 MLP, 64-128-64-10.</summary>
[QuantModel("data/digits.float.qgm.json")]
public partial class DigitsFloat;
