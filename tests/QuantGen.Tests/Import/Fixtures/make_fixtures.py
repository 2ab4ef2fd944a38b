#!/usr/bin/python3
"""Export the small PyTorch models the ONNX importer's tests read, with PyTorch's outputs.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_fixtures.py

For each model NAME it writes NAME.opsetN.onnx for N in 11, 13, 17 (the supported range's ends and
the opset where Softmax changed meaning) and NAME.expected.json: a few inputs and PyTorch's float32
outputs, the same for every opset. PyTorch drops Identity and Dropout at export in eval mode, so
`identity_dropout` is edited afterwards with onnx.helper to put them back (ONNX's own inference meaning:
they pass the value through), and `float_data` rewrites initializers from raw_data to float_data.
The `unsupported_*` and `residual` models are the error cases (an operator the importer does not
convert yet, and a graph that is not a chain); `conv_relu` was the unsupported Conv until Conv was
supported (make_sequence_fixtures.py has the convolution and recurrent models). Every file passes onnx.checker.
"""

import json
import os

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSETS = (11, 13, 17)
SAMPLES = 3


class Mlp(nn.Module):
    """Gemm (transB = 1) with Relu, Sigmoid, Tanh and Softmax(dim=-1) on [batch, 6]."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3, self.fc4 = nn.Linear(6, 12), nn.Linear(12, 8), nn.Linear(8, 5), nn.Linear(5, 4)

    def forward(self, x):
        x = torch.tanh(self.fc3(torch.sigmoid(self.fc2(torch.relu(self.fc1(x))))))
        return torch.softmax(self.fc4(x), dim=-1)


class Addmm(nn.Module):
    """torch.addmm: Gemm with transB = 0, alpha = 2, beta = 0.5."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(8, 5) * 0.3)
        self.b = nn.Parameter(torch.randn(5))

    def forward(self, x):
        return torch.relu(torch.addmm(self.b, x, self.w, beta=0.5, alpha=2.0))


class Linear3d(nn.Module):
    """nn.Linear on [batch, 1, 8]: MatMul + Add; softmax over the last axis (axis 2 or -1)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 6), nn.Linear(6, 3)

    def forward(self, x):
        return torch.softmax(self.fc2(torch.tanh(self.fc1(x))), dim=-1)


class Matmul(nn.Module):
    """torch.matmul on [batch, 8]: a bare MatMul (no bias), then MatMul + Add."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(8, 7) * 0.4)
        self.w2 = nn.Parameter(torch.randn(7, 3) * 0.4)
        self.b2 = nn.Parameter(torch.randn(3))

    def forward(self, x):
        return torch.matmul(torch.relu(torch.matmul(x, self.w1)), self.w2) + self.b2


class FlattenNet(nn.Module):
    """nn.Flatten on [batch, 2, 4] (Flatten axis = 1)."""

    def __init__(self):
        super().__init__()
        self.flatten, self.fc = nn.Flatten(), nn.Linear(8, 4)

    def forward(self, x):
        return torch.softmax(self.fc(self.flatten(x)), dim=-1)


class ReshapeNet(nn.Module):
    """x.reshape(-1, 8) on [batch, 2, 4]: Reshape by a Constant [-1, 8]."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return torch.relu(self.fc(x.reshape(-1, 8)))


class ViewNet(nn.Module):
    """x.view(x.size(0), -1) with a fixed batch of 1: Reshape by a Constant [1, -1]."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return torch.sigmoid(self.fc(x.view(x.size(0), -1)))


