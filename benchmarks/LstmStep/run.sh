#!/usr/bin/env bash
# LSTM step benchmark: makes the descriptions (seeded random weights, hidden 512 or $1), builds the
# generated models in Release and times one step of each. Run from anywhere: bash benchmarks/LstmStep/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet run --project "$here/MakeModels" -c Release -- "$here/models" "${1:-512}"
# Plan the kernels for this machine's instruction set, as a user building for it would (QuantGenTarget).
target=Avx2
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then target=Avx512; fi
echo "QuantGenTarget=$target"
dotnet run --project "$here/Bench" -c Release -p:QuantGenTarget=$target
