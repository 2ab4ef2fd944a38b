"""Export the trained CharLm checkpoint for the C# side (run after train_charlm.py).

Writes into samples/CharLm/data/:
  charlm-float.qgm.json   the float description (schema quantgen.v1): embed -> lstm1 -> lstm2 -> head
  charlm-vocab.json       the characters, index = token id
  charlm-heldout.txt      the first HELDOUT_SLICE held-out characters (never trained on)
  charlm-expected.json    PyTorch's logits for the first EXPECTED_STEPS characters of that slice
  charlm.onnx             the same network as ONNX (opset 13), for the import parity test
  charlm-calibration.csv  CALIBRATION_CHARS training characters as token ids, one per line: the
                          quantizer runs them as one sequence to calibrate activation ranges

Usage: python3 export_charlm.py charlm.pt
"""
import base64
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from train_charlm import CharLm, load_text  # noqa: E402

torch.set_num_threads(1)
HELDOUT_SLICE = 20_000
EXPECTED_STEPS = 48
CALIBRATION_CHARS = 3000
OUT = os.path.join(os.path.dirname(__file__), "..", "data")


def floats(t):
    """The float32 values as the doubles of their shortest decimal forms (np.float32's str), which json writes
    in ~10 characters instead of ~18: a third of the size for the 2 x 256 model. A value whose short form
    would not come back as the same float32 through a double (the schema's reader parses doubles, then
    rounds) keeps its exact double."""
    out = []
    for v in t.detach().reshape(-1).numpy().astype(np.float32):
        short = float(str(v))
        out.append(short if np.float32(short) == v else float(v))
    return out


def main():
    ckpt = torch.load(sys.argv[1] if len(sys.argv) > 1 else "charlm.pt")
    vocab = ckpt["vocab"]
    model = CharLm(len(vocab))
    model.load_state_dict(ckpt["model"])
    model.eval()
    text = load_text()
    held = text[-ckpt["heldout_chars"]:][:HELDOUT_SLICE]
    E, H, V = model.embed.embedding_dim, model.lstm.hidden_size, len(vocab)
    sd = model.state_dict()
    desc = {
        "schema": "quantgen.v1",
        "name": "charlm-float",
        "doc": f"Character LSTM language model on the King James Bible; held-out bpc {ckpt['bpc']:.4f} after {ckpt['step']} steps",
        "inputs": [{"name": "token", "shape": [1]}],
        "outputs": [{"name": "logits", "shape": [V]}],
        "layers": [
            {"name": "embed", "embedding": {"numEmbeddings": V, "embeddingDim": E, "weights": {"float32": {"values": floats(sd["embed.weight"])}}}},
            *({"name": f"lstm{k + 1}", "lstm": {
                "inputSize": E if k == 0 else H, "hiddenSize": H,
                "inputWeights": {"float32": {"values": floats(sd[f"lstm.weight_ih_l{k}"])}},
                "recurrentWeights": {"float32": {"values": floats(sd[f"lstm.weight_hh_l{k}"])}},
                "inputBias": floats(sd[f"lstm.bias_ih_l{k}"]), "recurrentBias": floats(sd[f"lstm.bias_hh_l{k}"])}}
              for k in range(model.lstm.num_layers)),
            {"name": "head", "dense": {"inFeatures": H, "outFeatures": V,
                "weights": {"float32": {"values": floats(sd["head.weight"])}}, "bias": floats(sd["head.bias"])}},
        ],
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "charlm-float.qgm.json"), "w") as f:
        json.dump(desc, f, separators=(",", ":"))
    with open(os.path.join(OUT, "charlm-vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(OUT, "charlm-heldout.txt"), "w") as f:
        f.write(held)

    index = {c: i for i, c in enumerate(vocab)}
    middle = len(text) // 2
    with open(os.path.join(OUT, "charlm-calibration.csv"), "w") as f:
        f.write("".join(f"{index[c]}\n" for c in text[middle:middle + CALIBRATION_CHARS]))
    tokens = torch.tensor([[index[c] for c in held[:EXPECTED_STEPS]]])
    with torch.no_grad():
        logits, _ = model(tokens)
        full, _ = model(torch.tensor([[index[c] for c in held]]))
        loss = torch.nn.functional.cross_entropy(full[0, :-1], torch.tensor([index[c] for c in held[1:]]))
    with open(os.path.join(OUT, "charlm-expected.json"), "w") as f:
        json.dump({"tokens": tokens[0].tolist(), "logits": [[float(v) for v in row] for row in logits[0].tolist()],
                   "heldoutBitsPerChar": float(loss) / 0.6931471805599453}, f)
    print(f"held-out slice bpc (PyTorch): {float(loss) / 0.6931471805599453:.4f}")

    # Logits only: with the final state as outputs too, PyTorch concatenates the two layers' states (a
    # Concat the ONNX importer refuses); without them the exporter drops those nodes.
    logits_only = LogitsOnly(V)
    logits_only.load_state_dict(ckpt["model"])
    logits_only.eval()
    torch.onnx.export(logits_only, (tokens,), os.path.join(OUT, "charlm.onnx"), opset_version=13,
                      input_names=["tokens"], output_names=["logits"])


class LogitsOnly(CharLm):
    def forward(self, tokens, state=None):
        return super().forward(tokens, state)[0]


if __name__ == "__main__":
    main()
