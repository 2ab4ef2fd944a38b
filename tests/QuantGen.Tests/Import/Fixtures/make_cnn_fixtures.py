#!/usr/bin/python3
"""Export CNN and MLP patterns as PyTorch writes them, for the importer's ONNX Runtime oracle tests.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_cnn_fixtures.py

Seeded random weights (BatchNorm's running statistics too, so that folding them is not a no-op); ONNX
Runtime is the oracle, so no expected outputs are written. Every file passes onnx.checker. Opset 13.

  cnn_patterns   Conv2d -> BatchNorm2d (kept as a BatchNormalization node: exported in training-preserve
                 mode, which skips PyTorch's own Conv+BN fusion) -> ReLU -> depthwise Conv2d (groups = channels)
                 * a per-channel constant + a scalar -> grouped Conv2d (groups = 2) - a scalar, / a scalar ->
                 x.view(x.size(0), -1) with a symbolic batch (Shape, Gather, Unsqueeze, Concat, Reshape) -> Linear
  mlp_patterns   Linear -> BatchNorm1d (after Gemm) -> Tanh -> Linear -> 2 * x, then x - a per-feature constant
"""

import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13


def randomize_batchnorm(bn):
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)


class CnnPatterns(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.scale = nn.Parameter(torch.rand(8, 1, 1) + 0.5)
        self.grouped = nn.Conv2d(8, 6, 3, stride=2, groups=2)
        self.fc = nn.Linear(6 * 2 * 2, 5)
        randomize_batchnorm(self.bn1)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.dw(x) * self.scale + 0.25
        x = (self.grouped(x) - 0.5) / 2.0
        return self.fc(x.view(x.size(0), -1))


class MlpPatterns(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 10)
        self.bn = nn.BatchNorm1d(10)
        self.fc2 = nn.Linear(10, 4)
        self.shift = nn.Parameter(torch.randn(4))
        randomize_batchnorm(self.bn)

    def forward(self, x):
        x = torch.tanh(self.bn(self.fc1(x)))
        return 2.0 * self.fc2(x) - self.shift


def export(model, example, name):
    path = os.path.join(HERE, f"{name}.opset{OPSET}.onnx")
    with torch.no_grad():
        torch.onnx.export(model.eval(), (example,), path, opset_version=OPSET, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load(path))


def main():
    torch.manual_seed(23)
    export(CnnPatterns(), torch.randn(1, 2, 6, 6), "cnn_patterns")
    export(MlpPatterns(), torch.randn(2, 6), "mlp_patterns")


if __name__ == "__main__":
    main()
