#!/usr/bin/env bash
# Whole-model step benchmark: remakes the quantized descriptions from the committed float models
# (make-models.sh, `quantgen quantize`), builds the generated classes in Release and runs the benchmark,
# which prints the markdown table. Arguments after the options go to the benchmark (--rounds N, --round-ms M).
# --no-make skips remaking the descriptions. The kernels are planned for this machine (QuantGenTarget Avx512 where
# /proc/cpuinfo lists avx512f, else Avx2). Run from anywhere: bash benchmarks/ModelSteps/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "${1:-}" = "--no-make" ]; then
    shift
else
    log="$(mktemp)"
    if ! bash "$here/make-models.sh" >"$log" 2>&1; then
        cat "$log"
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
fi
# Plan the kernels for this machine's instruction set (QuantGenTarget), as a user building for it would.
target=Avx2
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then target=Avx512; fi
echo "QuantGenTarget=$target"
nice -n 10 dotnet build "$here/ModelSteps.csproj" -c Release -nologo -v quiet -p:QuantGenTarget=$target
nice -n 10 dotnet "$here/bin/Release/net10.0/ModelSteps.dll" "$@"
