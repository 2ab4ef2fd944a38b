#!/usr/bin/env bash
# Quantizes the residual digits CNN (resnet/digits-resnet.onnx, trained and exported by
# train/train_digits_resnet.py) at 8 and 4 bits with the quantgen command line, activation ranges calibrated
# on the training split, and prints the accuracy of the float ONNX file and of both descriptions on the 360
# test digits, each run through the code the generator writes (quantgen eval).
# Run from anywhere: bash samples/Digits/make-resnet-models.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dotnet build "$root/tools/QuantGen.Cli" -c Release -v quiet -nologo >/dev/null
quantgen() { dotnet "$root/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll" "$@"; }
out="$here/resnet"
model="$out/digits-resnet.onnx"
doc=(--doc "Residual CNN (conv-bn-relu stem; conv-bn-relu, conv-bn + skip add, relu; maxpool; linear) trained by samples/Digits/train/train_digits_resnet.py; PyTorch float accuracy $(cut -d' ' -f1 "$out/pytorch-accuracy.txt") on the 360 test digits")

for bits in 8 4; do
  quantgen quantize "$model" -o "$out/digits-resnet.uniform$bits.qgm.json" --weights "uniform:$bits" --activations "uniform:$bits" \
    --calibration "$here/data/digits-train.npz" "${doc[@]}"
done

for m in "$model" "$out/digits-resnet.uniform8.qgm.json" "$out/digits-resnet.uniform4.qgm.json"; do
  echo "$(basename "$m"): $(quantgen eval "$m" --data "$here/data/digits-test.npz" | tr '\n' ' ')"
done
