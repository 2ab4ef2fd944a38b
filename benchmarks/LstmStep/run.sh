#!/usr/bin/env bash
# LSTM step benchmark: makes the descriptions (seeded random weights, hidden 512 or $1), builds the
# generated models in Release and times one step of each. Run from anywhere: bash benchmarks/LstmStep/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet run --project "$here/MakeModels" -c Release -- "$here/models" "${1:-512}"
dotnet run --project "$here/Bench" -c Release
