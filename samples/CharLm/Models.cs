using QuantGen;

namespace QuantGen.Samples.CharLm;

// Each class is implemented at build time from its description in data/ (CharLm.csproj's AdditionalFiles).
// The float description comes from train/export_charlm.py; make-models.sh quantizes it after training
// (post-training), python/recipes/charlm_qat.py trains and exports the charlm-qat-* ones (quantization-aware).
// Each has a State type and Step(int token, State, Span<float> logits).

/// <summary>The trained float32 model: Embedding(63 x 32) -> LSTM(32 -> 256) -> LSTM(256 -> 256) -> Dense(256 -> 63).</summary>
[QuantModel("data/charlm-float.qgm.json")]
public partial class CharLmFloat;

/// <summary>8-bit symmetric per-row weights, 8-bit uniform activations and hidden state.</summary>
[QuantModel("data/charlm-uniform8.qgm.json")]
public partial class CharLmUniform8;

/// <summary>3-bit alternating multi-bit weights; x and h coded online into 3 bit planes every step.</summary>
[QuantModel("data/charlm-alternating3.qgm.json")]
public partial class CharLmAlternating3;

/// <summary>2-bit alternating multi-bit weights; x and h coded online into 2 bit planes every step.</summary>
[QuantModel("data/charlm-alternating2.qgm.json")]
public partial class CharLmAlternating2;

/// <summary>Weighted-entropy 4-bit weights, LogQuant 4-bit activations and hidden state.</summary>
[QuantModel("data/charlm-wq4-logquant4.qgm.json")]
public partial class CharLmWq4LogQuant4;

/// <summary>Quantization-aware alternating 3-bit: as CharLmAlternating3, fine-tuned with the quantizers in the loop.</summary>
[QuantModel("data/charlm-qat-alternating3.qgm.json")]
public partial class CharLmQatAlternating3;

/// <summary>Quantization-aware alternating 2-bit: as CharLmAlternating2, fine-tuned with the quantizers in the loop.</summary>
[QuantModel("data/charlm-qat-alternating2.qgm.json")]
public partial class CharLmQatAlternating2;

/// <summary>Quantization-aware bit-RNN 2-bit: sigmoid cell output, 2-bit bit-RNN weights, Q_2(relu(e)) and Q_2(h).</summary>
[QuantModel("data/charlm-qat-bitrnn2.qgm.json")]
public partial class CharLmQatBitRnn2;
