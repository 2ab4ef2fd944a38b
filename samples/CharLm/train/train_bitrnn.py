"""Fine-tune the CharLm float model into a 2-bit bit-RNN model (He et al. 2016, official code hqqasw/bit-rnn).

Quantization-aware training with straight-through gradients, exactly the forward pass QuantGen runs for
the description this writes once `quantgen quantize --weights bitrnn:2 --activations dorefa:2` has
quantized it (make-models.sh):
  every weight tensor W_q = (Q_k(clip(tanh(W)/s, -1/2, 1/2) + 1/2) - 1/2) * s, s = 2.5 mean|tanh W| (biases float)
  LSTM input Q_k(relu(e)); cell output sigmoid(c) in place of tanh(c); h' = Q_k(o * sigmoid(c')), c unquantized
  Q_k(x) = round((2^k - 1) clip(x, 0, 1)) / (2^k - 1)
Writes samples/CharLm/data/charlm-bitrnn-float.qgm.json (latent float weights + sigmoidCandidate).

Usage: python3 train_bitrnn.py charlm.pt minutes
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from train_charlm import CharLm, load_text  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(99)
BITS = 2
SEQ, BATCH = 64, 32
OUT = os.path.join(os.path.dirname(__file__), "..", "data")


def ste(x, q):
    return x + (q - x).detach()


def q_act(x):
    n = 2 ** BITS - 1
    c = x.clamp(0, 1)
    return ste(x, torch.round(c * n) / n)


def q_weight(w):
    n = 2 ** BITS - 1
    t = torch.tanh(w)
    s = 2.5 * t.abs().mean().detach()
    x = (t / s).clamp(-0.5, 0.5) + 0.5
    return ste(t, (torch.round(x * n) / n - 0.5) * s)


class BitRnnLm(nn.Module):
    def __init__(self, floats: CharLm):
        super().__init__()
        self.embed = nn.Parameter(floats.embed.weight.detach().clone())
        self.w_ih = nn.Parameter(floats.lstm.weight_ih_l0.detach().clone())
        self.w_hh = nn.Parameter(floats.lstm.weight_hh_l0.detach().clone())
        self.b_ih = nn.Parameter(floats.lstm.bias_ih_l0.detach().clone())
        self.b_hh = nn.Parameter(floats.lstm.bias_hh_l0.detach().clone())
        self.head_w = nn.Parameter(floats.head.weight.detach().clone())
        self.head_b = nn.Parameter(floats.head.bias.detach().clone())
        self.hidden = floats.lstm.hidden_size

    def forward(self, tokens, state=None):
        b, t = tokens.shape
        x = q_act(torch.relu(q_weight(self.embed)[tokens]))
        w_ih, w_hh, head = q_weight(self.w_ih), q_weight(self.w_hh), q_weight(self.head_w)
        gx = x @ w_ih.t() + self.b_ih
        h, c = state if state is not None else (x.new_zeros(b, self.hidden), x.new_zeros(b, self.hidden))
        outs = []
        for step in range(t):
            g = gx[:, step] + h @ w_hh.t() + self.b_hh
            i, f, gg, o = g.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(gg)
            h = q_act(torch.sigmoid(o) * torch.sigmoid(c))
            outs.append(h)
        hs = q_act(torch.stack(outs, dim=1))
        return hs @ head.t() + self.head_b, (h, c)


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    ckpt = torch.load(sys.argv[1])
    minutes = float(sys.argv[2]) if len(sys.argv) > 2 else 15
    vocab = ckpt["vocab"]
    base = CharLm(len(vocab))
    base.load_state_dict(ckpt["model"])
    model = BitRnnLm(base)
    text = load_text()
    index = {ch: i for i, ch in enumerate(vocab)}
    data = torch.tensor([index[ch] for ch in text], dtype=torch.long)
    train, held = data[:-ckpt["heldout_chars"]], data[-ckpt["heldout_chars"]:]
    stream = (len(train) - 1) // BATCH
    xs = train[: stream * BATCH].view(BATCH, stream)
    ys = train[1: stream * BATCH + 1].view(BATCH, stream)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def evaluate():
        with torch.no_grad():
            logits, _ = model(held[:4000].unsqueeze(0))
            return loss_fn(logits[0], held[1:4001]).item() / math.log(2)

    print(f"start: held-out bpc {evaluate():.4f}", flush=True)
    start, pos, state, step, last = time.time(), 0, None, 0, time.time()
    while time.time() - start < minutes * 60:
        if pos + SEQ > stream:
            pos, state = 0, None
        logits, state = model(xs[:, pos:pos + SEQ], state)
        state = tuple(s.detach() for s in state)
        pos += SEQ
        loss = loss_fn(logits.reshape(-1, len(vocab)), ys[:, pos - SEQ:pos].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if time.time() - last > 120:
            print(f"{(time.time()-start)/60:.1f} min step {step} train {loss.item()/math.log(2):.3f} held-out bpc {evaluate():.4f}", flush=True)
            last = time.time()
    bpc = evaluate()
    print(f"done: step {step} held-out bpc {bpc:.4f}", flush=True)
    V, E, H = len(vocab), model.embed.shape[1], model.hidden
    desc = {
        "schema": "quantgen.v1",
        "name": "charlm-bitrnn-float",
        "doc": f"bit-RNN 2-bit fine-tune of the CharLm LSTM (latent float weights); QAT held-out bpc {bpc:.4f}",
        "inputs": [{"name": "token", "shape": [1]}],
        "outputs": [{"name": "logits", "shape": [V]}],
        "layers": [
            {"name": "embed", "embedding": {"numEmbeddings": V, "embeddingDim": E, "weights": {"float32": {"values": floats(model.embed)}}}},
            {"name": "relu", "relu": {}},
            {"name": "lstm", "lstm": {
                "inputSize": E, "hiddenSize": H,
                "inputWeights": {"float32": {"values": floats(model.w_ih)}},
                "recurrentWeights": {"float32": {"values": floats(model.w_hh)}},
                "inputBias": floats(model.b_ih), "recurrentBias": floats(model.b_hh),
                "options": {"sigmoidCandidate": True}}},
            {"name": "head", "dense": {"inFeatures": H, "outFeatures": V,
                "weights": {"float32": {"values": floats(model.head_w)}}, "bias": floats(model.head_b)}},
        ],
    }
    with open(os.path.join(OUT, "charlm-bitrnn-float.qgm.json"), "w") as f:
        json.dump(desc, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
