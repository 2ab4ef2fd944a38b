#!/usr/bin/python3
"""Export whole-sequence recurrent models: bidirectional layers and time-first (batch_first=False) layouts.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_bidirectional_fixtures.py

Each graph takes one whole sequence (no state inputs) and gives every step's output, as torch.onnx.export
writes a module called on a [1, T] (batch_first) or [T, 1, ...] (time-first) example. Seeded random weights
(PyTorch's default init). ONNX Runtime is the oracle (the C# tests run these files); no expected outputs.

  bilstm_lm.opset13.onnx, .opset17.onnx   nn.Embedding(20, 8) -> nn.LSTM(8, 16, 2, batch_first=True,
                                          bidirectional=True) -> nn.Linear(32, 20); tokens [1, 12]
  bigru_timefirst.opset13.onnx            nn.GRU(6, 10, bidirectional=True) (time first) -> nn.Linear(20, 5);
                                          floats [12, 1, 6] -> [12, 1, 5]
  lstm_timefirst.opset13.onnx             nn.LSTM(5, 8) (time first) -> nn.Linear(8, 3); floats [10, 1, 5]
Every file passes onnx.checker.
"""

import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class TokenLm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.rnn = nn.LSTM(8, 16, 2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(32, 20)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out)


class TimeFirst(nn.Module):
    def __init__(self, make, features, hidden, outputs, bidirectional):
        super().__init__()
        self.rnn = make(features, hidden, bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), outputs)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)


def export(module, example, input_name, name, opset):
    path = os.path.join(HERE, f"{name}.opset{opset}.onnx")
    with torch.no_grad():
        torch.onnx.export(module.eval(), example, path, opset_version=opset, input_names=[input_name], output_names=["y"])
    onnx.checker.check_model(onnx.load(path))


def main():
    torch.manual_seed(1717)
    lm = TokenLm()
    for opset in (13, 17):
        export(lm, torch.zeros(1, 12, dtype=torch.int64), "tokens", "bilstm_lm", opset)
    export(TimeFirst(nn.GRU, 6, 10, 5, True), torch.zeros(12, 1, 6), "x", "bigru_timefirst", 13)
    export(TimeFirst(nn.LSTM, 5, 8, 3, False), torch.zeros(10, 1, 5), "x", "lstm_timefirst", 13)


if __name__ == "__main__":
    main()
