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
the same EVAL_CHARS characters and fails unless its bits per character equal PyTorch's within 1e-3 (PyTorch
run with the reference interpreter's rounding, qt.reference_arithmetic).
--checkpoint writes the run's state (model, Adam, step, CPU and wall time used, data position and carried
state) every --checkpoint-minutes CPU-minutes and at the end; --resume continues that run exactly (its
schedule and data order), --stop-at-step ends an invocation early without changing the schedule, and
--resume with --export-only exports a checkpoint. --init-export starts from an earlier export's dequantized
weights instead of the float model's and prints the start's bits/char beside the export's own.

    /usr/bin/python3 python/recipes/charlm_qat.py --method alternating:3 --cpu-minutes 12 \\
        -o samples/CharLm/data/charlm-qat-alternating3.qgm.json --quantgen tools/QuantGen.Cli/bin/Release/net10.0/quantgen.dll
"""

import argparse
import functools
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
from quantgen_torch.dequantize import weights_values  # noqa: E402
from quantgen_torch.export import export_model, save_model  # noqa: E402
from quantgen_torch.quantizers import ActivationQuantizer  # noqa: E402
from train_charlm import HELDOUT_CHARS, Budget, CharLm, load_text, update  # noqa: E402

FLOAT = os.path.join(DATA, "charlm-float.qgm.json")
EVAL_CHARS = 2000
EXPECTED_STEPS = 48


def floats(values, *shape):
    return torch.tensor(values, dtype=torch.float32).reshape(*shape)


def matrix(weights, rows, cols):
    """A description's Weights message (float32 or quantized) as the float32 [rows, cols] it stands for."""
    return torch.from_numpy(weights_values(weights, (rows, cols)))


