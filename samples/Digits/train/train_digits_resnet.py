#!/usr/bin/python3
"""Train a small CNN with BatchNorm and a residual block on the digits and export it to ONNX, for issue 17's
import -> quantize -> evaluate walkthrough (docs/onnx-import.md, "A residual CNN").

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 samples/Digits/train/train_digits_resnet.py

Reads samples/Digits/data/digits-train.npz and digits-test.npz (x = pixels / 16, 64 per row; y = label),
reshaped to [1, 8, 8] images. The network:

    conv 3x3 (1 -> 8, pad 1) - BatchNorm - ReLU                      the stem
    conv 3x3 (8 -> 8, pad 1) - BatchNorm - ReLU - conv 3x3 - BatchNorm, + the stem's output, ReLU   the residual block
    MaxPool 2x2 -> [8, 4, 4], flatten, Linear 128 -> 10               the head

Writes samples/Digits/resnet/digits-resnet.onnx (opset 13; exported in training-preserve mode so that the
BatchNormalization nodes stay in the file and the importer folds each into its Conv; the skip connection is
an Add of two computed values) and resnet/pytorch-accuracy.txt (PyTorch float accuracy on the 360 test
digits). samples/Digits/make-resnet-models.sh then quantizes it with quantgen. Deterministic: seeded, one thread.
"""

import os
import random

import numpy as np
import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
OUT = os.path.normpath(os.path.join(HERE, "..", "resnet"))
EPOCHS = 40
BATCH = 64


class DigitsResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.stem(x)
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        x = torch.relu(x + y)
        return self.fc(torch.flatten(self.pool(x), 1))


def load(name):
    d = np.load(os.path.join(DATA, name))
    return torch.from_numpy(d["x"].reshape(-1, 1, 8, 8)), torch.from_numpy(d["y"])


def main():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    x_train, y_train = load("digits-train.npz")
    x_test, y_test = load("digits-test.npz")

    model = DigitsResNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), BATCH):
            batch = order[i:i + BATCH]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    correct = int(round(accuracy * len(y_test)))
    print(f"PyTorch float accuracy: {accuracy:.4f} ({correct}/{len(y_test)})")
    with open(os.path.join(OUT, "pytorch-accuracy.txt"), "w") as f:
        f.write(f"{accuracy:.4f} ({correct}/{len(y_test)}) PyTorch float32, DigitsResNet, 360 test digits\n")

    path = os.path.join(OUT, "digits-resnet.onnx")
    with torch.no_grad():
        torch.onnx.export(model, (x_test[:1],), path, opset_version=13, input_names=["pixels"], output_names=["logits"],
                          dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}},
                          training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load(path))
    print("wrote", path, [n.op_type for n in onnx.load(path).graph.node])


if __name__ == "__main__":
    main()
