#!/usr/bin/python3
"""Export step-form recurrent language models, as people export them for streaming inference.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-torch python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_step_fixtures.py

One step per call, the recurrent state as graph inputs and outputs, exactly as issue 17 describes:
torch.onnx.export(step_module, (token, h, c), ..., input_names=["token", "h", "c"],
output_names=["logits", "h_out", "c_out"]). Seeded random weights (PyTorch's default init); 63 symbols,
embedding 64. ONNX Runtime is the oracle (the C# tests run these files), so no expected outputs are written.

  lm_lstm_step.opset13.onnx   nn.Embedding(63, 64) -> nn.LSTM(64, 256, 2, batch_first=True) -> nn.Linear(256, 63)
  lm_gru_step.opset13.onnx    nn.Embedding(63, 64) -> nn.GRU(64, 256) (time first) -> nn.Linear(256, 63)
  gru_step_lbr0.opset13.onnx  a small GRU step graph (embedding 11x6, GRU 6->9, linear 9->11) whose GRU node is
                              edited to linear_before_reset = 0 (PyTorch always exports 1; other exporters write 0)
Every file passes onnx.checker.
"""

import os

import onnx
import torch
from onnx import helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13


class Lm(nn.Module):
    def __init__(self, cell, vocab, embed, hidden, layers, batch_first):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        make = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = make(embed, hidden, layers, batch_first=batch_first)
        self.head = nn.Linear(hidden, vocab)


class LstmStep(nn.Module):
    """(token [1, 1], h [L, 1, H], c [L, 1, H]) -> (logits [1, V], h_out, c_out)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, token, h, c):
        out, (h, c) = self.m.rnn(self.m.embed(token), (h, c))
        return self.m.head(out[:, -1]), h, c


class GruStep(nn.Module):
    """(token [1, 1], h [L, 1, H]) -> (logits [1, V], h_out); time first: the embedding's [1, 1, E] is [time, batch, E]."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, token, h):
        out, h = self.m.rnn(self.m.embed(token), h)
        return self.m.head(out[-1]), h


def export(module, args, inputs, outputs, name):
    path = os.path.join(HERE, f"{name}.opset{OPSET}.onnx")
    with torch.no_grad():
        torch.onnx.export(module.eval(), args, path, opset_version=OPSET, input_names=inputs, output_names=outputs)
    onnx.checker.check_model(onnx.load(path))
    return path


def main():
    torch.manual_seed(17)
    lstm = LstmStep(Lm("lstm", 63, 64, 256, 2, batch_first=True))
    export(lstm, (torch.zeros(1, 1, dtype=torch.int64), torch.zeros(2, 1, 256), torch.zeros(2, 1, 256)),
           ["token", "h", "c"], ["logits", "h_out", "c_out"], "lm_lstm_step")

    gru = GruStep(Lm("gru", 63, 64, 256, 1, batch_first=False))
    export(gru, (torch.zeros(1, 1, dtype=torch.int64), torch.zeros(1, 1, 256)), ["token", "h"], ["logits", "h_out"], "lm_gru_step")

    small = GruStep(Lm("gru", 11, 6, 9, 1, batch_first=False))
    path = export(small, (torch.zeros(1, 1, dtype=torch.int64), torch.zeros(1, 1, 9)), ["token", "h"], ["logits", "h_out"], "gru_step_lbr0")
    model = onnx.load(path)
    for node in model.graph.node:
        if node.op_type == "GRU":
            kept = [a for a in node.attribute if a.name != "linear_before_reset"]
            del node.attribute[:]
            node.attribute.extend(kept + [helper.make_attribute("linear_before_reset", 0)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main()
