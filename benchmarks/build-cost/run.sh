#!/usr/bin/env bash
# Build cost of embedding a model: how much longer a consumer project takes to build, and how much more
# memory the build needs, when it binds a class to a description with N MB of packed weight codes.
#
#   bash benchmarks/build-cost/run.sh [MB ...]        (default: 1 4 16)
#
# Environment: RUNS (timed builds per size, the fastest is kept; default 2), BUILD_TIMEOUT (seconds per
# build, default 900), KEEP=1 (keep the temporary directory). See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIZES=("$@")
if [ ${#SIZES[@]} -eq 0 ]; then SIZES=(1 4 16); fi
RUNS=${RUNS:-2}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-900}
KEEP=${KEEP:-0}

for s in "${SIZES[@]}"; do
    [[ $s =~ ^[1-9][0-9]*$ ]] || { echo "size must be a whole number of MB: $s" >&2; exit 2; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (/usr/bin/time)..." >&2
    apt-get update && apt-get install -y time
fi

WORK=$(mktemp -d -t quantgen-build-cost.XXXXXX)
FAILED=0
cleanup() {
    if [ "$KEEP" = 1 ] || [ "$FAILED" = 1 ]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# Every project, including the repository's runtime, generator and schema that the consumers reference,
# builds into $ART rather than into the repository's bin/ and obj/ folders.
ART=$WORK/artifacts
LOGS=$WORK/logs
mkdir -p "$LOGS"
# UseSharedCompilation=false: the compiler runs as its own process (no VBCSCompiler server), so its peak
# RSS reaches time -v. -m:1 -nodeReuse:false: no detached MSBuild worker nodes, so the compiler is always a
# reaped descendant of the timed process and nothing outlives the build.
BUILD=(dotnet build -c Release -p:UseSharedCompilation=false -nodeReuse:false -m:1 --artifacts-path "$ART")

log() { echo "[build-cost] $*" >&2; }

# --- the description writer ---------------------------------------------------------------------------
log "building MakeModel"
dotnet build "$HERE/MakeModel/MakeModel.csproj" -c Release --artifacts-path "$ART" -nodeReuse:false \
    >"$LOGS/makemodel.log" 2>&1 || { cat "$LOGS/makemodel.log" >&2; FAILED=1; exit 1; }
MAKEMODEL=$ART/bin/MakeModel/release/MakeModel.dll

# --- consumer projects ---------------------------------------------------------------------------------
# make_project NAME MB: MB = 0 makes the baseline, a plain class with the same members and no description.
make_project() {
    local name=$1 mb=$2 dir=$WORK/$1
    mkdir -p "$dir/data"
    local additional=""
    if [ "$mb" -gt 0 ]; then
        additional='    <AdditionalFiles Include="data/*.qgm.json" />'
        dotnet "$MAKEMODEL" "$mb" "$dir/data/big.qgm.json" 12345 >&2
    fi
    cat >"$dir/$name.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <RootNamespace>Bench</RootNamespace>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$REPO/runtime/QuantGen.Runtime/QuantGen.Runtime.csproj" />
    <ProjectReference Include="$REPO/generator/QuantGen.Generator/QuantGen.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
$additional
  </ItemGroup>
</Project>
EOF
    if [ "$mb" -gt 0 ]; then
        cat >"$dir/Models.cs" <<'EOF'
using QuantGen;

namespace Bench;

[QuantModel("data/big.qgm.json")]
public partial class Big;
EOF
    else
        cat >"$dir/Models.cs" <<'EOF'
using System;

namespace Bench;

public partial class Big
{
    public int InputLength => 1;
    public int OutputLength => 1;
    public long WeightBytes => 0;
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => output[0] = input[0];
}
EOF
    fi
    cat >"$dir/Program.cs" <<'EOF'
using System;
using System.Globalization;
using Bench;

var model = new Big();
var input = new float[model.InputLength];
var output = new float[model.OutputLength];
model.Predict(input, output);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"y[0]={output[0]} WeightBytes={model.WeightBytes}"));
EOF
}

# Seconds from GNU time's "Elapsed (wall clock) time (h:mm:ss or m:ss): ..." line.
wall_seconds() {
    sed -n 's/^.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f\n", s }'
}
rss_kb() { sed -n 's/^.*Maximum resident set size (kbytes): //p' "$1"; }
# User + system CPU seconds of the build and every process it waited for (the compiler among them): on a
# shared machine this moves much less with other load than the wall time does.
cpu_seconds() {
    awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 } END { printf "%.2f\n", s }' "$1"
}

