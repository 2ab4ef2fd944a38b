using QuantGen;

namespace QuantGen.Samples.Digits;

// Each class is implemented at build time from its description in data/ (Digits.csproj's AdditionalFiles).
// The float description comes from train/train_digits.py; make-models.sh quantizes it into the others.

/// <summary>The trained float32 MLP, 64-128-64-10 with softmax.</summary>
[QuantModel("data/digits.float.qgm.json")]
public partial class DigitsFloat;

/// <summary>8-bit symmetric per-row weights, 8-bit uniform activations.</summary>
[QuantModel("data/digits.uniform8.qgm.json")]
public partial class DigitsUniform8;

/// <summary>4-bit symmetric per-row weights, 4-bit uniform activations.</summary>
[QuantModel("data/digits.uniform4.qgm.json")]
public partial class DigitsUniform4;

/// <summary>2-bit (ternary) symmetric per-row weights, 2-bit uniform activations.</summary>
[QuantModel("data/digits.uniform2.qgm.json")]
public partial class DigitsUniform2;

/// <summary>2-bit alternating multi-bit weights and activations (weights coded offline, activations per input).</summary>
[QuantModel("data/digits.alternating2.qgm.json")]
public partial class DigitsAlternating2;
