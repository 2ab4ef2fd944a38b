#!/usr/bin/python3
"""Train a small MLP on the scikit-learn digits data set and export the fixtures in ../data.

Run from anywhere (paths are relative to this file):

    apt-get install -y python3-torch python3-sklearn python3-numpy
    /usr/bin/python3 samples/Digits/train/train_digits.py

Outputs (all in samples/Digits/data/):
    digits-train.csv, digits-test.csv  64 raw pixels (0..16) then the label, one sample per line
    digits.float.qgm.json              the float model as a "quantgen.v1" description (protobuf JSON)
    digits-expected.csv                PyTorch float32 probabilities for the first 20 test samples
    pytorch-accuracy.txt               PyTorch test accuracy on the 360 held-out samples

The script ends with a self-check: it reloads the JSON, recomputes the forward pass in numpy float32
and compares it with digits-expected.csv and the PyTorch test accuracy.
"""

import json
import os
import random

import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))

EPOCHS = 150
BATCH = 64
EXPECTED_ROWS = 20


def set_determinism():
    """Seed everything and force deterministic, single-threaded kernels."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


def load_split():
    """Raw pixels (ints 0..16) and labels, split 80/20 stratified."""
    digits = load_digits()
    X = digits.data.astype(np.int64)  # (1797, 64), values 0..16
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)


def to_input(X):
    """Model input: pixels / 16, float32."""
    return (X.astype(np.float32) / np.float32(16.0)).astype(np.float32)


def build_model():
    """64-128-64-10 MLP producing logits; softmax is appended for export/inference."""
    return nn.Sequential(
        nn.Linear(64, 128),
        nn.ReLU(),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def train(model, X_train, y_train):
    """Adam + CrossEntropyLoss on the logits, shuffled mini-batches from a seeded generator."""
    xs = torch.from_numpy(to_input(X_train))
    ys = torch.from_numpy(y_train)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    n = xs.shape[0]
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xs[idx]), ys[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        if (epoch + 1) % 25 == 0:
            print(f"epoch {epoch + 1:3d}  loss {total / n:.5f}")


def probabilities(model, X):
    """Float32 softmax probabilities from PyTorch (the exported model ends in softmax)."""
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(to_input(X))), dim=1).numpy().astype(np.float32)


def write_csv(path, X, y):
    """One sample per line: 64 raw pixel integers, then the label."""
    with open(path, "w", newline="\n") as f:
        for row, label in zip(X, y):
            f.write(",".join(str(int(v)) for v in row) + f",{int(label)}\n")


def f32list(t):
    """Float32 values as Python floats (each is exactly the float32 value, so repr round-trips)."""
    return np.asarray(t.detach().cpu().numpy(), dtype=np.float32).ravel().tolist()


def write_model_json(path, model, accuracy, total):
    """Write the quantgen.v1 description; each float array goes on one line to keep the file compact."""
    dense = [m for m in model if isinstance(m, nn.Linear)]
    layers = []
    for i, lin in enumerate(dense, start=1):
        layers.append({
            "name": f"fc{i}",
            "dense": {
                "inFeatures": lin.in_features,
                "outFeatures": lin.out_features,
                # PyTorch weight is [out][in]; flatten() is row-major, a row per output as the schema wants.
                "weights": {"float32": {"values": f32list(lin.weight)}},
                "bias": f32list(lin.bias),
            },
        })
        if i < len(dense):
            layers.append({"name": f"relu{i}", "relu": {}})
    layers.append({"name": "softmax", "softmax": {}})

    doc = ("MLP 64-128-64-10 trained on scikit-learn digits (inputs are pixels/16); "
           f"PyTorch test accuracy {accuracy:.4f} on {total} held-out digits")
    head = {
        "schema": "quantgen.v1",
        "name": "digits",
        "doc": doc,
        "inputs": [{"name": "pixels", "shape": [64]}],
        "outputs": [{"name": "probabilities", "shape": [10]}],
    }

    # Hand-assembled pretty-printing: structure indented, float lists kept on a single line.
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "layers": [')
    for li, layer in enumerate(layers):
        end = "," if li < len(layers) - 1 else ""
        if "dense" not in layer:
            lines.append(f"    {json.dumps(layer)}{end}")
            continue
        d = layer["dense"]
        lines.append("    {")
        lines.append(f'      "name": {json.dumps(layer["name"])},')
        lines.append('      "dense": {')
        lines.append(f'        "inFeatures": {d["inFeatures"]},')
        lines.append(f'        "outFeatures": {d["outFeatures"]},')
        lines.append(f'        "weights": {{"float32": {{"values": {json.dumps(d["weights"]["float32"]["values"])}}}}},')
        lines.append(f'        "bias": {json.dumps(d["bias"])}')
        lines.append("      }")
        lines.append(f"    }}{end}")
    lines.append("  ]")
    lines.append("}")
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def write_expected(path, probs):
    """One row per sample, 10 probabilities as repr of the float32 value (round-trips exactly)."""
    with open(path, "w", newline="\n") as f:
        for row in probs:
            f.write(",".join(repr(v) for v in np.asarray(row, dtype=np.float32).tolist()) + "\n")


def numpy_forward(model_json, X):
    """Recompute the exported model from its JSON in numpy float32."""
    h = to_input(X)
    for layer in model_json["layers"]:
        if "dense" in layer:
            d = layer["dense"]
            w = np.array(d["weights"]["float32"]["values"], dtype=np.float32).reshape(d["outFeatures"], d["inFeatures"])
            b = np.array(d["bias"], dtype=np.float32)
            h = (h @ w.T + b).astype(np.float32)
        elif "relu" in layer:
            h = np.maximum(h, np.float32(0))
        elif "softmax" in layer:
            e = np.exp(h - h.max(axis=1, keepdims=True)).astype(np.float32)
            h = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        else:
            raise ValueError(f"unexpected layer {layer}")
    return h


def self_check(X_test, y_test, correct):
    """Reload the written files and check that the JSON reproduces PyTorch's outputs and accuracy."""
    with open(os.path.join(DATA, "digits.float.qgm.json")) as f:
        model_json = json.load(f)
    assert model_json["schema"] == "quantgen.v1"

    # The CSV must hold exactly the split we evaluated.
    test = np.loadtxt(os.path.join(DATA, "digits-test.csv"), delimiter=",", dtype=np.int64)
    assert np.array_equal(test[:, :64], X_test) and np.array_equal(test[:, 64], y_test)

    probs = numpy_forward(model_json, test[:, :64])
    expected = np.loadtxt(os.path.join(DATA, "digits-expected.csv"), delimiter=",", dtype=np.float64)
    diff = np.abs(probs[:EXPECTED_ROWS].astype(np.float64) - expected).max()
    assert diff <= 1e-6, f"numpy forward differs from digits-expected.csv by {diff}"

    np_correct = int((probs.argmax(axis=1) == test[:, 64]).sum())
    assert np_correct == correct, f"numpy accuracy {np_correct} != PyTorch {correct}"
    print(f"self-check OK: max |numpy - expected| = {diff:.3g}, numpy correct = {np_correct}/{len(test)}")


