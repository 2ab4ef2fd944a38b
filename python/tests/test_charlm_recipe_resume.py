"""python/recipes/charlm_qat.py's checkpoints and warm start: a run stopped at a checkpoint and resumed ends
where the uninterrupted run ends (same weights, optimizer state and export), and a warm start from an export
computes what the export computes. Tiny runs (2 x 8 characters a step, a few steps) on the held-out text."""

import importlib.util
import json
import os
import sys

import numpy as np
import pytest
import torch

import quantgen_torch as qt
from quantgen_torch.dequantize import weights_values
from quantgen_torch.export import codec, export_model, save_model
from quantgen_torch.quantizers import decode

_RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "recipes", "charlm_qat.py")
_spec = importlib.util.spec_from_file_location("charlm_qat", _RECIPE)
charlm_qat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(charlm_qat)
_TINY = ["--method", "alternating:2", "--batch", "2", "--seq", "8", "--max-steps", "6", "--cpu-minutes", "inf",
         "--lr", "3e-3", "--train-text", os.path.join(charlm_qat.DATA, "charlm-heldout.txt"), "--eval-chars", "30"]


def _recipe(monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["charlm_qat.py", *args])
    charlm_qat.main()


def _same_tensors(a, b):
    if torch.is_tensor(a):
        return torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_tensors(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_tensors(x, y) for x, y in zip(a, b))
    return a == b


def test_a_run_stopped_at_a_checkpoint_and_resumed_ends_as_the_whole_run(tmp_path, monkeypatch):
    whole, half, resumed = (str(tmp_path / n) for n in ("whole", "half", "resumed"))
    _recipe(monkeypatch, *_TINY, "--checkpoint", whole + ".pt", "-o", whole + ".json")
    _recipe(monkeypatch, *_TINY, "--stop-at-step", "3", "--checkpoint", half + ".pt", "-o", half + ".json")
    # The resumed run's settings come from the checkpoint: a different --lr here must change nothing.
    _recipe(monkeypatch, "--resume", half + ".pt", "--lr", "1", "--checkpoint", resumed + ".pt", "-o", resumed + ".json")
    a, h, c = (torch.load(p + ".pt") for p in (whole, half, resumed))
    assert (h["budget"]["steps"], a["budget"]["steps"], c["budget"]["steps"]) == (3, 6, 6)
    assert not _same_tensors(h["model"], a["model"])  # the halfway checkpoint really is halfway
    for key in ("model", "optimizer", "states", "pos", "settings"):
        assert _same_tensors(a[key], c[key]), key
    with open(whole + ".json") as f, open(resumed + ".json") as g:
        assert json.load(f)["layers"] == json.load(g)["layers"]


def test_export_only_writes_the_checkpoints_model(tmp_path, monkeypatch):
    half = str(tmp_path / "half")
    _recipe(monkeypatch, *_TINY, "--stop-at-step", "2", "--checkpoint", half + ".pt", "-o", half + ".json")
    _recipe(monkeypatch, "--resume", half + ".pt", "--export-only", "-o", half + "-again.json")
    with open(half + ".json") as f, open(half + "-again.json") as g:
        assert json.load(f)["layers"] == json.load(g)["layers"]


@pytest.mark.parametrize("quantizer", [qt.AlternatingWeight(2), qt.AlternatingWeight(3), qt.UniformWeight(4),
                                       qt.AffineWeight(3), qt.WeightedEntropyWeight(3), qt.DoReFaWeight(1)])
def test_dequantized_weights_are_the_codecs_values(quantizer):
    torch.manual_seed(5)
    w = torch.randn(7, 13)
    e = quantizer.encode(w)
    values = weights_values(codec(e), (7, 13))
    assert np.array_equal(values, decode(e, (7, 13)))
    assert torch.allclose(torch.from_numpy(values), quantizer(w).detach(), atol=1e-6)


def test_a_warm_start_from_an_export_computes_what_the_export_computes(tmp_path):
    # The recipe's alternating layout, small: an exported model built back by the recipe gives its logits.
    torch.manual_seed(4)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from test_charlm_recipe import _model
    model = _model(2, 2)
    path = str(tmp_path / "tiny.qgm.json")
    save_model(export_model(model, [1], input_name="token", output_name="logits"), path)
    rebuilt = charlm_qat.build("alternating", 2, path)
    tokens = torch.randint(0, 9, (20, 1))
    with torch.no_grad():
        expected, _ = charlm_qat.run(model, tokens, None)
        got, _ = charlm_qat.run(rebuilt, tokens, None)
    assert torch.allclose(got, expected, atol=1e-5)
    # Its latent weights are the export's values, not the trained latent ones they were coded from.
    assert torch.allclose(rebuilt[0].weight, model[0].weight_quantizer(model[0].weight).detach(), atol=1e-6)
    assert not torch.allclose(rebuilt[0].weight, model[0].weight, atol=1e-3)
