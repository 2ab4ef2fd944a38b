#!/usr/bin/env bash
# Makes the benchmark's quantized descriptions with `quantgen quantize` from the float models in models/
# (written by make/make_models.py, which needs PyTorch; its outputs are committed, so this script and the
# benchmark need only the .NET SDK). Four models x five variants: float32, uniform 8/8, uniform 4/4,
# alternating 3/3, alternating 2/2 (weights/activations).
# Calibration: the language models run models/lm-calibration.npz (4,000 token ids, one sequence); the digits
# models the training split samples/Digits/data/digits-train.npz (pixels/16). Alternating activations are
# coded online and need none.
# Run from anywhere: bash benchmarks/ModelSteps/make-models.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
nice -n 10 dotnet build "$root/tools/QuantGen.Cli" -c Release -v quiet -nologo >/dev/null
quantgen() { nice -n 10 dotnet "$root/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll" "$@"; }
models="$here/models"
digits="$root/samples/Digits/data"

# The float descriptions of the digits models: imported from ONNX, weights unchanged.
quantgen quantize "$digits/digits.onnx" -o "$models/mlp-float.qgm.json" --name mlp-float --weights float
quantgen quantize "$models/cnn.onnx" -o "$models/cnn-float.qgm.json" --name cnn-float --weights float

variants() { # $1 model, $2 float description or ONNX, $3 calibration file
    quantgen quantize "$2" -o "$models/$1-uniform8.qgm.json" --name "$1-uniform8" --weights uniform:8 --activations uniform:8 --calibration "$3"
    quantgen quantize "$2" -o "$models/$1-uniform4.qgm.json" --name "$1-uniform4" --weights uniform:4 --activations uniform:4 --calibration "$3"
    quantgen quantize "$2" -o "$models/$1-alternating3.qgm.json" --name "$1-alternating3" --weights alternating:3 --activations alternating:3
    quantgen quantize "$2" -o "$models/$1-alternating2.qgm.json" --name "$1-alternating2" --weights alternating:2 --activations alternating:2
}
for lm in lm2 lstm gru; do
    variants "$lm" "$models/$lm-float.qgm.json" "$models/lm-calibration.npz"
done
variants mlp "$digits/digits.onnx" "$digits/digits-train.npz"
variants cnn "$models/cnn.onnx" "$digits/digits-train.npz"