def _layers(description):
    """A description's layers (read only), parsed once per process and version of the file: the float
    description is 10 MB of JSON that the model, the teacher and the tests' tiny runs all read."""
    return _parsed_layers(os.path.abspath(description), os.stat(description).st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _parsed_layers(path, _mtime_ns):
    with open(path) as f:
        return json.load(f)["layers"]


def build(method, bits, description=FLOAT):
    """The model's layers with the method's quantizers, as an nn.Sequential the export walks: a bare
    activation quantizer before a layer becomes that layer's input quantizer. The latent weights are the
    description's: the float model's, or an earlier export's dequantized weights (what its generated code
    multiplies by) for a warm start."""
    layers = _layers(description)
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
                m.weight.copy_(matrix(e["weights"], e["numEmbeddings"], e["embeddingDim"]))
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
                m.weight_ih.copy_(matrix(r["inputWeights"], 4 * r["hiddenSize"], r["inputSize"]))
                m.weight_hh.copy_(matrix(r["recurrentWeights"], 4 * r["hiddenSize"], r["hiddenSize"]))
                m.bias_ih.copy_(floats(r["inputBias"], -1))
                m.bias_hh.copy_(floats(r["recurrentBias"], -1))
            modules += [inputs(), m]
        elif "dense" in layer:
            d = layer["dense"]
            m = qt.QLinear(d["inFeatures"], d["outFeatures"], weight_quantizer=weights())
            with torch.no_grad():
                m.weight.copy_(matrix(d["weights"], d["outFeatures"], d["inFeatures"]))
                m.bias.copy_(floats(d["bias"], -1))
            modules += [inputs(), m]
        else:
            raise ValueError(f"{layer['name']}: the recipe expects embedding, lstm and dense layers")
    return nn.Sequential(*modules)


def float_teacher(description=FLOAT):
    """The float model of a float description as train_charlm's CharLm (PyTorch's fused LSTM: its forward
    costs a small part of a quantized step), in eval mode, for distillation."""
    layers = _layers(description)
    embedding = next(layer["embedding"] for layer in layers if "embedding" in layer)
    lstms = [layer["lstm"] for layer in layers if "lstm" in layer]
    head = next(layer["dense"] for layer in layers if "dense" in layer)
    teacher = CharLm(embedding["numEmbeddings"])
    weights = {"embed.weight": matrix(embedding["weights"], embedding["numEmbeddings"], embedding["embeddingDim"]),
               "head.weight": matrix(head["weights"], head["outFeatures"], head["inFeatures"]),
               "head.bias": floats(head["bias"], -1)}
    for i, r in enumerate(lstms):
        weights[f"lstm.weight_ih_l{i}"] = matrix(r["inputWeights"], 4 * r["hiddenSize"], r["inputSize"])
        weights[f"lstm.weight_hh_l{i}"] = matrix(r["recurrentWeights"], 4 * r["hiddenSize"], r["hiddenSize"])
        weights[f"lstm.bias_ih_l{i}"] = floats(r["inputBias"], -1)
        weights[f"lstm.bias_hh_l{i}"] = floats(r["recurrentBias"], -1)
    teacher.load_state_dict(weights)  # strict: the description must be the CharLm layout
    return teacher.eval().requires_grad_(False)


def distillation_loss(logits, targets, teacher_logits, weight, temperature):
    """(1 - weight) cross-entropy + weight T^2 KL(teacher_T || student_T), softmaxes at temperature T
    (Hinton et al. 2015; the T^2 keeps the soft term's gradient on the scale of the hard one's), and the
    cross-entropy alone (the curve the log prints). logits, teacher_logits: [N, V]; targets [N]."""
    ce = F.cross_entropy(logits, targets)
    if not weight:
        return ce, ce
    kl = F.kl_div(F.log_softmax(logits / temperature, dim=-1), F.log_softmax(teacher_logits / temperature, dim=-1),
                  log_target=True, reduction="batchmean")
    return (1 - weight) * ce + weight * temperature ** 2 * kl, ce


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


# What defines a run: a resumed run takes these from its checkpoint, so it continues the same schedule on
# the same data (the command line's values of them are ignored).
RUN_SETTINGS = ("method", "lr", "batch", "seq", "seed", "cpu_minutes", "wall_minutes", "max_steps", "init_export", "train_text",
                "init_checkpoint", "distill", "distill_temperature")


def save_checkpoint(path, settings, model, opt, budget, pos, states, teacher_state=None):
    """Everything the next step depends on; written to a temporary file, then renamed over `path`, so a
    checkpoint on disk is always a whole one."""
    tmp = path + ".tmp"
    torch.save({"settings": settings, "model": model.state_dict(), "optimizer": opt.state_dict(),
                "budget": budget.state(), "pos": pos, "states": states, "teacher_state": teacher_state,
                "rng": torch.get_rng_state()}, tmp)
    os.replace(tmp, path)


def quantgen_bits_per_char(dll, description, held):
    """`quantgen eval` of a description over the held-out tokens: its bits per character and its output."""
    with tempfile.TemporaryDirectory() as tmp:
        tokens = os.path.join(tmp, "heldout.npz")
        np.savez(tokens, tokens=held.numpy().astype(np.int64))
        out = subprocess.run(["dotnet", dll, "eval", description, "--data", tokens],
                             check=True, capture_output=True, text=True).stdout
    m = re.search(r"bits-per-token: ([\d.]+)", out)
    if not m:
        sys.exit(f"quantgen eval printed no bits-per-token:\n{out}")
    return float(m.group(1)), out.strip()


def heldout_text(chars):
    """At least the first `chars` of the 50,000 held-out characters: the sample's slice (data/charlm-heldout.txt,
    the first 20,000) or, for more, the end of the text (train_charlm.load_text, from Debian's bible-kjv)."""
    with open(os.path.join(DATA, "charlm-heldout.txt")) as f:
        text = f.read()
    return text if chars <= len(text) else load_text()[-HELDOUT_CHARS:]


def check_warm_start(init_export, held, start_bpc, dll, offset=0):
    """Prints the warm start's bits/char beside the export's own figure (its doc's, and `quantgen eval`'s
    with --quantgen): equal when re-quantizing the dequantized weights gives back the export's codes."""
    with open(init_export) as f:
        doc = json.load(f).get("doc", "")
    m = re.search(r"PyTorch ([\d.]+) bits/char on the first (\d+) held-out characters", doc)
    if m and int(m.group(2)) == len(held) and not offset:
        print(f"{os.path.basename(init_export)}'s doc: {float(m.group(1)):.4f} bits/char on these characters", flush=True)
    if dll:
        bpc, _ = quantgen_bits_per_char(dll, init_export, held)
        print(f"quantgen eval of {os.path.basename(init_export)}: {bpc:.4f} bits/char; warm start in PyTorch: "
              f"{start_bpc:.4f} ({'equal' if abs(bpc - start_bpc) <= 1e-3 else 'NOT equal'} within 1e-3)", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--method", help="alternating:K or bitrnn:K")
    p.add_argument("--cpu-minutes", type=float, default=10.0, help="training budget in CPU time of this process")
    p.add_argument("--wall-minutes", type=float, default=float("inf"), help="and in wall time: the first to run out ends training")
    p.add_argument("--max-steps", type=float, default=float("inf"), help="and in steps (the schedule follows whichever is furthest along)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate, cosine to lr/30 over the budget")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init-export", help="warm start: latent weights = this earlier export's dequantized weights (.qgm.json)")
    p.add_argument("--init-checkpoint", help="start a new run (its own schedule from --lr) from this checkpoint's weights, "
                   "Adam state, data position and carried state (a restarted cosine)")
    p.add_argument("--distill", type=float, default=0.0, help="weight of the float model's soft targets in the loss (0: none)")
    p.add_argument("--distill-temperature", type=float, default=2.0, help="softmax temperature of the distillation term")
    p.add_argument("--train-text", help="train on this file instead of the sample's training text (tests)")
    p.add_argument("--eval-chars", type=int, default=EVAL_CHARS, help="held-out characters to measure bits/char on")
    p.add_argument("--eval-offset", type=int, default=0, help="measure from this held-out character on (the sample's slice "
                   "is the first 20,000 of the 50,000 never trained on; past it, a validation text the sample never shows)")
    p.add_argument("--checkpoint", help="write a checkpoint here every --checkpoint-minutes CPU-minutes and at the end")
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--resume", help="continue the run of this checkpoint exactly (its settings, schedule and data order)")
    p.add_argument("--stop-at-step", type=int, help="end this invocation after this many steps of the run, schedule unchanged")
    p.add_argument("--export-only", action="store_true", help="with --resume: export the checkpoint's model, no training")
    p.add_argument("-o", "--output", required=True, help="the exported description (.qgm.json)")
    p.add_argument("--expected", help="also write PyTorch's tokens and logits for the parity test (.json)")
    p.add_argument("--quantgen", help="quantgen.dll: also run `quantgen eval` on the export and compare")
    args = p.parse_args()
    checkpoint = None
    if args.resume:
        checkpoint = torch.load(args.resume)
        for name in RUN_SETTINGS:  # (a checkpoint from before a setting existed ran with its default)
            setattr(args, name, checkpoint["settings"].get(name, p.get_default(name)))
        print(f"resuming {args.resume}: step {checkpoint['budget']['steps']}, "
              f"{checkpoint['budget']['cpu_seconds'] / 60:.1f} CPU-minutes used", flush=True)
    elif args.export_only:
        sys.exit("--export-only exports a checkpoint: give --resume")
    if args.init_checkpoint and args.init_export:
        sys.exit("--init-checkpoint and --init-export: give one start")
    if not 0 <= args.distill < 1:
        sys.exit("--distill: a weight in [0, 1)")
    if not args.method or ":" not in args.method:
        sys.exit("--method: alternating:K or bitrnn:K")
    method, bits = args.method.split(":")
    bits = int(bits)
    if method not in ("alternating", "bitrnn"):
        sys.exit("--method: alternating:K or bitrnn:K")
    settings = {name: getattr(args, name) for name in RUN_SETTINGS}

    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    with open(os.path.join(DATA, "charlm-vocab.json")) as f:
        vocab = json.load(f)
    index = {c: i for i, c in enumerate(vocab)}
    end = args.eval_offset + args.eval_chars
    held = torch.tensor([index[c] for c in heldout_text(end)[args.eval_offset:end]], dtype=torch.long)
    where = (f"the first {len(held)} held-out characters" if not args.eval_offset else
             f"held-out characters {args.eval_offset} to {args.eval_offset + len(held)}")
    if args.train_text:
        with open(args.train_text) as f:
            text = f.read()
    else:
        text = load_text()[:-HELDOUT_CHARS]
    train = torch.tensor([index[c] for c in text], dtype=torch.long)

    model = build(method, bits, args.init_export or FLOAT)
    # Contiguous streams per batch row so the state carries over between windows (truncated BPTT).
    stream_len = (len(train) - 1) // args.batch
    xs = train[: stream_len * args.batch].view(args.batch, stream_len)
    ys = train[1: stream_len * args.batch + 1].view(args.batch, stream_len)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    teacher = float_teacher() if args.distill else None
    pos, states, teacher_state = 0, None, None
    if args.init_checkpoint and not checkpoint:
        # A restart: the earlier run's weights, Adam moments, data position and carried state; a new schedule.
        earlier = torch.load(args.init_checkpoint)
        model.load_state_dict(earlier["model"])
        opt.load_state_dict(earlier["optimizer"])
        # (a checkpoint of a run without distillation has no teacher state: the teacher starts one window cold)
        pos, states, teacher_state = earlier["pos"], earlier["states"], earlier.get("teacher_state")
        if earlier["settings"]["batch"] != args.batch or earlier["settings"]["seq"] != args.seq:
            # Another batch cuts the text into other streams: the data position and carried state do not apply.
            pos, states, teacher_state = 0, None, None
        print(f"from {args.init_checkpoint}: step {earlier['budget']['steps']} of its run", flush=True)
    if checkpoint:
        model.load_state_dict(checkpoint["model"])
        opt.load_state_dict(checkpoint["optimizer"])
        pos, states, teacher_state = checkpoint["pos"], checkpoint["states"], checkpoint.get("teacher_state")
        torch.set_rng_state(checkpoint["rng"])
    else:
        began = time.process_time()
        start_bpc, _ = bits_per_char(model, held)
        print(f"{where}, quantized, before fine-tuning: {start_bpc:.4f} bits/char "
              f"({time.process_time() - began:.0f} CPU-s to evaluate)", flush=True)
        if args.init_export:
            check_warm_start(args.init_export, held, start_bpc, args.quantgen, args.eval_offset)
    # Created after the evaluation above, so a fresh run's budget and a resumed one's count training alone.
    budget = Budget(args.cpu_minutes, args.wall_minutes, args.max_steps, checkpoint["budget"] if checkpoint else None)
    last = last_saved = time.process_time()
    while not args.export_only and budget.progress() < 1 and (args.stop_at_step is None or budget.steps < args.stop_at_step):
        for g in opt.param_groups:
            g["lr"] = budget.lr(args.lr)
        if pos + args.seq > stream_len:
            pos, states, teacher_state = 0, None, None
        logits, states = run(model, xs[:, pos:pos + args.seq].t(), states)
        states = [tuple(s.detach() for s in state) for state in states]
        teacher_logits = None
        if teacher is not None:
            with torch.no_grad():  # the teacher reads the same streams and carries its own state between windows
                teacher_logits, teacher_state = teacher(xs[:, pos:pos + args.seq], teacher_state)
            teacher_logits = teacher_logits.transpose(0, 1).reshape(-1, len(vocab))
        loss, ce = distillation_loss(logits.reshape(-1, len(vocab)), ys[:, pos:pos + args.seq].t().reshape(-1),
                                 teacher_logits, args.distill, args.distill_temperature)
        pos += args.seq
        update(opt, model, loss)
        budget.steps += 1
        if time.process_time() - last > 60:
            print(f"{budget.cpu_minutes():.1f} cpu-min step {budget.steps} lr {opt.param_groups[0]['lr']:.2e} "
                  f"train {ce.item() / math.log(2):.3f} bits/char", flush=True)
            last = time.process_time()
        if args.checkpoint and time.process_time() - last_saved > args.checkpoint_minutes * 60:
            save_checkpoint(args.checkpoint, settings, model, opt, budget, pos, states, teacher_state)
            # The held-out figure beside each checkpoint (3 CPU-s for 2,000 characters): the run's curve.
            print(f"{budget.cpu_minutes():.1f} cpu-min step {budget.steps}: wrote {args.checkpoint}; held-out "
                  f"{bits_per_char(model, held)[0]:.4f} bits/char", flush=True)
            last_saved = time.process_time()
    if args.checkpoint and not args.export_only:
        save_checkpoint(args.checkpoint, settings, model, opt, budget, pos, states, teacher_state)
        print(f"wrote {args.checkpoint}", flush=True)
    step, cpu_minutes = budget.steps, budget.cpu_minutes()
    bpc, logits = bits_per_char(model, held)
    print(f"quantization-aware: {bpc:.4f} bits/char on {where}, "
          f"{step} steps of {args.batch} x {args.seq} characters in {cpu_minutes:.1f} CPU-minutes", flush=True)

    start = (f"warm-started from {os.path.basename(args.init_export)}" if args.init_export else
             f"continued from {os.path.basename(args.init_checkpoint)}" if args.init_checkpoint else "from the float model")
    if args.distill:
        start += f", distilled from the float model (weight {args.distill:g}, temperature {args.distill_temperature:g})"
    doc = (f"CharLm (King James Bible), quantization-aware fine-tuning {start} "
           f"(python/recipes/charlm_qat.py --method {args.method}, {step} steps of {args.batch} x {args.seq} characters); "
           f"PyTorch {bpc:.4f} bits/char on {where}")
    description = export_model(model, [1], name=f"charlm-qat-{method}{bits}", doc=doc, input_name="token", output_name="logits")
    save_model(description, args.output)
    print("wrote", args.output)
    if args.expected:
        with open(args.expected, "w") as f:
            json.dump({"tokens": held[:EXPECTED_STEPS].tolist(),
                       "logits": [[float(v) for v in row] for row in logits[:EXPECTED_STEPS].tolist()]}, f)
        print("wrote", args.expected)

    if args.quantgen:
        qbpc, out = quantgen_bits_per_char(args.quantgen, args.output, held)
        print(out)
        # `quantgen eval` runs the reference interpreter, whose products and sigmoid/tanh are computed in double
        # and rounded once: the same model in PyTorch with that rounding is what it must equal. The training
        # forward's float32 figure can differ by more when a rounding difference flips a near-tie online code
        # (python/README.md); both are printed.
        with qt.reference_arithmetic():
            rbpc, _ = bits_per_char(model, held)
        print(f"PyTorch with the reference's rounding: {rbpc:.4f} bits/char (training's float32 forward: {bpc:.4f})")
        if abs(qbpc - rbpc) > 1e-3:
            sys.exit(f"quantgen eval disagrees with PyTorch ({rbpc:.4f} bits/char with the reference's rounding)")
        print("quantgen eval agrees with PyTorch (the reference's rounding) within 1e-3")


if __name__ == "__main__":
    main()
