"""Layers against PyTorch's own (gate order and equations), and the export's encoding against the
examples of docs/schema.md. The round trip through the generated code is checked on the C# side
(tests/QuantGen.Tests/Training, on fixtures made by its Fixtures/make_fixtures.py)."""

import json

import numpy as np
import torch
from torch import nn

import quantgen_torch as qt
from quantgen_torch.export import codec, export_model, pack_bits
from quantgen_torch.quantizers import Encoded


def test_pack_bits_follows_the_schema_examples():
    assert pack_bits(2, [1, 3, 0, 2]) == "jQ=="
    signed = np.array([-8, 7, 0, -3, 0, 5, -1, 2, -4, 1, -6, 1]) & 15
    assert pack_bits(4, signed) == "eNBQLxwa"


def test_multibinary_planes_follow_the_schema_example():
    # R = 2, C = 3: plane 0 rows (1 0 1), (0 0 1); plane 1 rows (1 1 0), (0 1 1).
    codes = np.array([[1 | 2, 0 | 2, 1 | 0], [0 | 0, 0 | 2, 1 | 2]])
    e = Encoded("multibinary", 2, codes.ravel(), coefficients=np.array([[0.5, 0.25], [1.0, 0.125]], dtype=np.float32))
    assert codec(e) == {"multiBinary": {"bits": 2, "coefficients": [0.5, 0.25, 1.0, 0.125], "planes": "5Qw="}}


def _copy_recurrent(q, ref):
    with torch.no_grad():
        q.weight_ih.copy_(ref.weight_ih_l0)
        q.weight_hh.copy_(ref.weight_hh_l0)
        q.bias_ih.copy_(ref.bias_ih_l0)
        q.bias_hh.copy_(ref.bias_hh_l0)


def test_float_qlstm_is_pytorchs_lstm():
    torch.manual_seed(0)
    ref, q = nn.LSTM(5, 7), qt.QLSTM(5, 7)
    _copy_recurrent(q, ref)
    x = torch.randn(9, 3, 5)
    assert torch.allclose(q(x), ref(x)[0], atol=1e-6)


def test_float_qgru_is_pytorchs_gru():
    torch.manual_seed(0)
    ref, q = nn.GRU(5, 7), qt.QGRU(5, 7)
    _copy_recurrent(q, ref)
    x = torch.randn(9, 3, 5)
    assert torch.allclose(q(x), ref(x)[0], atol=1e-6)


def test_float_layers_are_pytorchs():
    torch.manual_seed(0)
    lin, conv = qt.QLinear(4, 3), qt.QConv2d(2, 3, 3, padding=1)
    x = torch.randn(2, 4)
    assert torch.equal(lin(x), nn.functional.linear(x, lin.weight, lin.bias))
    x = torch.randn(2, 2, 5, 5)
    assert torch.equal(conv(x), nn.functional.conv2d(x, conv.weight, conv.bias, padding=1))


def test_a_model_trains_and_exports():
    torch.manual_seed(0)
    model = nn.Sequential(qt.QLinear(8, 6, weight_quantizer=qt.LsqWeight(2)), nn.ReLU(), qt.LsqActivation(2),
                          qt.QLinear(6, 3, weight_quantizer=qt.DoReFaWeight(2)))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    first = None
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(x), y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first
    d = json.loads(json.dumps(export_model(model, [8], name="m")))
    assert d["schema"] == "quantgen.v1"
    assert [next(k for k in layer if k not in ("name", "inputQuantizer")) for layer in d["layers"]] == ["dense", "relu", "dense"]
    assert "uniform" in d["layers"][0]["dense"]["weights"] and "levels" in d["layers"][2]["dense"]["weights"]
    assert d["layers"][2]["inputQuantizer"]["uniform"]["lo"] == 0.0
    assert d["outputs"][0]["shape"] == [3]


def test_the_conv_export_carries_the_shapes():
    model = nn.Sequential(qt.QConv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), qt.QLinear(32, 4))
    d = export_model(model, [1, 8, 8])
    conv, pool = d["layers"][0]["conv2d"], d["layers"][2]["maxPool2d"]
    assert (conv["height"], conv["width"], conv["paddingH"]) == (8, 8, 1)
    assert (pool["channels"], pool["height"], pool["strideH"]) == (2, 8, 2)
    assert d["layers"][4]["dense"]["inFeatures"] == 32
