"""Train and export a one-layer character GRU (hidden 256) on the CharLm text, for the post-training check of
issue 13: uniform 8/8 with calibrated ranges must stay within 0.5% of the float model's bits/char.

Model: Embedding(V, 32) -> GRU(32 -> 256) -> Linear(256 -> V), PyTorch gate layout, trained as train_charlm.py
trains the LSTM (same text, same held-out tail, truncated BPTT), for a few CPU minutes on one thread.

Writes into OUT_DIR (not committed: the float description is ~5 MB):
  charlm-gru-float.qgm.json   the float description (schema quantgen.v1): embed -> gru -> head
  charlm-gru-heldout.npz      tokens: the held-out slice as token ids (for `quantgen eval --data`)
  charlm-gru-calibration.npy  3,000 training characters as float32 token ids (for `quantgen quantize --calibration`)
and prints PyTorch's own bits/char on the held-out slice.

Usage: nice -n 10 /usr/bin/python3 train_gru.py OUT_DIR [minutes]
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from train_charlm import HELDOUT_CHARS, load_text  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(1234)
EMBED, HIDDEN, SEQ, BATCH = 32, 256, 64, 32
HELDOUT_SLICE, CALIBRATION_CHARS = 20_000, 3000


class CharGru(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.gru = nn.GRU(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, tokens, state=None):
        h, state = self.gru(self.embed(tokens), state)
        return self.head(h), state


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    out = sys.argv[1]
    minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    text = load_text()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    train, held = data[:-HELDOUT_CHARS], data[-HELDOUT_CHARS:][:HELDOUT_SLICE]
    model = CharGru(len(vocab))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    stream_len = (len(train) - 1) // BATCH
    xs = train[: stream_len * BATCH].view(BATCH, stream_len)
    ys = train[1: stream_len * BATCH + 1].view(BATCH, stream_len)
    start, step, pos, state = time.time(), 0, 0, None
    while time.time() - start < minutes * 60:
        if pos + SEQ > stream_len:
            pos, state = 0, None
        x, y = xs[:, pos: pos + SEQ], ys[:, pos: pos + SEQ]
        pos += SEQ
        state = None if state is None else state.detach()
        logits, state = model(x, state)
        loss = loss_fn(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 500 == 0:
            print(f"{(time.time() - start) / 60:.1f} min step {step} train {loss.item() / math.log(2):.3f}", flush=True)
    model.eval()
    with torch.no_grad():
        full, _ = model(held.unsqueeze(0))
        bpc = torch.nn.functional.cross_entropy(full[0, :-1], held[1:]).item() / math.log(2)
    print(f"done: step {step}, PyTorch held-out bits/char {bpc:.4f} on {len(held)} chars", flush=True)

    E, H, V = EMBED, HIDDEN, len(vocab)
    sd = model.state_dict()
    desc = {
        "schema": "quantgen.v1",
        "name": "charlm-gru-float",
        "doc": f"Character GRU language model; PyTorch held-out bpc {bpc:.4f} after {step} steps",
        "inputs": [{"name": "token", "shape": [1]}],
        "outputs": [{"name": "logits", "shape": [V]}],
        "layers": [
            {"name": "embed", "embedding": {"numEmbeddings": V, "embeddingDim": E, "weights": {"float32": {"values": floats(sd["embed.weight"])}}}},
            {"name": "gru", "gru": {
                "inputSize": E, "hiddenSize": H,
                "inputWeights": {"float32": {"values": floats(sd["gru.weight_ih_l0"])}},
                "recurrentWeights": {"float32": {"values": floats(sd["gru.weight_hh_l0"])}},
                "inputBias": floats(sd["gru.bias_ih_l0"]), "recurrentBias": floats(sd["gru.bias_hh_l0"])}},
            {"name": "head", "dense": {"inFeatures": H, "outFeatures": V,
                "weights": {"float32": {"values": floats(sd["head.weight"])}}, "bias": floats(sd["head.bias"])}},
        ],
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "charlm-gru-float.qgm.json"), "w") as f:
        json.dump(desc, f, separators=(",", ":"))
    np.savez(os.path.join(out, "charlm-gru-heldout.npz"), tokens=held.numpy().astype(np.int64))
    middle = len(text) // 2
    np.save(os.path.join(out, "charlm-gru-calibration.npy"),
            np.array([index[c] for c in text[middle: middle + CALIBRATION_CHARS]], dtype=np.float32))


if __name__ == "__main__":
    main()
