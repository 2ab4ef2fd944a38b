#!/usr/bin/python3
"""Quantization-aware fine-tuning of the digits MLP (64-128-64-10, samples/Digits) from its float model.

Starts from the trained float weights (samples/Digits/data/digits.float.qgm.json), quantizes every
weight matrix and the input of every weighted layer but the first (as `quantgen quantize` does by
default), fine-tunes on the sample's training split (digits-train.npz: x = pixels / 16) and reports
the held-out accuracy on digits-test.npz (the same 80/20 split as samples/Digits/train). Writes the
exported description; with --quantgen it also runs `quantgen eval` on it and fails unless the
generated code classifies exactly as many held-out digits correctly as PyTorch did.

    /usr/bin/python3 python/recipes/digits_qat.py --weights lsq:2 --activations lsq:2 -o /tmp/digits.qat-lsq2.qgm.json \
        --quantgen tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

import quantgen_torch as qt  # noqa: E402
from quantgen_torch.export import export_model, save_model  # noqa: E402

DATA = os.path.join(ROOT, "samples", "Digits", "data")

WEIGHTS = {
    "uniform": lambda b: qt.UniformWeight(b),
    "affine": lambda b: qt.AffineWeight(b),
    "lsq": lambda b: qt.LsqWeight(b),
    "dorefa": lambda b: qt.DoReFaWeight(b),
    "bitrnn": lambda b: qt.BitRnnWeight(b),
    "hwgq": lambda b: qt.HwgqWeight(),
    "wq": lambda b: qt.WeightedEntropyWeight(b),
    "alternating": lambda b: qt.AlternatingWeight(b),
}
ACTIVATIONS = {
    "affine": lambda b: qt.AffineActivation(b),
    "lsq": lambda b: qt.LsqActivation(b),
    "dorefa": lambda b: qt.DoReFaActivation(b),
    "hwgq": lambda b: qt.HwgqActivation(b, track_scale=True),
    "logquant": lambda b: qt.LogQuantActivation(b),
    "alternating": lambda b: qt.OnlineAlternatingActivation(b),
}


def spec(text, table):
    name, bits = text.split(":")
    return lambda: table[name](int(bits))


def load(split):
    d = np.load(os.path.join(DATA, f"digits-{split}.npz"))
    return torch.from_numpy(d["x"].astype(np.float32)), torch.from_numpy(d["y"].astype(np.int64))


def build(weights, activations):
    """The MLP with the float model's weights; the softmax is left out of training and added for export."""
    with open(os.path.join(DATA, "digits.float.qgm.json")) as f:
        dense = [layer["dense"] for layer in json.load(f)["layers"] if "dense" in layer]
    layers = []
    for i, d in enumerate(dense):
        lin = qt.QLinear(d["inFeatures"], d["outFeatures"], weight_quantizer=weights(),
                         input_quantizer=None if i == 0 else activations())
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(d["weights"]["float32"]["values"]).reshape(d["outFeatures"], d["inFeatures"]))
            lin.bias.copy_(torch.tensor(d["bias"]))
        layers += [lin, nn.ReLU()] if i < len(dense) - 1 else [lin]
    return nn.Sequential(*layers)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = int((model(x).argmax(dim=1) == y).sum())
    return correct, len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", required=True, help="METHOD:BITS, METHOD one of " + ", ".join(WEIGHTS))
    p.add_argument("--activations", required=True, help="METHOD:BITS, METHOD one of " + ", ".join(ACTIVATIONS))
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help="the exported description (.qgm.json)")
    p.add_argument("--quantgen", help="quantgen.dll: also run `quantgen eval` on the export and compare")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    x_train, y_train = load("train")
    x_test, y_test = load("test")
    model = build(spec(args.weights, WEIGHTS), spec(args.activations, ACTIVATIONS))
    model.eval()
    with torch.no_grad():
        model.train()
        model(x_train)  # let observers, LSQ steps and LogQuant parameters see the data once
    start_correct, total = accuracy(model, x_test, y_test)
    print(f"quantized, before fine-tuning: {start_correct / total:.4f} ({start_correct} of {total})")

    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    began = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(y_train), generator=gen)
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        sched.step()
        if (epoch + 1) % 10 == 0:
            c, _ = accuracy(model, x_test, y_test)
            print(f"epoch {epoch + 1:3d}  held-out {c / total:.4f}")
    correct, total = accuracy(model, x_test, y_test)
    print(f"quantization-aware: {correct / total:.4f} ({correct} of {total}), {time.time() - began:.0f} s of training")

    export = nn.Sequential(*model, nn.Softmax(dim=-1))
    doc = (f"MLP 64-128-64-10 on scikit-learn digits, quantization-aware fine-tuning from the float model "
           f"(python/recipes/digits_qat.py --weights {args.weights} --activations {args.activations}); "
           f"PyTorch held-out accuracy {correct / total:.4f} on {total} digits")
    description = export_model(export, [64], name=f"digits-qat-{args.weights}-{args.activations}".replace(":", ""),
                                doc=doc, input_name="pixels", output_name="probabilities")
    save_model(description, args.output)
    print("wrote", args.output)

    if args.quantgen:
        out = subprocess.run(["dotnet", args.quantgen, "eval", args.output, "--data", os.path.join(DATA, "digits-test.npz")],
                             check=True, capture_output=True, text=True).stdout
        print(out.strip())
        m = re.search(r"correct: (\d+) of (\d+)", out)
        if not m or (int(m.group(1)), int(m.group(2))) != (correct, total):
            sys.exit(f"quantgen eval disagrees with PyTorch ({correct} of {total})")
        print("quantgen eval agrees with PyTorch")


if __name__ == "__main__":
    main()