def main():
    set_determinism()
    os.makedirs(DATA, exist_ok=True)
    X_train, X_test, y_train, y_test = load_split()

    model = build_model()
    train(model, X_train, y_train)

    p_train = probabilities(model, X_train)
    p_test = probabilities(model, X_test)
    train_acc = float((p_train.argmax(axis=1) == y_train).mean())
    correct = int((p_test.argmax(axis=1) == y_test).sum())
    total = len(y_test)
    test_acc = correct / total
    print(f"train accuracy {train_acc:.4f} ({int((p_train.argmax(axis=1) == y_train).sum())}/{len(y_train)})")
    print(f"test accuracy {test_acc:.4f} ({correct}/{total})")

    write_csv(os.path.join(DATA, "digits-train.csv"), X_train, y_train)
    write_csv(os.path.join(DATA, "digits-test.csv"), X_test, y_test)
    write_model_json(os.path.join(DATA, "digits.float.qgm.json"), model, test_acc, total)
    write_expected(os.path.join(DATA, "digits-expected.csv"), p_test[:EXPECTED_ROWS])
    with open(os.path.join(DATA, "pytorch-accuracy.txt"), "w", newline="\n") as f:
        f.write(f"test_accuracy={test_acc:.4f} correct={correct} total={total}\n")

    self_check(X_test, y_test, correct)


if __name__ == "__main__":
    main()
