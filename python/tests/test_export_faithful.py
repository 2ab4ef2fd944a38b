"""The export writes the weights the training forward multiplies by, bit for bit, and
`reference_arithmetic` computes the layers with the reference interpreter's rounding (products and
sigmoid/tanh in double, rounded once to float32), the arithmetic `quantgen eval` uses."""

import numpy as np
import pytest
import torch
from torch import nn

import quantgen_torch as qt
from quantgen_torch.dequantize import weights_values
from quantgen_torch.export import export_model


def _trained(model, steps=5):
    """A few Adam steps, so the latent weights are ones training made (not fresh random ones)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        out = model(torch.randn(6, 2, model[0].input_size))
        loss = (out * torch.linspace(-1, 1, out.shape[-1])).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


@pytest.mark.parametrize("bits", [2, 3])
def test_exported_weights_are_the_training_forwards_exactly(bits):
    torch.manual_seed(bits)
    lstm = qt.QLSTM(24, 16, input_weight_quantizer=qt.AlternatingWeight(bits), recurrent_weight_quantizer=qt.AlternatingWeight(bits),
                    recurrent_quantizer=qt.OnlineAlternatingActivation(bits))
    head = qt.QLinear(16, 10, weight_quantizer=qt.AlternatingWeight(bits))
    model = _trained(nn.Sequential(lstm, qt.OnlineAlternatingActivation(bits), head))
    layers = export_model(model, [24])["layers"]
    forward_w, forward_u = lstm.quantized_weights()
    pairs = [(layers[0]["lstm"]["inputWeights"], forward_w), (layers[0]["lstm"]["recurrentWeights"], forward_u),
             (layers[1]["dense"]["weights"], head.quantized_weight())]
    for weights, forward in pairs:
        assert "multiBinary" in weights
        exported = weights_values(weights, tuple(forward.shape))
        assert np.array_equal(exported, forward.detach().numpy())


def _reference_lstm_step(w, u, b, d, x, h, c):
    """ReferenceInterpreter.LstmStep in NumPy: gate products accumulated in double and rounded once,
    sigmoid 1 / (1 + exp(-v)) and tanh in double rounded once, the rest in float32."""
    f32, f64 = np.float32, np.float64
    gx = (w.astype(f64) @ x.astype(f64) + b.astype(f64)).astype(f32)
    gh = (u.astype(f64) @ h.astype(f64) + d.astype(f64)).astype(f32)

    def sigmoid(v):
        return (1.0 / (1.0 + np.exp(-v.astype(f64)))).astype(f32)

    def tanh(v):
        return np.tanh(v.astype(f64)).astype(f32)

    n = h.size
    s = gx + gh
    i, f, g, o = sigmoid(s[:n]), sigmoid(s[n:2 * n]), tanh(s[2 * n:3 * n]), sigmoid(s[3 * n:])
    c = f * c + i * g
    return o * tanh(c), c


def test_reference_arithmetic_computes_the_reference_interpreters_lstm():
    torch.manual_seed(7)
    lstm = qt.QLSTM(12, 9)
    x = torch.randn(15, 1, 12) * 3
    with qt.reference_arithmetic():
        got = lstm(x).detach().numpy()[:, 0]
    p = {k: v.detach().numpy() for k, v in lstm.named_parameters()}
    h, c = np.zeros(9, np.float32), np.zeros(9, np.float32)
    expected = []
    for t in range(x.shape[0]):
        h, c = _reference_lstm_step(p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"], x[t, 0].numpy(), h, c)
        expected.append(h)
    assert np.array_equal(got, np.stack(expected))
    # Outside the block the layers are PyTorch's float32 again, which rounds differently somewhere here.
    assert not np.array_equal(lstm(x).detach().numpy()[:, 0], got)
