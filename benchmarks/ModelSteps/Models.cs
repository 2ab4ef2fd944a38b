using QuantGen;

namespace QuantGen.Benchmarks.ModelSteps;

// Each class is implemented at build time from its description in models/ (ModelSteps.csproj's AdditionalFiles).
// The float descriptions come from make/make_models.py (language models) and make-models.sh (digits models, imported
// from ONNX); make-models.sh quantizes them into the others with `quantgen quantize`.

/// <summary>Embedding 63x64 -> LSTM 64->256 -> LSTM 256->256 -> Dense 256->63 (seeded random weights); float32 weights and activations.</summary>
[QuantModel("models/lm2-float.qgm.json")]
public partial class Lm2Float;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> LSTM 256->256 -> Dense 256->63 (seeded random weights); uniform 8-bit weights (symmetric per row) / uniform 8-bit activations.</summary>
[QuantModel("models/lm2-uniform8.qgm.json")]
public partial class Lm2Uniform8;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> LSTM 256->256 -> Dense 256->63 (seeded random weights); uniform 4-bit weights (symmetric per row) / uniform 4-bit activations.</summary>
[QuantModel("models/lm2-uniform4.qgm.json")]
public partial class Lm2Uniform4;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> LSTM 256->256 -> Dense 256->63 (seeded random weights); alternating multi-bit 3-bit weights / 3-bit online alternating activations.</summary>
[QuantModel("models/lm2-alternating3.qgm.json")]
public partial class Lm2Alternating3;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> LSTM 256->256 -> Dense 256->63 (seeded random weights); alternating multi-bit 2-bit weights / 2-bit online alternating activations.</summary>
[QuantModel("models/lm2-alternating2.qgm.json")]
public partial class Lm2Alternating2;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> Dense 256->63 (seeded random weights); float32 weights and activations.</summary>
[QuantModel("models/lstm-float.qgm.json")]
public partial class LstmFloat;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> Dense 256->63 (seeded random weights); uniform 8-bit weights (symmetric per row) / uniform 8-bit activations.</summary>
[QuantModel("models/lstm-uniform8.qgm.json")]
public partial class LstmUniform8;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> Dense 256->63 (seeded random weights); uniform 4-bit weights (symmetric per row) / uniform 4-bit activations.</summary>
[QuantModel("models/lstm-uniform4.qgm.json")]
public partial class LstmUniform4;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> Dense 256->63 (seeded random weights); alternating multi-bit 3-bit weights / 3-bit online alternating activations.</summary>
[QuantModel("models/lstm-alternating3.qgm.json")]
public partial class LstmAlternating3;

/// <summary>Embedding 63x64 -> LSTM 64->256 -> Dense 256->63 (seeded random weights); alternating multi-bit 2-bit weights / 2-bit online alternating activations.</summary>
[QuantModel("models/lstm-alternating2.qgm.json")]
public partial class LstmAlternating2;

/// <summary>Embedding 63x64 -> GRU 64->256 -> Dense 256->63 (seeded random weights); float32 weights and activations.</summary>
[QuantModel("models/gru-float.qgm.json")]
public partial class GruFloat;

/// <summary>Embedding 63x64 -> GRU 64->256 -> Dense 256->63 (seeded random weights); uniform 8-bit weights (symmetric per row) / uniform 8-bit activations.</summary>
[QuantModel("models/gru-uniform8.qgm.json")]
public partial class GruUniform8;

/// <summary>Embedding 63x64 -> GRU 64->256 -> Dense 256->63 (seeded random weights); uniform 4-bit weights (symmetric per row) / uniform 4-bit activations.</summary>
[QuantModel("models/gru-uniform4.qgm.json")]
public partial class GruUniform4;

/// <summary>Embedding 63x64 -> GRU 64->256 -> Dense 256->63 (seeded random weights); alternating multi-bit 3-bit weights / 3-bit online alternating activations.</summary>
[QuantModel("models/gru-alternating3.qgm.json")]
public partial class GruAlternating3;

/// <summary>Embedding 63x64 -> GRU 64->256 -> Dense 256->63 (seeded random weights); alternating multi-bit 2-bit weights / 2-bit online alternating activations.</summary>
[QuantModel("models/gru-alternating2.qgm.json")]
public partial class GruAlternating2;

/// <summary>the digits MLP 64-128-64-10 (samples/Digits, trained); float32 weights and activations.</summary>
[QuantModel("models/mlp-float.qgm.json")]
public partial class MlpFloat;

/// <summary>the digits MLP 64-128-64-10 (samples/Digits, trained); uniform 8-bit weights (symmetric per row) / uniform 8-bit activations.</summary>
[QuantModel("models/mlp-uniform8.qgm.json")]
public partial class MlpUniform8;

/// <summary>the digits MLP 64-128-64-10 (samples/Digits, trained); uniform 4-bit weights (symmetric per row) / uniform 4-bit activations.</summary>
[QuantModel("models/mlp-uniform4.qgm.json")]
public partial class MlpUniform4;

/// <summary>the digits MLP 64-128-64-10 (samples/Digits, trained); alternating multi-bit 3-bit weights / 3-bit online alternating activations.</summary>
[QuantModel("models/mlp-alternating3.qgm.json")]
public partial class MlpAlternating3;

/// <summary>the digits MLP 64-128-64-10 (samples/Digits, trained); alternating multi-bit 2-bit weights / 2-bit online alternating activations.</summary>
[QuantModel("models/mlp-alternating2.qgm.json")]
public partial class MlpAlternating2;

/// <summary>the digits CNN: conv 3x3 1->16, conv 3x3 16->32, max pool 2x2, dense 512->10 (trained); float32 weights and activations.</summary>
[QuantModel("models/cnn-float.qgm.json")]
public partial class CnnFloat;

/// <summary>the digits CNN: conv 3x3 1->16, conv 3x3 16->32, max pool 2x2, dense 512->10 (trained); uniform 8-bit weights (symmetric per row) / uniform 8-bit activations.</summary>
[QuantModel("models/cnn-uniform8.qgm.json")]
public partial class CnnUniform8;

/// <summary>the digits CNN: conv 3x3 1->16, conv 3x3 16->32, max pool 2x2, dense 512->10 (trained); uniform 4-bit weights (symmetric per row) / uniform 4-bit activations.</summary>
[QuantModel("models/cnn-uniform4.qgm.json")]
public partial class CnnUniform4;

/// <summary>the digits CNN: conv 3x3 1->16, conv 3x3 16->32, max pool 2x2, dense 512->10 (trained); alternating multi-bit 3-bit weights / 3-bit online alternating activations.</summary>
[QuantModel("models/cnn-alternating3.qgm.json")]
public partial class CnnAlternating3;

/// <summary>the digits CNN: conv 3x3 1->16, conv 3x3 16->32, max pool 2x2, dense 512->10 (trained); alternating multi-bit 2-bit weights / 2-bit online alternating activations.</summary>
[QuantModel("models/cnn-alternating2.qgm.json")]
public partial class CnnAlternating2;
