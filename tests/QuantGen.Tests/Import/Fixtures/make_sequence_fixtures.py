#!/usr/bin/python3
"""Export the recurrent and convolutional PyTorch models the ONNX importer's tests read, with PyTorch's outputs.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_sequence_fixtures.py

Writes, for N in 11, 13, 17:
  gru_lm.opsetN.onnx     nn.Embedding -> nn.GRU(batch_first=True) -> nn.Linear over [1, STEPS] token ids
  conv_pool.opsetN.onnx  nn.Conv2d(padding 1) -> ReLU -> nn.MaxPool2d -> nn.Conv2d(stride 2) -> nn.Flatten -> nn.Linear
and gru_lm.expected.json (the tokens and PyTorch's logits for each step) and conv_pool.expected.json
(a few inputs and PyTorch's outputs, as make_fixtures.py writes them). Every file passes onnx.checker.
"""

import json
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSETS = (11, 13, 17)
STEPS = 12
SAMPLES = 3


class GruLm(nn.Module):
    def __init__(self, vocab=11, embed=6, hidden=9):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, _ = self.gru(self.embed(tokens))
        return self.head(out)


class ConvPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 3, (3, 2), stride=2, padding=(1, 0))
        self.fc = nn.Linear(3 * 2 * 1, 5)

    def forward(self, x):
        x = self.conv2(self.pool(torch.relu(self.conv1(x))))
        return self.fc(torch.flatten(x, 1))


def f32(values):
    return [float(v) for v in values]


def main():
    torch.manual_seed(5)
    gru = GruLm().eval()
    tokens = torch.randint(0, 11, (1, STEPS))
    with torch.no_grad():
        logits = gru(tokens)
    for opset in OPSETS:
        path = os.path.join(HERE, f"gru_lm.opset{opset}.onnx")
        torch.onnx.export(gru, (tokens,), path, opset_version=opset, input_names=["tokens"], output_names=["logits"])
        onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(HERE, "gru_lm.expected.json"), "w") as f:
        json.dump({"tokens": tokens[0].tolist(), "logits": [f32(row) for row in logits[0].tolist()]}, f, indent=1)

    conv = ConvPool().eval()
    inputs = torch.randn(SAMPLES, 2, 8, 6)
    with torch.no_grad():
        outputs = conv(inputs)
    for opset in OPSETS:
        path = os.path.join(HERE, f"conv_pool.opset{opset}.onnx")
        torch.onnx.export(conv, (inputs[:1],), path, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        onnx.checker.check_model(onnx.load(path))
    with open(os.path.join(HERE, "conv_pool.expected.json"), "w") as f:
        json.dump({"sampleShape": [2, 8, 6], "inputs": [f32(x.reshape(-1).tolist()) for x in inputs],
                   "outputs": [f32(y.tolist()) for y in outputs]}, f, indent=1)


if __name__ == "__main__":
    main()