class TwoLayers(nn.Module):
    """Linear, ReLU, Linear: the base of the identity_dropout and float_data edits."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(6, 10), nn.Linear(10, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class LeakyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc, self.act = nn.Linear(6, 4), nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.act(self.fc(x))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.fc = nn.Conv2d(1, 2, 3), nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        return x + torch.relu(self.fc(x))


# name: (model, sample shape, dynamic batch, opsets)
MODELS = {
    "mlp_gemm": (Mlp, (6,), True, OPSETS),
    "addmm": (Addmm, (8,), True, OPSETS),
    "linear3d": (Linear3d, (1, 8), True, OPSETS),
    "matmul": (Matmul, (8,), True, OPSETS),
    "flatten": (FlattenNet, (2, 4), True, OPSETS),
    "reshape": (ReshapeNet, (2, 4), True, OPSETS),
    "view_static": (ViewNet, (2, 4), False, OPSETS),
    "identity_dropout": (TwoLayers, (6,), True, OPSETS),
    "float_data": (TwoLayers, (6,), True, (13,)),
    "leakyrelu": (LeakyNet, (6,), True, (13,)),
    "conv_relu": (ConvNet, (1, 4, 4), True, (13,)),
    "residual": (Residual, (6,), True, (13,)),
}


def export(model, shape, dynamic, opset, path):
    batch = 2 if dynamic else 1
    dynamic_axes = {"x": {0: "batch"}, "y": {0: "batch"}} if dynamic else None
    torch.onnx.export(model, torch.zeros(batch, *shape), path, opset_version=opset,
                      input_names=["x"], output_names=["y"], dynamic_axes=dynamic_axes)


def add_identity_and_dropout(path, opset):
    """Insert Dropout after the first Gemm and Identity after the Relu, as other exporters write them."""
    m = onnx.load(path)
    g = m.graph
    nodes = list(g.node)
    gemm = next(n for n in nodes if n.op_type == "Gemm")
    relu = next(n for n in nodes if n.op_type == "Relu")
    old_gemm_out, old_relu_out = gemm.output[0], relu.output[0]
    gemm.output[0] = old_gemm_out + "_pre_dropout"
    relu.output[0] = old_relu_out + "_pre_identity"
    if opset < 12:
        dropout = helper.make_node("Dropout", [gemm.output[0]], [old_gemm_out, "dropout_mask"], name="/drop/Dropout", ratio=0.25)
    else:
        g.initializer.append(numpy_helper.from_array(np.array(0.25, dtype=np.float32), "dropout_ratio"))
        dropout = helper.make_node("Dropout", [gemm.output[0], "dropout_ratio"], [old_gemm_out, "dropout_mask"], name="/drop/Dropout", seed=7)
    identity = helper.make_node("Identity", [relu.output[0]], [old_relu_out], name="")  # unnamed on purpose
    out = []
    for n in nodes:
        out.append(n)
        if n is gemm:
            out.append(dropout)
        if n is relu:
            out.append(identity)
    del g.node[:]
    g.node.extend(out)
    onnx.save(m, path)


def to_float_data(path):
    """Store every initializer's values in float_data instead of raw_data."""
    m = onnx.load(path)
    for t in m.graph.initializer:
        values = numpy_helper.to_array(t).astype(np.float32).ravel()
        t.ClearField("raw_data")
        t.float_data.extend(values.tolist())
    onnx.save(m, path)


def f32(values):
    """Float32 values as Python floats (exact, so repr round-trips)."""
    return np.asarray(values, dtype=np.float32).ravel().tolist()


def main():
    torch.manual_seed(1234)
    for name, (cls, shape, dynamic, opsets) in MODELS.items():
        model = cls().eval()
        for opset in opsets:
            path = os.path.join(HERE, f"{name}.opset{opset}.onnx")
            export(model, shape, dynamic, opset, path)
            if name == "identity_dropout":
                add_identity_and_dropout(path, opset)
            if name == "float_data":
                to_float_data(path)
            onnx.checker.check_model(onnx.load(path))
        if name in ("leakyrelu", "residual"):  # compared with ONNX Runtime only (OnnxRuntimeOracleTests)
            continue
        gen = torch.Generator().manual_seed(99)
        x = torch.randn(SAMPLES, *shape, generator=gen)
        with torch.no_grad():
            y = torch.cat([model(x[i:i + 1]) for i in range(SAMPLES)])
        expected = {
            "sampleShape": list(shape),
            "inputs": [f32(r) for r in x],
            "outputs": [f32(r) for r in y],
        }
        with open(os.path.join(HERE, f"{name}.expected.json"), "w", newline="\n") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        print(f"{name}: opsets {opsets}, output {tuple(y.shape)}")


if __name__ == "__main__":
    main()
