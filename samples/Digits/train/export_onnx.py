#!/usr/bin/python3
"""Export the trained digits MLP to ONNX: ../data/digits.onnx, from ../data/digits.float.qgm.json.

Run from anywhere (paths are relative to this file):

    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 samples/Digits/train/export_onnx.py

The float description is the training script's output (train_digits.py); this script rebuilds the same
PyTorch model from those exact float32 weights (64-128-64-10, ReLU, softmax over the last axis), with the
description's layer names as module names (PyTorch names the ONNX nodes "/fc1/Gemm", ...), and exports it
at opset 13 with the description's input and output names and a symbolic batch dimension. The
`quantgen` command line makes the sample's quantized descriptions from this file; importing it gives
back the float description's weights bit for bit (a test checks that).

Self-check: the rebuilt model must reproduce digits-expected.csv (PyTorch's probabilities at training
time) to 1e-6; if python3-onnx is installed the file is also run through onnx.checker.
"""

import collections
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
OPSET = 13


def load_description():
    with open(os.path.join(DATA, "digits.float.qgm.json")) as f:
        return json.load(f)


def build_model(description):
    """nn.Sequential with one module per description layer, named like the layer, weights copied exactly."""
    modules = collections.OrderedDict()
    for layer in description["layers"]:
        name = layer["name"]
        if "dense" in layer:
            d = layer["dense"]
            linear = nn.Linear(d["inFeatures"], d["outFeatures"])
            weights = np.array(d["weights"]["float32"]["values"], dtype=np.float32).reshape(d["outFeatures"], d["inFeatures"])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(weights))
                linear.bias.copy_(torch.from_numpy(np.array(d["bias"], dtype=np.float32)))
            modules[name] = linear
        elif "relu" in layer:
            modules[name] = nn.ReLU()
        elif "softmax" in layer:
            modules[name] = nn.Softmax(dim=-1)
        else:
            raise ValueError(f"unexpected layer {layer}")
    return nn.Sequential(modules).eval()


def self_check(model, description):
    test = np.loadtxt(os.path.join(DATA, "digits-test.csv"), delimiter=",", dtype=np.int64)
    expected = np.loadtxt(os.path.join(DATA, "digits-expected.csv"), delimiter=",", dtype=np.float64)
    x = torch.from_numpy((test[: len(expected), :64].astype(np.float32) / np.float32(16.0)).astype(np.float32))
    with torch.no_grad():
        probabilities = model(x).numpy().astype(np.float64)
    diff = np.abs(probabilities - expected).max()
    assert diff <= 1e-6, f"the rebuilt model differs from digits-expected.csv by {diff}"
    for layer in description["layers"]:
        if "dense" in layer:
            values = np.array(layer["dense"]["weights"]["float32"]["values"], dtype=np.float32)
            exported = getattr(model, layer["name"]).weight.detach().numpy().ravel()
            assert np.array_equal(values.view(np.uint32), exported.view(np.uint32)), layer["name"]
    print(f"self-check OK: max |rebuilt - expected| = {diff:.3g}")


def main():
    description = load_description()
    model = build_model(description)
    self_check(model, description)
    input_name = description["inputs"][0]["name"]
    output_name = description["outputs"][0]["name"]
    path = os.path.join(DATA, "digits.onnx")
    torch.onnx.export(model, torch.zeros(1, *description["inputs"][0]["shape"]), path, opset_version=OPSET,
                      input_names=[input_name], output_names=[output_name],
                      dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}})
    try:
        import onnx
        onnx.checker.check_model(onnx.load(path))
        print("onnx.checker: OK")
    except ImportError:
        print("python3-onnx is not installed: onnx.checker skipped")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, opset {OPSET})")


if __name__ == "__main__":
    main()
