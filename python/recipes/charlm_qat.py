#!/usr/bin/python3
"""Quantization-aware fine-tuning of the CharLm character language model (samples/CharLm) from its float model.

Starts from the trained float weights (samples/CharLm/data/charlm-float.qgm.json: Embedding -> LSTM ->
LSTM -> Dense), quantizes them as `quantgen quantize` does for the method, fine-tunes on the sample's
training text (the King James Bible without its last 50,000 characters, as samples/CharLm/train) with
straight-through gradients, and reports bits per character on the first EVAL_CHARS characters of the
sample's held-out slice (data/charlm-heldout.txt; one sequence, the state carried, as the sample's Program.cs
counts it; PyTorch steps one character at a time, so the whole 20,000 would take minutes: the sample
prints the whole slice's figure from the generated code).
Methods:
  alternating:K  alternating multi-bit K-bit weights on every matrix (embedding and head too), online
                 alternating K-bit codes of every LSTM input, of h before U h, and of the head's input
                 (`quantgen quantize --weights alternating:K --activations alternating:K`)
  bitrnn:K       bit-RNN (He et al. 2016): bit-RNN K-bit weights everywhere, Q_K(relu(e)) into the first
                 LSTM, sigmoid in place of tanh on the cell output, Q_K on every new h (and so on every
                 layer input after the first)
Writes the exported description and, with --expected, PyTorch's logits for the first EXPECTED_STEPS held-out
characters (the C# parity test's fixture); with --quantgen it also runs `quantgen eval` on the export over
the same EVAL_CHARS characters and fails unless its bits per character equal PyTorch's within 1e-3.

    /usr/bin/python3 python/recipes/charlm_qat.py --method alternating:3 --cpu-minutes 12 \\
        -o samples/CharLm/data/charlm-qat-alternating3.qgm.json --quantgen tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread really (see samples/CharLm/train/train_charlm.py)
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SAMPLE = os.path.join(ROOT, "samples", "CharLm")
DATA = os.path.join(SAMPLE, "data")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(SAMPLE, "train"))

import quantgen_torch as qt  # noqa: E402
from quantgen_torch.export import export_model, save_model  # noqa: E402
from quantgen_torch.quantizers import ActivationQuantizer  # noqa: E402
from train_charlm import HELDOUT_CHARS, Budget, load_text, update  # noqa: E402

EVAL_CHARS = 2000
EXPECTED_STEPS = 48


def floats(values, *shape):
    return torch.tensor(values, dtype=torch.float32).reshape(*shape)


def build(method, bits):
    """The float model's layers with the method's quantizers, as an nn.Sequential the export walks: a bare
    activation quantizer before a layer becomes that layer's input quantizer."""
    with open(os.path.join(DATA, "charlm-float.qgm.json")) as f:
        layers = json.load(f)["layers"]
    if method == "alternating":
        weights, inputs = (lambda: qt.AlternatingWeight(bits)), (lambda: qt.OnlineAlternatingActivation(bits))
    else:
        weights, inputs = (lambda: qt.BitRnnWeight(bits)), (lambda: qt.DoReFaActivation(bits))
    modules = []
    for layer in layers:
        if "embedding" in layer:
            e = layer["embedding"]
            m = qt.QEmbedding(e["numEmbeddings"], e["embeddingDim"], weight_quantizer=weights())
            with torch.no_grad():
                m.weight.copy_(floats(e["weights"]["float32"]["values"], e["numEmbeddings"], e["embeddingDim"]))
            modules.append(m)
            if method == "bitrnn":
                modules.append(nn.ReLU())
        elif "lstm" in layer:
            r = layer["lstm"]
            m = qt.QLSTM(r["inputSize"], r["hiddenSize"], input_weight_quantizer=weights(), recurrent_weight_quantizer=weights(),
                         sigmoid_candidate=method == "bitrnn",
                         hidden_quantizer=inputs() if method == "bitrnn" else None,
                         recurrent_quantizer=inputs() if method == "alternating" else None)
            with torch.no_grad():
                m.weight_ih.copy_(floats(r["inputWeights"]["float32"]["values"], -1, r["inputSize"]))
                m.weight_hh.copy_(floats(r["recurrentWeights"]["float32"]["values"], -1, r["hiddenSize"]))
                m.bias_ih.copy_(floats(r["inputBias"], -1))
                m.bias_hh.copy_(floats(r["recurrentBias"], -1))
            modules += [inputs(), m]
        elif "dense" in layer:
            d = layer["dense"]
            m = qt.QLinear(d["inFeatures"], d["outFeatures"], weight_quantizer=weights())
            with torch.no_grad():
                m.weight.copy_(floats(d["weights"]["float32"]["values"], d["outFeatures"], d["inFeatures"]))
                m.bias.copy_(floats(d["bias"], -1))
            modules += [inputs(), m]
        else:
            raise ValueError(f"{layer['name']}: the recipe expects embedding, lstm and dense layers")
    return nn.Sequential(*modules)


