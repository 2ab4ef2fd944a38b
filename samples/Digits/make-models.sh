#!/usr/bin/env bash
# Makes the sample's quantized descriptions with the quantgen command line, from the trained float model
# as ONNX (data/digits.onnx, exported by train/export_onnx.py from what train/train_digits.py trained).
# Activation ranges are calibrated on the training split (data/digits-train.npz: x = pixels / 16, made by
# train/csv_to_npz.py). Each model is named by quantgen for its source and methods (digits-uniform4).
# Run from anywhere: bash samples/Digits/make-models.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dotnet build "$root/tools/QuantGen.Cli" -c Release -v quiet -nologo >/dev/null
quantgen() { dotnet "$root/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll" "$@"; }
data="$here/data"
model="$data/digits.onnx"
calibration=(--calibration "$data/digits-train.npz")
doc=(--doc "MLP 64-128-64-10 trained on scikit-learn digits (inputs are pixels/16); PyTorch test accuracy 0.9694 on 360 held-out digits")

quantgen quantize "$model" -o "$data/digits.uniform8.qgm.json" --weights uniform:8 --activations uniform:8 "${calibration[@]}" "${doc[@]}"
quantgen quantize "$model" -o "$data/digits.uniform4.qgm.json" --weights uniform:4 --activations uniform:4 "${calibration[@]}" "${doc[@]}"
quantgen quantize "$model" -o "$data/digits.uniform2.qgm.json" --weights uniform:2 --activations uniform:2 "${calibration[@]}" "${doc[@]}"
quantgen quantize "$model" -o "$data/digits.alternating2.qgm.json" --weights alternating:2 --activations alternating:2 "${doc[@]}"
