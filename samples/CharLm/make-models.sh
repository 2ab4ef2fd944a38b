#!/usr/bin/env bash
# Makes the post-training quantized CharLm descriptions from the float one (data/charlm-float.qgm.json,
# written by train/export_charlm.py); the quantization-aware ones (data/charlm-qat-*.qgm.json) come from
# python/recipes/charlm_qat.py (see README.md). Activation ranges are calibrated on 3,000 training characters run as one sequence
# (data/charlm-calibration.csv, one token id a line, given to quantgen as a temporary .npy). Each model is
# named by quantgen for its source and methods (charlm-uniform8).
# Run from anywhere: bash samples/CharLm/make-models.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dotnet build "$root/tools/QuantGen.Cli" -c Release -v quiet -nologo >/dev/null
quantgen() { dotnet "$root/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll" "$@"; }
data="$here/data"
# The token ids as a float32 .npy of shape (N,): one input value per row (the stdlib writes the format).
npy="$(mktemp --suffix=.npy)"
trap 'rm -f "$npy"' EXIT
python3 - "$data/charlm-calibration.csv" "$npy" <<'PY'
import struct, sys
ids = [float(line) for line in open(sys.argv[1]) if line.strip()]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(ids)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(sys.argv[2], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
    f.write(struct.pack("<%df" % len(ids), *ids))
PY
calibration=(--calibration "$npy")

quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-uniform8.qgm.json" --weights uniform:8 --activations uniform:8 "${calibration[@]}"
quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-alternating3.qgm.json" --weights alternating:3 --activations alternating:3
quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-alternating2.qgm.json" --weights alternating:2 --activations alternating:2
quantgen quantize "$data/charlm-float.qgm.json" -o "$data/charlm-wq4-logquant4.qgm.json" --weights wq:4 --activations logquant:4 "${calibration[@]}"
