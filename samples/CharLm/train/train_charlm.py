"""Train the CharLm float model: a character-level LSTM language model on the King James Bible.

Text: Debian's bible-kjv package (public domain), `bible -f Gen1:1-Rev22:21`, verse references removed.
Model: Embedding(V, 32) -> LSTM(32 -> 256) -> LSTM(256 -> 256) -> Linear(256 -> V), PyTorch gate layout.
The last HELDOUT_CHARS characters (the end of Revelation) are never trained on; export_charlm.py commits
a slice of them for the sample's bits-per-character figures.

Usage: python3 train_charlm.py [--cpu-minutes M] [--wall-minutes W] [--init start.pt] [--lr LR] [-o out.pt]
(single-threaded: the machine is shared). Training stops at M minutes of this process's CPU time or W
minutes of wall time, whichever comes first; the learning rate follows a cosine from LR to LR/30 over
whichever of the two is further along. --init starts from an earlier checkpoint's weights (a fresh Adam;
a warm start wants a lower --lr than the 3e-3 from scratch).
"""
import argparse
import math
import os
import re
import subprocess
import sys
import time

# OpenBLAS (Debian's libopenblas0-pthread) keeps its own thread pool, which torch.set_num_threads(1) does not
# reach: without this a "single-threaded" run took 1.4 cores of the shared 2-core machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(1234)

HELDOUT_CHARS = 50_000
EMBED, HIDDEN, LAYERS = 32, 256, 2
# 64 x 100 characters a step: on one core this trains ~1.5x more characters per second than 32 x 64.
SEQ, BATCH = 100, 64
LR = 3e-3


def load_text():
    raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
    # "Ge1:1 In the beginning ..." -> "In the beginning ..."
    lines = [re.sub(r"^\S+\d+:\d+ ", "", line) for line in raw.splitlines()]
    return "\n".join(line for line in lines if line) + "\n"


class Budget:
    """A training budget: CPU minutes of this process or wall minutes, whichever runs out first (the machine
    is shared, so CPU time measures the work done and wall time bounds the waiting), and optionally a number
    of steps; the learning rate follows a cosine from lr to lr/30 over whichever is further along.
    `used` = state() of a budget saved in a checkpoint: a resumed run continues its progress and schedule."""

    def __init__(self, cpu_minutes, wall_minutes=float("inf"), max_steps=float("inf"), used=None):
        self.cpu, self.wall, self.max_steps = cpu_minutes * 60, wall_minutes * 60, max_steps
        used = used or {"cpu_seconds": 0.0, "wall_seconds": 0.0, "steps": 0}
        self.cpu_start, self.wall_start = time.process_time() - used["cpu_seconds"], time.time() - used["wall_seconds"]
        self.steps = used["steps"]

    def cpu_minutes(self):
        return (time.process_time() - self.cpu_start) / 60

    def state(self):
        return {"cpu_seconds": time.process_time() - self.cpu_start, "wall_seconds": time.time() - self.wall_start,
                "steps": self.steps}

    def progress(self):
        def part(done, budget):
            return done / budget if budget > 0 else 1.0
        return max(part(time.process_time() - self.cpu_start, self.cpu), part(time.time() - self.wall_start, self.wall),
                   part(self.steps, self.max_steps))

    def lr(self, lr):
        return lr / 30 + (lr - lr / 30) * 0.5 * (1 + math.cos(math.pi * min(1.0, self.progress())))


def update(opt, model, loss):
    """One optimizer step on loss, gradients clipped to norm 1 (both this script and the QAT recipe)."""
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


class CharLm(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, tokens, state=None):
        h, state = self.lstm(self.embed(tokens), state)
        return self.head(h), state


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cpu-minutes", type=float, default=16.0)
    p.add_argument("--wall-minutes", type=float, default=float("inf"))
    p.add_argument("--init", help="a checkpoint of this script to start from")
    p.add_argument("--lr", type=float, default=LR, help="peak learning rate of the cosine")
    p.add_argument("-o", "--output", default="charlm.pt")
    args = p.parse_args()
    out = args.output
    text = load_text()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    train, held = data[:-HELDOUT_CHARS], data[-HELDOUT_CHARS:]
    print(f"text {len(text)} chars, vocab {len(vocab)}, train {len(train)}, held-out {len(held)}", flush=True)

    model = CharLm(len(vocab))
    done_steps, done_cpu = 0, 0.0
    if args.init:
        init = torch.load(args.init)
        model.load_state_dict(init["model"])
        done_steps, done_cpu = init["step"], init.get("cpu_minutes", 0.0)
        print(f"from {args.init}: {done_steps} steps, {done_cpu:.1f} CPU-minutes, held-out bpc {init['bpc']:.4f}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    # Contiguous streams per batch row so the hidden state carries over between windows (truncated BPTT).
    stream_len = (len(train) - 1) // BATCH
    streams = train[: stream_len * BATCH + 1]
    xs = streams[:-1].view(BATCH, stream_len)
    ys = streams[1:].view(BATCH, stream_len)

    def evaluate():
        model.eval()
        with torch.no_grad():
            # The first 10,000 held-out characters: enough to rank checkpoints, cheap on one thread.
            logits, _ = model(held[:10_000].unsqueeze(0))
            loss = loss_fn(logits[0], held[1:10_001]).item()
        model.train()
        return loss / math.log(2)

    def save(step, bpc):
        torch.save({"model": model.state_dict(), "vocab": vocab, "heldout_chars": HELDOUT_CHARS,
                    "embed": EMBED, "hidden": HIDDEN, "layers": LAYERS, "step": done_steps + step, "bpc": bpc,
                    "cpu_minutes": done_cpu + budget.cpu_minutes()}, out)

    budget = Budget(args.cpu_minutes, args.wall_minutes)
    last_save, step, pos, state = time.process_time(), 0, 0, None
    best = float("inf")
    while budget.progress() < 1:
        for g in opt.param_groups:
            g["lr"] = budget.lr(args.lr)
        if pos + SEQ > stream_len:
            pos, state = 0, None
        x, y = xs[:, pos : pos + SEQ], ys[:, pos : pos + SEQ]
        pos += SEQ
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = loss_fn(logits.reshape(-1, len(vocab)), y.reshape(-1))
        update(opt, model, loss)
        step += 1
        if time.process_time() - last_save > 180:
            bpc = evaluate()
            print(f"{budget.cpu_minutes():.1f} cpu-min step {step} lr {opt.param_groups[0]['lr']:.5f} "
                  f"train {loss.item()/math.log(2):.3f} held-out bpc {bpc:.4f}", flush=True)
            if bpc < best:
                best = bpc
                save(step, bpc)
            last_save = time.process_time()
    bpc = evaluate()
    print(f"done: step {step} held-out bpc {bpc:.4f}", flush=True)
    if bpc < best:
        save(step, bpc)


if __name__ == "__main__":
    main()
