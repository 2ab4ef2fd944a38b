#!/usr/bin/python3
"""Makes the float models of the whole-model step benchmark (benchmarks/ModelSteps): PyTorch -> ONNX + float description.

Writes into ../models/ (paths relative to this file):

  lm2-float.qgm.json, lm2-step.onnx     Embedding 63x64 -> LSTM 64->256 -> LSTM 256->256 -> Dense 256->63
  lstm-float.qgm.json, lstm-step.onnx   Embedding 63x64 -> LSTM 64->256 -> Dense 256->63
  gru-float.qgm.json,  gru-step.onnx    Embedding 63x64 -> GRU 64->256 -> Dense 256->63
  lm-calibration.npz                    x: 4,000 token ids (float32, one per row), the sequence the quantizer
                                        runs to calibrate activation ranges of the three language models
  cnn.onnx                              the digits CNN (trained here), imported and quantized by make-models.sh
  step-expected.json                    PyTorch's outputs for a few steps/inputs (the C# side checks ORT and
                                        the generated float classes against ORT; this file is for reference)

The language models have SEEDED RANDOM weights (PyTorch's default initialisation under torch.manual_seed),
not trained ones: the benchmark measures time, and time does not depend on the weights' values.
Their ONNX files are *step graphs*: inputs token [1, 1] int64, h [L, 1, 256], c [L, 1, 256] (no c for the
GRU), outputs logits [1, 63], h_out, c_out, so ONNX Runtime does one step per call as a user streaming
tokens would. L = 2 for lm2: the state of both layers is stacked.

The CNN: Conv 1->16 3x3 pad 1, ReLU, Conv 16->32 3x3 pad 1, ReLU, MaxPool 2x2, Flatten, Gemm 512->10, on
the 8x8 digits as pixels/16 (samples/Digits/data/digits-{train,test}.npz); trained 60 epochs of Adam on one
thread (a few seconds). Its float description comes from `quantgen quantize cnn.onnx --weights float`.

Float values are written as the shortest decimal that round-trips in float32 (numpy's repr), so the JSON is
the weights exactly, at about half the size of Python's double repr.

Usage: /usr/bin/python3 benchmarks/ModelSteps/make/make_models.py
"""
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "models"))
DIGITS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "samples", "Digits", "data"))
OPSET = 13
V, E, H = 63, 64, 256

torch.set_num_threads(1)


class FloatList:
    """A list of float32 values that json.dump writes with numpy's shortest float32 repr."""

    def __init__(self, tensor):
        self.values = tensor.detach().reshape(-1).numpy().astype(np.float32)


