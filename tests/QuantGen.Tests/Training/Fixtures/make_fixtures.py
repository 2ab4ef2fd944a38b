#!/usr/bin/python3
"""Makes the quantization-aware training fixtures: small models built from python/quantgen_torch's
layers, trained a few steps on random data (so every observer, search and learned step has run), then
exported; beside each NAME.qgm.json, NAME.expected.json holds held-out inputs and PyTorch's
fake-quantized outputs. Training/QatExportTests.cs compiles each description with the generator and
checks its outputs against these, so the C# tests need no Python.

    /usr/bin/python3 tests/QuantGen.Tests/Training/Fixtures/make_fixtures.py

Every layer kind (Dense, Conv2d + MaxPool2d, Embedding, LSTM, GRU) and every quantizer of the package
appears at least once.
"""

import json
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "python")))

import quantgen_torch as qt  # noqa: E402
from quantgen_torch.export import export_model, save_model  # noqa: E402


def dense_baseline():
    return nn.Sequential(
        qt.QLinear(16, 12, weight_quantizer=qt.UniformWeight(4)), nn.ReLU(),
        qt.AffineActivation(3), qt.QLinear(12, 8, weight_quantizer=qt.AffineWeight(3)), nn.ReLU(),
        qt.LsqActivation(3), qt.QLinear(8, 6, weight_quantizer=qt.LsqWeight(3)), nn.Tanh(),
        qt.LsqActivation(3, signed=True), qt.QLinear(6, 5, weight_quantizer=qt.UniformWeight(2, per_row=False)),
        nn.Softmax(dim=-1)), [16]


def dense_methods():
    return nn.Sequential(
        qt.QLinear(16, 12, weight_quantizer=qt.DoReFaWeight(2)), nn.ReLU(),
        qt.DoReFaActivation(2), qt.QLinear(12, 12, weight_quantizer=qt.DoReFaWeight(1)), nn.ReLU(),
        qt.HwgqActivation(2, track_scale=True), qt.QLinear(12, 10, weight_quantizer=qt.HwgqWeight()), nn.ReLU(),
        qt.LogQuantActivation(3), qt.QLinear(10, 8, weight_quantizer=qt.WeightedEntropyWeight(3)), nn.Tanh(),
        qt.OnlineAlternatingActivation(2), qt.QLinear(8, 6, weight_quantizer=qt.AlternatingWeight(2)), nn.Tanh(),
        qt.QLinear(6, 4, weight_quantizer=qt.BitRnnWeight(3)), nn.Softmax(dim=-1)), [16]


def conv():
    return nn.Sequential(
        qt.QConv2d(1, 4, 3, padding=1, weight_quantizer=qt.DoReFaWeight(3)), nn.ReLU(), nn.MaxPool2d(2),
        qt.DoReFaActivation(2), qt.QConv2d(4, 6, 3, stride=1, padding=1, weight_quantizer=qt.LsqWeight(2)), nn.ReLU(),
        nn.MaxPool2d(2, stride=2), nn.Flatten(),
        qt.HwgqActivation(2, track_scale=True), qt.QLinear(24, 10, weight_quantizer=qt.HwgqWeight())), [1, 8, 8]


def lstm_bitrnn():
    return nn.Sequential(
        qt.QEmbedding(12, 8, weight_quantizer=qt.BitRnnWeight(2)), nn.ReLU(),
        qt.DoReFaActivation(2),
        qt.QLSTM(8, 10, input_weight_quantizer=qt.BitRnnWeight(2), recurrent_weight_quantizer=qt.BitRnnWeight(2),
                 sigmoid_candidate=True, hidden_quantizer=qt.DoReFaActivation(2)),
        qt.QLinear(10, 12, weight_quantizer=qt.UniformWeight(4))), [1]


def lstm_alternating():
    return nn.Sequential(
        qt.QEmbedding(12, 8),
        qt.QLSTM(8, 10, input_weight_quantizer=qt.AlternatingWeight(2), recurrent_weight_quantizer=qt.AlternatingWeight(2),
                 input_quantizer=qt.OnlineAlternatingActivation(2), recurrent_quantizer=qt.OnlineAlternatingActivation(2)),
        qt.QLinear(10, 12, weight_quantizer=qt.AlternatingWeight(2))), [1]


def gru_bitrnn():
    return nn.Sequential(
        qt.QEmbedding(12, 8, weight_quantizer=qt.BitRnnWeight(2)), nn.ReLU(),
        qt.DoReFaActivation(2),
        qt.QGRU(8, 10, input_weight_quantizer=qt.BitRnnWeight(2), recurrent_weight_quantizer=qt.BitRnnWeight(2),
                sigmoid_candidate=True, hidden_quantizer=qt.DoReFaActivation(2)),
        qt.QLinear(10, 12, weight_quantizer=qt.DoReFaWeight(2))), [1]


def gru_alternating():
    return nn.Sequential(
        qt.QEmbedding(12, 8, weight_quantizer=qt.AlternatingWeight(3)),
        qt.QGRU(8, 10, input_weight_quantizer=qt.AlternatingWeight(2), recurrent_weight_quantizer=qt.AlternatingWeight(2),
                input_quantizer=qt.OnlineAlternatingActivation(2), recurrent_quantizer=qt.OnlineAlternatingActivation(2)),
        qt.QLinear(10, 12)), [1]


CASES = {
    "dense-baseline": dense_baseline,
    "dense-methods": dense_methods,
    "conv": conv,
    "lstm-bitrnn": lstm_bitrnn,
    "lstm-alternating": lstm_alternating,
    "gru-bitrnn": gru_bitrnn,
    "gru-alternating": gru_alternating,
}


def floats(t):
    return [float(v) for v in t.detach().to(torch.float32).reshape(-1)]


def make(name, build, seed):
    torch.manual_seed(seed)
    model, shape = build()
    tokens = shape == [1]
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(10):
        if tokens:
            x = torch.randint(0, 12, (6, 4))  # [T, B]
            y = model(x)
            loss = nn.functional.cross_entropy(y.reshape(-1, y.shape[-1]), torch.randint(0, 12, (24,)))
        else:
            x = torch.rand(8, *shape)
            y = model(x)
            loss = (y - torch.rand_like(y)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        if tokens:
            x = torch.randint(0, 12, (16, 1))
            out = model(x)[:, 0, :]
            expected = {"tokens": [int(v) for v in x[:, 0]], "outputs": [floats(r) for r in out]}
        else:
            x = torch.rand(6, *shape)
            out = model(x)
            expected = {"inputs": [floats(r) for r in x], "outputs": [floats(r) for r in out]}
    description = export_model(model, shape, name=f"qat-{name}", doc=f"quantgen_torch fixture {name} (make_fixtures.py)")
    save_model(description, os.path.join(HERE, f"{name}.qgm.json"))
    with open(os.path.join(HERE, f"{name}.expected.json"), "w", newline="\n") as f:
        json.dump(expected, f)
        f.write("\n")


def main():
    torch.set_num_threads(1)
    for i, (name, build) in enumerate(CASES.items()):
        make(name, build, seed=100 + i)
        print("wrote", name)


if __name__ == "__main__":
    main()
