"""python/recipes/charlm_qat.py's restart from a checkpoint (--init-checkpoint: a new schedule from an earlier
run's state) and distillation from the float model (--distill). Tiny runs, as test_charlm_recipe_resume.py."""

import json
import math

import torch
from torch.nn import functional as F

from test_charlm_recipe_resume import _TINY, _recipe, _same_tensors, charlm_qat


def test_distillation_loss_mixes_cross_entropy_and_the_softened_kl():
    torch.manual_seed(1)
    logits, teacher, targets = torch.randn(10, 7), torch.randn(10, 7), torch.randint(0, 7, (10,))
    ce = F.cross_entropy(logits, targets)
    loss, hard = charlm_qat.distillation_loss(logits, targets, None, 0.0, 2.0)
    assert torch.equal(loss, ce) and torch.equal(hard, ce)
    # KL(p || q) written out: sum p (log p - log q) over the vocabulary, mean over the rows, times T^2.
    p, q = F.softmax(teacher / 2, dim=-1), F.softmax(logits / 2, dim=-1)
    kl = (p * (p.log() - q.log())).sum(dim=-1).mean()
    loss, hard = charlm_qat.distillation_loss(logits, targets, teacher, 0.25, 2.0)
    assert math.isclose(loss.item(), 0.75 * ce.item() + 0.25 * 4 * kl.item(), rel_tol=1e-5)
    assert torch.equal(hard, ce)
    # A student that already is the teacher pays only its share of the cross-entropy.
    loss, _ = charlm_qat.distillation_loss(teacher, targets, teacher, 0.25, 2.0)
    assert math.isclose(loss.item(), 0.75 * F.cross_entropy(teacher, targets).item(), rel_tol=1e-6)


def test_the_float_teacher_is_the_float_description():
    teacher = charlm_qat.float_teacher()
    model = charlm_qat.build("alternating", 2)
    assert torch.equal(teacher.embed.weight, model[0].weight)  # the latent weights are the float ones
    assert torch.equal(teacher.lstm.weight_hh_l1, model[4].weight_hh)
    assert torch.equal(teacher.head.bias, model[6].bias)


def test_a_distilled_run_stopped_and_resumed_ends_as_the_whole_run(tmp_path, monkeypatch):
    # The teacher carries its own state between windows: the checkpoint must hold it.
    distilled = [*_TINY, "--distill", "0.5", "--max-steps", "3"]
    whole, half, resumed, plain = (str(tmp_path / n) for n in ("whole", "half", "resumed", "plain"))
    _recipe(monkeypatch, *distilled, "--checkpoint", whole + ".pt", "-o", whole + ".json")
    _recipe(monkeypatch, *distilled, "--stop-at-step", "1", "--checkpoint", half + ".pt", "-o", half + ".json")
    _recipe(monkeypatch, "--resume", half + ".pt", "--checkpoint", resumed + ".pt", "-o", resumed + ".json")
    a, h, c = (torch.load(p + ".pt") for p in (whole, half, resumed))
    assert a["teacher_state"] is not None and c["budget"]["steps"] == 3
    for key in ("model", "optimizer", "states", "teacher_state"):
        assert _same_tensors(a[key], c[key]), key
    # The same first step without the teacher ends elsewhere: the soft targets are in the gradient.
    _recipe(monkeypatch, *_TINY, "--max-steps", "3", "--stop-at-step", "1", "--checkpoint", plain + ".pt", "-o", plain + ".json")
    assert not _same_tensors(h["model"], torch.load(plain + ".pt")["model"])


def test_a_restart_begins_from_the_checkpoints_state_with_a_new_schedule(tmp_path, monkeypatch):
    first, restart = (str(tmp_path / n) for n in ("first", "restart"))
    _recipe(monkeypatch, *_TINY, "--stop-at-step", "2", "--checkpoint", first + ".pt", "-o", first + ".json")
    # No steps: the restart's export is the checkpoint's model (which the stopped run exported).
    _recipe(monkeypatch, *_TINY, "--init-checkpoint", first + ".pt", "--max-steps", "0", "-o", restart + "0.json")
    with open(first + ".json") as f, open(restart + "0.json") as g:
        assert json.load(f)["layers"] == json.load(g)["layers"]
    # Two steps: its own step count and learning rate, Adam's moments and the data position carried on.
    _recipe(monkeypatch, *_TINY, "--init-checkpoint", first + ".pt", "--max-steps", "2", "--lr", "1e-4",
            "--checkpoint", restart + ".pt", "-o", restart + ".json")
    f, r = torch.load(first + ".pt"), torch.load(restart + ".pt")
    assert r["budget"]["steps"] == 2 and r["settings"]["lr"] == 1e-4
    assert r["pos"] == f["pos"] + 2 * 8
    assert all(s["step"] == 4 for s in r["optimizer"]["state"].values())


def test_a_restart_with_another_batch_starts_its_streams_anew(tmp_path, monkeypatch):
    first, restart = (str(tmp_path / n) for n in ("first", "restart"))
    _recipe(monkeypatch, *_TINY, "--stop-at-step", "2", "--checkpoint", first + ".pt", "-o", first + ".json")
    # Batch 3 cuts the text into three streams: the two-stream position and state do not fit them.
    wider = [a if a != "2" or _TINY[i - 1] != "--batch" else "3" for i, a in enumerate(_TINY)]
    _recipe(monkeypatch, *wider, "--init-checkpoint", first + ".pt", "--max-steps", "1",
            "--checkpoint", restart + ".pt", "-o", restart + ".json")
    f, r = torch.load(first + ".pt"), torch.load(restart + ".pt")
    assert r["settings"]["batch"] == 3 and r["budget"]["steps"] == 1
    assert r["pos"] == 8 and f["pos"] == 2 * 8  # one window from the start of the new streams
    assert all(s[0].shape[0] == 3 for s in r["states"])
    assert all(s["step"] == 3 for s in r["optimizer"]["state"].values())  # Adam's moments still carried


def test_eval_offset_measures_further_held_out_characters(tmp_path, monkeypatch, capsys):
    first = str(tmp_path / "first")
    _recipe(monkeypatch, *_TINY, "--max-steps", "1", "--eval-offset", "100", "--checkpoint", first + ".pt",
            "--expected", first + "-expected.json", "-o", first + ".json")
    printed = capsys.readouterr().out
    with open(charlm_qat.os.path.join(charlm_qat.DATA, "charlm-vocab.json")) as f:
        index = {c: i for i, c in enumerate(json.load(f))}
    held = torch.tensor([index[c] for c in charlm_qat.heldout_text(130)[100:130]])
    model = charlm_qat.build("alternating", 2)
    model.load_state_dict(torch.load(first + ".pt")["model"])
    assert f"{charlm_qat.bits_per_char(model, held)[0]:.4f} bits/char on held-out characters 100 to 130" in printed
    with open(first + "-expected.json") as f:
        assert json.load(f)["tokens"] == held.tolist()