def dumps(obj):
    """Compact JSON; FloatList values spelled as shortest float32 round-trip decimals."""
    if isinstance(obj, FloatList):
        return "[" + ",".join(np.format_float_positional(v, unique=True, trim="-") if abs(v) >= 1e-4 or v == 0
                              else np.format_float_scientific(v, unique=True, trim="-") for v in obj.values) + "]"
    if isinstance(obj, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps(v) for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(dumps(v) for v in obj) + "]"
    return json.dumps(obj)


def weights(tensor):
    return {"float32": {"values": FloatList(tensor)}}


class LanguageModel(nn.Module):
    """Embedding -> one or more LSTM/GRU layers (each its own nn.LSTM/nn.GRU) -> Linear; one step per call."""

    def __init__(self, cell, layers):
        super().__init__()
        self.cell = cell
        self.embed = nn.Embedding(V, E)
        make = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnns = nn.ModuleList([make(E if i == 0 else H, H) for i in range(layers)])
        self.head = nn.Linear(H, V)

    def forward(self, token, h, c=None):
        x = self.embed(token).reshape(1, 1, E)  # (seq 1, batch 1, E)
        hs, cs = [], []
        for i, rnn in enumerate(self.rnns):
            if self.cell == "lstm":
                x, (hi, ci) = rnn(x, (h[i:i + 1], c[i:i + 1]))
                cs.append(ci)
            else:
                x, hi = rnn(x, h[i:i + 1])
            hs.append(hi)
        logits = self.head(x.reshape(1, H))
        h_out = hs[0] if len(hs) == 1 else torch.cat(hs, 0)
        if self.cell == "lstm":
            return logits, h_out, (cs[0] if len(cs) == 1 else torch.cat(cs, 0))
        return logits, h_out

    def description(self, name, doc):
        sd = self.state_dict()
        layers = [{"name": "embed", "embedding": {"numEmbeddings": V, "embeddingDim": E, "weights": weights(sd["embed.weight"])}}]
        for i, rnn in enumerate(self.rnns):
            p = f"rnns.{i}."
            layers.append({"name": f"{self.cell}{i + 1}", self.cell: {
                "inputSize": rnn.input_size, "hiddenSize": H,
                "inputWeights": weights(sd[p + "weight_ih_l0"]), "recurrentWeights": weights(sd[p + "weight_hh_l0"]),
                "inputBias": FloatList(sd[p + "bias_ih_l0"]), "recurrentBias": FloatList(sd[p + "bias_hh_l0"])}})
        layers.append({"name": "head", "dense": {"inFeatures": H, "outFeatures": V,
                                                  "weights": weights(sd["head.weight"]), "bias": FloatList(sd["head.bias"])}})
        return {"schema": "quantgen.v1", "name": name, "doc": doc,
                "inputs": [{"name": "token", "shape": [1]}], "outputs": [{"name": "logits", "shape": [V]}],
                "layers": layers}


def make_language_model(name, cell, layers, seed, tokens):
    torch.manual_seed(seed)
    model = LanguageModel(cell, layers).eval()
    shape = " -> ".join([f"Embedding {V}x{E}"] + [f"{cell.upper()} {E if i == 0 else H}->{H}" for i in range(layers)] + [f"Dense {H}->{V}"])
    doc = f"{shape}; seeded random weights (PyTorch default init, torch.manual_seed({seed})), benchmarks/ModelSteps/make/make_models.py"
    with open(os.path.join(OUT, f"{name}-float.qgm.json"), "w") as f:
        f.write(dumps(model.description(f"{name}-float", doc)) + "\n")

    token = torch.zeros(1, 1, dtype=torch.int64)
    h = torch.zeros(layers, 1, H)
    c = torch.zeros(layers, 1, H)
    args = (token, h, c) if cell == "lstm" else (token, h)
    inputs = ["token", "h", "c"] if cell == "lstm" else ["token", "h"]
    outputs = ["logits", "h_out", "c_out"] if cell == "lstm" else ["logits", "h_out"]
    with torch.no_grad():
        torch.onnx.export(model, args, os.path.join(OUT, f"{name}-step.onnx"), opset_version=OPSET,
                          input_names=inputs, output_names=outputs)
        # A few steps from the zero state, for reference.
        logits = []
        for t in tokens:
            token[0, 0] = int(t)
            out = model(token, h, c) if cell == "lstm" else model(token, h)
            logits.append([float(v) for v in out[0][0]])
            h = out[1]
            if cell == "lstm":
                c = out[2]
    print(f"wrote {name}-float.qgm.json and {name}-step.onnx ({shape})")
    return {"tokens": [int(t) for t in tokens], "logits": logits}


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = self.pool(x)
        return self.fc(torch.flatten(x, 1))


def make_cnn():
    torch.manual_seed(7)
    train = np.load(os.path.join(DIGITS, "digits-train.npz"))
    test = np.load(os.path.join(DIGITS, "digits-test.npz"))
    x = torch.from_numpy(train["x"].astype(np.float32)).reshape(-1, 1, 8, 8)
    y = torch.from_numpy(train["y"].astype(np.int64))
    xt = torch.from_numpy(test["x"].astype(np.float32)).reshape(-1, 1, 8, 8)
    yt = torch.from_numpy(test["y"].astype(np.int64))
    model = Cnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(60):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = float((model(xt).argmax(1) == yt).float().mean())
        torch.onnx.export(model, (xt[:1],), os.path.join(OUT, "cnn.onnx"), opset_version=OPSET,
                          input_names=["pixels"], output_names=["logits"])
        expected = model(xt[:4]).tolist()
    print(f"wrote cnn.onnx: test accuracy {accuracy:.4f} on {len(xt)} held-out digits")
    return {"accuracy": accuracy, "logits": expected}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(2026)
    # Calibration for the language models: one sequence of token ids (uniform at random; the weights are
    # random too, so no text is more typical than another). The quantizer reads one token per row.
    calibration = rng.integers(0, V, size=(4000, 1)).astype(np.float32)
    np.savez(os.path.join(OUT, "lm-calibration.npz"), x=calibration)
    tokens = rng.integers(0, V, size=8)
    expected = {
        "lm2": make_language_model("lm2", "lstm", 2, 11, tokens),
        "lstm": make_language_model("lstm", "lstm", 1, 12, tokens),
        "gru": make_language_model("gru", "gru", 1, 13, tokens),
        "cnn": make_cnn(),
    }
    with open(os.path.join(OUT, "step-expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
