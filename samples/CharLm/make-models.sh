#!/usr/bin/env bash
# Makes the quantized CharLm descriptions from the float one (data/charlm-float.qgm.json, written by
# train/export_charlm.py) and the bit-RNN one (data/charlm-bitrnn-float.qgm.json, written by
# train/train_bitrnn.py). Activation ranges are calibrated on 3,000 training characters run as one sequence.
# Run from anywhere: bash samples/CharLm/make-models.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dotnet build "$root/tools/QuantGen.Cli" -c Release -v quiet -nologo >/dev/null
quantgen() { dotnet "$root/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll" "$@"; }
data="$here/data"
calibration=(--calibration "$data/charlm-calibration.csv" --calibration-columns 1)

quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-uniform8.qgm.json" --name charlm-uniform8 --weights uniform:8 --activations uniform:8 "${calibration[@]}"
quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-alternating3.qgm.json" --name charlm-alternating3 --weights alternating:3 --activations alternating:3
quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-alternating2.qgm.json" --name charlm-alternating2 --weights alternating:2 --activations alternating:2
quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-wq4-logquant4.qgm.json" --name charlm-wq4-logquant4 --weights wq:4 --activations logquant:4 "${calibration[@]}"
quantgen quantize "$data/charlm-bitrnn-float.qgm.json" -o "$data/charlm-bitrnn2.qgm.json" --name charlm-bitrnn2 --weights bitrnn:2 --activations dorefa:2
