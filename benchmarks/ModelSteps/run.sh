#!/usr/bin/env bash
# Whole-model step benchmark: remakes the quantized descriptions from the committed float models
# (make-models.sh, `quantgen quantize`), builds the generated classes in Release and runs the benchmark,
# which prints the markdown table. Arguments after the options go to the benchmark (--rounds N, --round-ms M).
# --no-make skips remaking the descriptions. Run from anywhere: bash benchmarks/ModelSteps/run.sh
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
nice -n 10 dotnet build "$here/ModelSteps.csproj" -c Release -nologo -v quiet
nice -n 10 dotnet "$here/bin/Release/net10.0/ModelSteps.dll" "$@"
