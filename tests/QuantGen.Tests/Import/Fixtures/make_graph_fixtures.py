#!/usr/bin/python3
"""Export the activation, average-pooling and branching patterns of issue 17 as PyTorch writes them, for the
importer's ONNX Runtime oracle tests.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_graph_fixtures.py

Seeded random weights (BatchNorm's running statistics too); ONNX Runtime is the oracle, so no expected
outputs are written. Every file passes onnx.checker.

  activations_pool  (11, 13, 17) Conv2d -> ReLU6 (Clip 0..6) -> Conv2d -> LeakyReLU(0.2) -> torch.clamp(min=-0.5)
                    (a one-sided Clip) -> AvgPool2d(3, stride 2, padding 1) (count_include_pad) ->
                    AvgPool2d(2, padding 1, count_include_pad=False) -> AdaptiveAvgPool2d(1) (GlobalAveragePool)
                    -> flatten -> Linear
  residual_block    (13) conv-bn-relu stem, then a basic block: conv-bn-relu, conv-bn, + the stem's output
                    (a residual Add), ReLU; a second block with a 1x1 strided conv-bn on the skip path;
                    GlobalAveragePool, flatten, Linear. BatchNorm kept as nodes (training-preserve export), so
                    the importer folds each into its Conv inside a branching graph.
  concat_branches   (13) a 3x3 and a 1x1 Conv2d of the same input, torch.cat along the channels, ReLU,
                    MaxPool2d, flatten; then two Linear heads of that vector, concatenated (Concat of
                    [batch, features]), and a third that adds the input of the heads back: x + relu(fc(x)).
"""

import os

import onnx
import torch
from torch import nn

from make_cnn_fixtures import randomize_batchnorm

HERE = os.path.dirname(os.path.abspath(__file__))


class ActivationsPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.relu6 = nn.ReLU6()
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1)
        self.leaky = nn.LeakyReLU(0.2)
        self.pool1 = nn.AvgPool2d(3, stride=2, padding=1)
        self.pool2 = nn.AvgPool2d(2, padding=1, count_include_pad=False)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        x = self.relu6(self.conv1(x) * 4.0)
        x = torch.clamp(self.leaky(self.conv2(x)), min=-0.5)
        x = self.gap(self.pool2(self.pool1(x)))
        return self.fc(torch.flatten(x, 1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
            randomize_batchnorm(self.down[1])
        randomize_batchnorm(self.bn1)
        randomize_batchnorm(self.bn2)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResidualBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(2, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.block1 = BasicBlock(4, 4, 1)
        self.block2 = BasicBlock(4, 6, 2)
        self.fc = nn.Linear(6, 3)
        randomize_batchnorm(self.bn)

    def forward(self, x):
        x = torch.relu(self.bn(self.stem(x)))
        x = self.block2(self.block1(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class ConcatBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.wide = nn.Conv2d(2, 3, 3, padding=1)
        self.point = nn.Conv2d(2, 2, 1)
        self.fc_a = nn.Linear(5 * 3 * 3, 4)
        self.fc_b = nn.Linear(5 * 3 * 3, 3)
        self.fc_c = nn.Linear(7, 7)

    def forward(self, x):
        x = torch.relu(torch.cat([self.wide(x), self.point(x)], dim=1))
        x = torch.flatten(nn.functional.max_pool2d(x, 2), 1)
        y = torch.cat([self.fc_a(x), self.fc_b(x)], dim=1)
        return y + torch.relu(self.fc_c(y))


def export(model, example, name, opset):
    path = os.path.join(HERE, f"{name}.opset{opset}.onnx")
    with torch.no_grad():
        torch.onnx.export(model.eval(), (example,), path, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load(path))


def main():
    torch.manual_seed(17)
    activations = ActivationsPool()
    for opset in (11, 13, 17):
        export(activations, torch.randn(1, 2, 7, 6), "activations_pool", opset)
    export(ResidualBlock(), torch.randn(1, 2, 8, 8), "residual_block", 13)
    export(ConcatBranches(), torch.randn(1, 2, 6, 6), "concat_branches", 13)


if __name__ == "__main__":
    main()
