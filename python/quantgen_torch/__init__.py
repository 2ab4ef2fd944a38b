"""quantgen_torch: quantization-aware training for QuantGen.

Fake-quantization modules with each published method's forward and backward (quantizers), quantized
layers built from them (layers), and export of a trained model to a quantgen.v1 description (export)
that the QuantGen source generator compiles into code computing the same thing.
"""

from .export import export_model, save_model
from .layers import QConv2d, QEmbedding, QGRU, QLinear, QLSTM, reference_arithmetic
from .quantizers import (AffineActivation, AffineWeight, AlternatingWeight, BitRnnWeight, DoReFaActivation,
                         DoReFaWeight, HwgqActivation, HwgqWeight, LogQuantActivation, LsqActivation, LsqWeight,
                         OnlineAlternatingActivation, UniformActivation, UniformWeight, WeightedEntropyWeight)

__all__ = [
    "export_model", "save_model",
    "QConv2d", "QEmbedding", "QGRU", "QLinear", "QLSTM", "reference_arithmetic",
    "AffineActivation", "AffineWeight", "AlternatingWeight", "BitRnnWeight", "DoReFaActivation", "DoReFaWeight",
    "HwgqActivation", "HwgqWeight", "LogQuantActivation", "LsqActivation", "LsqWeight",
    "OnlineAlternatingActivation", "UniformActivation", "UniformWeight", "WeightedEntropyWeight",
]