def _same_online_codes(a, b):
    """Whether quantizers a and b give the same codes of the same vector: online alternating ones (stateless,
    each vector coded on its own) with equal settings."""
    return all(isinstance(q, qt.OnlineAlternatingActivation) for q in (a, b)) and \
        (a.bits, a.cycles, a.ties) == (b.bits, b.cycles, b.ties)


def run(model, tokens, states, share_codes=True):
    """tokens [T, B] -> logits [T, B, V] and each LSTM's final state. A bare activation quantizer codes every
    [features] vector of its [T, B, features] input in one call: the same codes as one call per step, since
    each vector is coded on its own (only h's codes before U h depend on the step before).
    When the quantizer after an LSTM codes as its recurrent quantizer does (alternating: both code every
    h_t), the codes the recurrence made of h_0 .. h_{T-2} are reused and only h_{T-1} is coded again: the
    same values and gradients as coding the layer's output anew, in a third of the coding time (the two
    [T * B, 256] codings took half of a step); share_codes=False codes it anew (the test's reference)."""
    x, out, i, layers = tokens, [], 0, list(model)
    k = 0
    while k < len(layers):
        m = layers[k]
        if isinstance(m, qt.QLSTM):
            following = layers[k + 1] if k + 1 < len(layers) else None
            shared = share_codes and following is not None and _same_online_codes(following, m.recurrent_quantizer)
            coded = []
            hook = m.recurrent_quantizer.register_forward_hook(lambda _m, _i, o: coded.append(o)) if shared else None
            x = m(x, states[i] if states else None)
            out.append(m.last_state)
            i += 1
            if shared:
                hook.remove()
                # coded[t] is the code of h_{t-1} (coded[0]: the incoming state's h).
                x = torch.stack(coded[1:] + [m.recurrent_quantizer(x[-1])])
                k += 1
        elif isinstance(m, ActivationQuantizer):
            x = m(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        else:
            x = m(x)
        k += 1
    return x, out


def bits_per_char(model, tokens):
    """Mean -log2 p(next) over one sequence, the state carried (Program.cs's Evaluate), and the logits."""
    model.eval()
    with torch.no_grad():
        logits, _ = run(model, tokens.unsqueeze(1), None)
    model.train()
    return F.cross_entropy(logits[:-1, 0].double(), tokens[1:]).item() / math.log(2), logits[:, 0]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--method", required=True, help="alternating:K or bitrnn:K")
    p.add_argument("--cpu-minutes", type=float, default=10.0, help="training budget in CPU time of this process")
    p.add_argument("--wall-minutes", type=float, default=float("inf"), help="and in wall time: the first to run out ends training")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate, cosine to lr/30 over the budget")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help="the exported description (.qgm.json)")
    p.add_argument("--expected", help="also write PyTorch's tokens and logits for the parity test (.json)")
    p.add_argument("--quantgen", help="quantgen.dll: also run `quantgen eval` on the export and compare")
    args = p.parse_args()
    method, bits = args.method.split(":")
    bits = int(bits)
    if method not in ("alternating", "bitrnn"):
        sys.exit("--method: alternating:K or bitrnn:K")

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    with open(os.path.join(DATA, "charlm-vocab.json")) as f:
        vocab = json.load(f)
    index = {c: i for i, c in enumerate(vocab)}
    with open(os.path.join(DATA, "charlm-heldout.txt")) as f:
        held = torch.tensor([index[c] for c in f.read()[:EVAL_CHARS]], dtype=torch.long)
    train = torch.tensor([index[c] for c in load_text()[:-HELDOUT_CHARS]], dtype=torch.long)

    model = build(method, bits)
    began = time.process_time()
    start_bpc, _ = bits_per_char(model, held)
    print(f"first {len(held)} held-out characters, quantized, before fine-tuning: {start_bpc:.4f} bits/char "
          f"({time.process_time() - began:.0f} CPU-s to evaluate)", flush=True)

    # Contiguous streams per batch row so the state carries over between windows (truncated BPTT).
    stream_len = (len(train) - 1) // args.batch
    xs = train[: stream_len * args.batch].view(args.batch, stream_len)
    ys = train[1: stream_len * args.batch + 1].view(args.batch, stream_len)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    budget = Budget(args.cpu_minutes, args.wall_minutes)
    last, step, pos, states = time.process_time(), 0, 0, None
    while budget.progress() < 1:
        for g in opt.param_groups:
            g["lr"] = budget.lr(args.lr)
        if pos + args.seq > stream_len:
            pos, states = 0, None
        logits, states = run(model, xs[:, pos:pos + args.seq].t(), states)
        states = [tuple(s.detach() for s in state) for state in states]
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), ys[:, pos:pos + args.seq].t().reshape(-1))
        pos += args.seq
        update(opt, model, loss)
        step += 1
        if time.process_time() - last > 60:
            print(f"{budget.cpu_minutes():.1f} cpu-min step {step} train {loss.item() / math.log(2):.3f} bits/char", flush=True)
            last = time.process_time()
    cpu_minutes = budget.cpu_minutes()
    bpc, logits = bits_per_char(model, held)
    print(f"quantization-aware: {bpc:.4f} bits/char on the first {len(held)} held-out characters, "
          f"{step} steps of {args.batch} x {args.seq} characters in {cpu_minutes:.1f} CPU-minutes", flush=True)

    doc = (f"CharLm (King James Bible), quantization-aware fine-tuning from the float model "
           f"(python/recipes/charlm_qat.py --method {args.method}, {step} steps of {args.batch} x {args.seq} characters); "
           f"PyTorch {bpc:.4f} bits/char on the first {len(held)} held-out characters")
    description = export_model(model, [1], name=f"charlm-qat-{method}{bits}", doc=doc, input_name="token", output_name="logits")
    save_model(description, args.output)
    print("wrote", args.output)
    if args.expected:
        with open(args.expected, "w") as f:
            json.dump({"tokens": held[:EXPECTED_STEPS].tolist(),
                       "logits": [[float(v) for v in row] for row in logits[:EXPECTED_STEPS].tolist()]}, f)
        print("wrote", args.expected)

    if args.quantgen:
        with tempfile.TemporaryDirectory() as tmp:
            tokens = os.path.join(tmp, "heldout.npz")
            np.savez(tokens, tokens=held.numpy().astype(np.int64))
            out = subprocess.run(["dotnet", args.quantgen, "eval", args.output, "--data", tokens],
                                 check=True, capture_output=True, text=True).stdout
        print(out.strip())
        m = re.search(r"bits-per-token: ([\d.]+)", out)
        if not m or abs(float(m.group(1)) - bpc) > 1e-3:
            sys.exit(f"quantgen eval disagrees with PyTorch ({bpc:.4f} bits/char)")
        print("quantgen eval agrees with PyTorch within 1e-3")


if __name__ == "__main__":
    main()
