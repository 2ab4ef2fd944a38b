#!/usr/bin/env bash
# Digits accuracy: alternating vs alternating-search weights, alternating activations, 2 and 3 bits.
set -e
Q="dotnet $(cd "$(dirname "$0")/../.." && pwd)/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll"
d=$(cd "$(dirname "$0")/../.." && pwd)/samples/Digits/data
o=${OUT:-/tmp/multibit-mse}; mkdir -p $o
for b in 2 3; do for w in $METHODS; do
  $Q quantize $d/digits.float.qgm.json -o $o/digits-$w$b.qgm.json --weights $w:$b --activations alternating:$b >/dev/null 2>&1
  echo "digits weights $w:$b activations alternating:$b: $($Q eval $o/digits-$w$b.qgm.json --data $d/digits-test.npz --interpreter | tr '\n' ' ')"
done; done
