#!/usr/bin/env bash
# CharLm bits/char: alternating vs alternating-search weights, alternating activations, 2 and 3 bits.
set -e
Q="dotnet $(cd "$(dirname "$0")/../.." && pwd)/tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll"
d=$(cd "$(dirname "$0")/../.." && pwd)/samples/CharLm/data
o=${OUT:-/tmp/multibit-mse}; mkdir -p $o
# The held-out slice as token ids (numpy from python3-numpy).
/usr/bin/python3 -c "
import json, numpy as np
vocab = json.load(open('$d/charlm-vocab.json')); index = {c: i for i, c in enumerate(vocab)}
np.savez('$o/charlm-heldout.npz', tokens=np.array([index[c] for c in open('$d/charlm-heldout.txt').read()], dtype=np.int64))"
echo "charlm float: $($Q eval $d/charlm-float.qgm.json --data $o/charlm-heldout.npz | head -1)"
for b in 2 3; do for w in $METHODS; do
  /usr/bin/time -f "%e s" $Q quantize $d/charlm-float.qgm.json -o $o/charlm-$w$b.qgm.json --weights $w:$b --activations alternating:$b 2>&1 | tail -1
  echo "charlm weights $w:$b activations alternating:$b: $($Q eval $o/charlm-$w$b.qgm.json --data $o/charlm-heldout.npz | head -1)"
done; done