# measure NAME MB: prints "MB packed seconds rss_kb cpu_seconds run_output" (seconds = NA on failure).
measure() {
    local name=$1 mb=$2 dir=$WORK/$1
    make_project "$name" "$mb"
    log "$name: restore + warm-up build"
    if ! dotnet restore "$dir/$name.csproj" --artifacts-path "$ART" >"$LOGS/$name.restore.log" 2>&1 ||
       ! timeout "$BUILD_TIMEOUT" "${BUILD[@]}" --no-restore "$dir/$name.csproj" >"$LOGS/$name.warmup.log" 2>&1; then
        log "$name: warm-up failed, see $LOGS/$name.*.log"
        tail -n 30 "$LOGS/$name.warmup.log" >&2 || true
        FAILED=1
        echo "$mb $((mb << 20)) NA NA NA warm-up-failed"
        return
    fi
    local best="" best_rss=0 best_cpu="" run
    for ((run = 1; run <= RUNS; run++)); do
        # Clean the consumer only (keeping its restore output); the referenced projects stay up to date.
        rm -rf "$ART/bin/$name" "$ART"/obj/"$name"/release*
        log "$name: timed build $run/$RUNS"
        if ! /usr/bin/time -v -o "$LOGS/$name.time$run.txt" \
             timeout "$BUILD_TIMEOUT" "${BUILD[@]}" --no-restore "$dir/$name.csproj" >"$LOGS/$name.build$run.log" 2>&1; then
            log "$name: build $run failed or timed out (${BUILD_TIMEOUT}s), see $LOGS/$name.build$run.log"
            grep -E "error|Command terminated" "$LOGS/$name.build$run.log" "$LOGS/$name.time$run.txt" | head -n 20 >&2 || true
            FAILED=1
            echo "$mb $((mb << 20)) NA NA NA build-failed"
            return
        fi
        local s r c
        s=$(wall_seconds "$LOGS/$name.time$run.txt")
        r=$(rss_kb "$LOGS/$name.time$run.txt")
        c=$(cpu_seconds "$LOGS/$name.time$run.txt")
        log "$name: ${s}s, ${c} CPU s, max RSS ${r} kB"
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
        if [ -z "$best_cpu" ] || awk -v a="$c" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$c; fi
        if [ "$r" -gt "$best_rss" ]; then best_rss=$r; fi
    done
    local out
    if ! out=$(dotnet "$ART/bin/$name/release/$name.dll" 2>&1); then
        FAILED=1
        out="run-failed:$out"
    fi
    log "$name: $out"
    echo "$mb $((mb << 20)) $best $best_rss $best_cpu ${out// /,}"
}

RESULTS=$WORK/results.txt
: >"$RESULTS"
measure Bench0 0 >>"$RESULTS"
for mb in "${SIZES[@]}"; do
    measure "Bench$mb" "$mb" >>"$RESULTS"
done

# --- report --------------------------------------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
MEM=$(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
echo
echo "Machine: $(nproc) CPUs ($CPU), $MEM RAM, dotnet $(dotnet --version), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; fastest of $RUNS clean builds (wall and CPU each), peak RSS the largest of them."
echo
awk '
    BEGIN {
        print "| size MB | packed bytes | build s | added vs baseline s | CPU s | added CPU s | peak RSS MB | added RSS MB | run output |"
        print "|--------:|-------------:|--------:|--------------------:|------:|------------:|------------:|-------------:|------------|"
    }
    {
        mb = $1; bytes = $2; s = $3; rss = $4; cpu = $5; out = $6; gsub(",", " ", out)
        if (NR == 1) { base_s = s; base_rss = rss; base_cpu = cpu; label = "0 (baseline)" } else label = mb
        if (s == "NA") { printf "| %s | %d | failed | | | | | | %s |\n", label, bytes, out; next }
        add_s = (NR == 1 || base_s == "NA") ? "" : sprintf("%+.2f", s - base_s)
        add_c = (NR == 1 || base_cpu == "NA") ? "" : sprintf("%+.2f", cpu - base_cpu)
        add_r = (NR == 1 || base_rss == "NA") ? "" : sprintf("%+.0f", (rss - base_rss) / 1024)
        printf "| %s | %d | %.2f | %s | %.2f | %s | %.0f | %s | %s |\n", label, bytes, s, add_s, cpu, add_c, rss / 1024, add_r, out
    }' "$RESULTS"
if [ "$FAILED" = 1 ]; then echo; echo "Something failed; logs are in $LOGS"; exit 1; fi
