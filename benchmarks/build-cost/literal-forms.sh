#!/usr/bin/env bash
# How the compiler's time and peak memory depend on how N MB of bytes are written as "..."u8 literals:
# one literal, or one literal per CHUNK bytes, each in its own property (what Emitter.Data.cs emits).
# Compiles each form alone with the SDK's csc (no MSBuild, no generator) under /usr/bin/time.
#
#   bash benchmarks/build-cost/literal-forms.sh [MB] [CHUNK ...]     (default: 16 0 786432 196608 49152; 0 = one literal)
set -euo pipefail

MB=${1:-16}
shift || true
CHUNKS=("$@")
if [ ${#CHUNKS[@]} -eq 0 ]; then CHUNKS=(0 786432 196608 49152); fi

SDK=$(dirname "$(dotnet --list-sdks | tail -n 1 | sed 's/^\([^ ]*\) \[\(.*\)\]$/\2\/\1/')/x")
CSC=$SDK/Roslyn/bincore/csc.dll
REF=$(ls -d "$(dirname "$(dirname "$SDK")")"/packs/Microsoft.NETCore.App.Ref/*/ref/net*.0 | tail -n 1)
[ -f "$CSC" ] && [ -d "$REF" ] || { echo "cannot find csc.dll ($CSC) or the reference assemblies ($REF)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

WORK=$(mktemp -d -t quantgen-literals.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
head -c $((MB << 20)) /dev/urandom >"$WORK/data.bin"

echo "| MB | literal bytes | literals | csc s | csc CPU s | peak RSS MB |"
echo "|---:|---:|---:|---:|---:|---:|"
for chunk in "${CHUNKS[@]}"; do
    src=$WORK/forms$chunk.cs
    rm -f "$WORK"/part.*
    if [ "$chunk" -eq 0 ]; then cp "$WORK/data.bin" "$WORK/part.0"; else split -a 4 -d -b "$chunk" "$WORK/data.bin" "$WORK/part."; fi
    {
        echo "namespace Forms;"
        echo "public static class Data {"
        n=0
        for part in "$WORK"/part.*; do
            printf 'private static System.ReadOnlySpan<byte> C%d => "%s"u8;\n' "$n" "$(base64 -w 0 "$part")"
            n=$((n + 1))
        done
        echo "}"
    } >"$src"
    count=$(ls "$WORK"/part.* | wc -l)
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" dotnet "$CSC" -nologo -noconfig -target:library -optimize+ -langversion:latest \
        -out:"$WORK/forms$chunk.dll" -r:"$REF/System.Runtime.dll" "$src" >"$WORK/csc.log" 2>&1 || { cat "$WORK/csc.log" >&2; exit 1; }
    read -r seconds user system kb <"$WORK/time.txt"
    cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
    label=$([ "$chunk" -eq 0 ] && echo "all ($((MB << 20)))" || echo "$chunk")
    echo "| $MB | $label | $count | $seconds | $cpu | $((kb / 1024)) |"
done
