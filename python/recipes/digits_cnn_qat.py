#!/usr/bin/python3
"""A small CNN on the digits (8x8 images as [1, 8, 8]): trains it in float, exports the float model, then
fine-tunes it with quantized weights on every layer and quantized inputs on every weighted layer but the
first, and exports that; with --quantgen both exports go through `quantgen eval` and must get as many
held-out digits right as PyTorch did.

    conv 1->8 3x3 pad 1, ReLU, max pool 2 -> conv 8->16 3x3 pad 1, ReLU, max pool 2 -> flatten 64 -> dense 10

    /usr/bin/python3 python/recipes/digits_cnn_qat.py --weights lsq:2 --activations lsq:2 \
        --float-output /tmp/cnn.float.qgm.json -o /tmp/cnn.qat.qgm.json --quantgen tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll
"""

import argparse
import os
import re
import subprocess
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

import quantgen_torch as qt  # noqa: E402
from digits_qat import ACTIVATIONS, DATA, WEIGHTS, load, spec  # noqa: E402
from quantgen_torch.export import export_model, save_model  # noqa: E402


def build(weights=None, activations=None):
    w = weights or (lambda: None)
    a = activations or (lambda: None)
    return nn.Sequential(
        qt.QConv2d(1, 8, 3, padding=1, weight_quantizer=w()), nn.ReLU(), nn.MaxPool2d(2),
        qt.QConv2d(8, 16, 3, padding=1, weight_quantizer=w(), input_quantizer=a()), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), qt.QLinear(64, 10, weight_quantizer=w(), input_quantizer=a()))


def train(model, x, y, epochs, lr, seed):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(y), generator=gen)
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        sched.step()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return int((model(x).argmax(dim=1) == y).sum()), len(y)


def export(model, path, name, doc, quantgen, correct):
    description = export_model(nn.Sequential(*model, nn.Softmax(dim=-1)), [1, 8, 8], name=name, doc=doc,
                               input_name="pixels", output_name="probabilities")
    save_model(description, path)
    print("wrote", path)
    if quantgen:
        out = subprocess.run(["dotnet", quantgen, "eval", path, "--data", os.path.join(DATA, "digits-test.npz")],
                             check=True, capture_output=True, text=True).stdout
        print(out.strip())
        m = re.search(r"correct: (\d+) of", out)
        if not m or int(m.group(1)) != correct:
            sys.exit(f"quantgen eval disagrees with PyTorch ({correct})")
        print("quantgen eval agrees with PyTorch")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", required=True)
    p.add_argument("--activations", required=True)
    p.add_argument("--float-epochs", type=int, default=40)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--float-output", required=True)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--quantgen")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    x_train, y_train = load("train")
    x_test, y_test = load("test")
    x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)

    model = build()
    train(model, x_train, y_train, args.float_epochs, 3e-3, args.seed)
    correct, total = accuracy(model, x_test, y_test)
    print(f"float: {correct / total:.4f} ({correct} of {total})")
    export(model, args.float_output, "digits-cnn", f"digits CNN, float; PyTorch held-out accuracy {correct / total:.4f}",
           args.quantgen, correct)

    quantized = build(spec(args.weights, WEIGHTS), spec(args.activations, ACTIVATIONS))
    quantized.load_state_dict(model.state_dict(), strict=False)
    with torch.no_grad():
        quantized.train()
        quantized(x_train)
    c0, _ = accuracy(quantized, x_test, y_test)
    print(f"quantized, before fine-tuning: {c0 / total:.4f} ({c0} of {total})")
    train(quantized, x_train, y_train, args.epochs, 1e-3, args.seed)
    correct, total = accuracy(quantized, x_test, y_test)
    print(f"quantization-aware: {correct / total:.4f} ({correct} of {total})")
    export(quantized, args.output, "digits-cnn-qat",
           f"digits CNN, quantization-aware ({args.weights} / {args.activations}); PyTorch held-out accuracy {correct / total:.4f}",
           args.quantgen, correct)


if __name__ == "__main__":
    main()
