"""Train the CharLm float model: a character-level LSTM language model on the King James Bible.

Text: Debian's bible-kjv package (public domain), `bible -f Gen1:1-Rev22:21`, verse references removed.
Model: Embedding(V, 32) -> LSTM(32 -> 128, one layer) -> Linear(128 -> V), PyTorch gate layout.
The last HELDOUT_CHARS characters (the end of Revelation) are never trained on; export_charlm.py commits
a slice of them for the sample's bits-per-character figures.

Usage: python3 train_charlm.py [minutes] [out.pt]   (single-threaded: the machine is shared)
"""
import math
import re
import subprocess
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(1234)

HELDOUT_CHARS = 50_000
EMBED, HIDDEN = 32, 128
SEQ, BATCH = 64, 32


def load_text():
    raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
    # "Ge1:1 In the beginning ..." -> "In the beginning ..."
    lines = [re.sub(r"^\S+\d+:\d+ ", "", line) for line in raw.splitlines()]
    return "\n".join(line for line in lines if line) + "\n"


class CharLm(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, tokens, state=None):
        h, state = self.lstm(self.embed(tokens), state)
        return self.head(h), state


def main():
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 40.0
    out = sys.argv[2] if len(sys.argv) > 2 else "charlm.pt"
    text = load_text()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    train, held = data[:-HELDOUT_CHARS], data[-HELDOUT_CHARS:]
    print(f"text {len(text)} chars, vocab {len(vocab)}, train {len(train)}, held-out {len(held)}", flush=True)

    model = CharLm(len(vocab))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
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

    start, last_save, step, pos, state = time.time(), time.time(), 0, 0, None
    best = float("inf")
    while time.time() - start < minutes * 60:
        if pos + SEQ > stream_len:
            pos, state = 0, None
        x, y = xs[:, pos : pos + SEQ], ys[:, pos : pos + SEQ]
        pos += SEQ
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = loss_fn(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step == 6000:
            for g in opt.param_groups:
                g["lr"] = 1e-3
        if time.time() - last_save > 180:
            bpc = evaluate()
            print(f"{(time.time()-start)/60:.1f} min step {step} train {loss.item()/math.log(2):.3f} held-out bpc {bpc:.4f}", flush=True)
            if bpc < best:
                best = bpc
                torch.save({"model": model.state_dict(), "vocab": vocab, "heldout_chars": HELDOUT_CHARS,
                            "embed": EMBED, "hidden": HIDDEN, "step": step, "bpc": bpc}, out)
            last_save = time.time()
    bpc = evaluate()
    print(f"done: step {step} held-out bpc {bpc:.4f}", flush=True)
    if bpc < best:
        torch.save({"model": model.state_dict(), "vocab": vocab, "heldout_chars": HELDOUT_CHARS,
                    "embed": EMBED, "hidden": HIDDEN, "step": step, "bpc": bpc}, out)


if __name__ == "__main__":
    main()
