"""Each quantizer's forward against the values the C# side pins (docs/schema.md, docs/quantization-methods.md,
tests/QuantGen.Tests/Methods) and the papers' official code, and each backward against its formula."""

import math

import numpy as np
import pytest
import torch

import quantgen_torch as qt
from quantgen_torch import functional as Fq
from quantgen_torch.quantizers import decode


def t(values):
    return torch.tensor(values, dtype=torch.float32)


# ---- forwards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bits,expected", [(1, 0.0), (2, 2 / 3), (3, 4 / 7), (4, 8 / 15)])
def test_dorefa_q_k_of_one_half(bits, expected):
    # Round half to even: Q_1(0.5) = round(0.5) = 0.
    assert qt.DoReFaActivation(bits)(t([0.5])).item() == pytest.approx(expected, abs=1e-7)


def test_dorefa_two_bit_weights():
    w = t([[-1, -0.25, 0, 0.5, 2]])
    assert torch.allclose(qt.DoReFaWeight(2)(w), t([[-1, -1 / 3, 1 / 3, 1 / 3, 1]]), atol=1e-6)


def test_dorefa_one_bit_weights_are_sign_times_mean():
    w = t([[-1, 0, 0.5, 2.5]])
    assert torch.equal(qt.DoReFaWeight(1)(w), t([[-1, 1, 1, 1]]))


def test_uniform_activation_follows_the_schema_example():
    q = qt.UniformActivation(2, 0.0, 3.0)
    assert q(t([0.5, 1.5, 2.5, 7, float("nan")])).tolist() == [0, 2, 2, 3, 0]


@pytest.mark.parametrize("bits,step", [(1, 0.797885), (2, 0.538812), (3, 0.321729), (4, 0.184243)])
def test_hwgq_steps(bits, step):
    assert qt.HwgqActivation(bits).step == pytest.approx(step, abs=1e-6)


def test_hwgq_staircase_follows_the_caffe_rule():
    q = qt.HwgqActivation(2)
    d = q.step
    x = t([-1, 0, 1e-6, 1.5 * d, 1.5 * d + 1e-4, 10])
    assert torch.allclose(q(x), t([0, 0, d, d, 2 * d, 3 * d]))


def test_thresholds_follow_the_schema_example():
    thresholds, levels = t([0, 0.5, 1.0]), t([0, 0.25, 0.75, 1.5])
    x = t([-1, 0, 0.05, 0.5, 0.5125, 1.65])
    assert Fq.staircase(x, thresholds, levels).tolist() == [0, 0, 0.25, 0.25, 0.75, 1.5]


def test_logquant_follows_the_schema_example():
    y = qt.LogQuantActivation(3, fsr=0, step=8, search=False).eval()(t([3, 100, 0.9, 0.8, -5]))
    assert y.tolist() == pytest.approx([2.828427, 8, 1, 0, 0], abs=1e-6)


def test_logquant_rounds_half_away_from_zero_as_the_official_code():
    # 3 bits, fsr -15, step 6, x = 1: (0 + 15) / 6 = 2.5 -> 3 (official CUDA round), not 2.
    y = qt.LogQuantActivation(3, fsr=-15, step=6, search=False).eval()(t([1.0]))
    assert y.item() == pytest.approx(1.138789, abs=1e-6)
    assert Fq.logquant(t([1.0]), 3, -15, 6, ties="even").item() == pytest.approx(0.878126, abs=1e-6)


def test_logquant_search_prefers_the_data_scale():
    x = torch.rand(1000) * 4
    fsr, step = Fq.logquant_search(x.numpy(), 3)
    assert 2 <= step <= 32 and step % 2 == 0
    # The levels cover the data: the first level lies below the largest value.
    assert 2 ** (fsr / 16) < 4


def test_alternating_codes_give_an_exact_zero_the_positive_code():
    rec, alphas, codes = Fq.alternating_codes(t([[0, 1, -1]]), 1, 2)
    assert rec[0].tolist() == pytest.approx([2 / 3, 2 / 3, -2 / 3], abs=1e-6)
    rec, _, _ = Fq.alternating_codes(t([[0, 1, -1]]), 1, 2, ties="smaller")
    assert rec[0, 0].item() == pytest.approx(-2 / 3, abs=1e-6)


@pytest.mark.parametrize("ties", ["larger", "smaller"])
def test_nearest_codes_take_the_nearest_sum_and_break_ties_by_the_rule(ties):
    # Coefficients 0.5, 0.5, 0.25 give repeated sums (+0.5 - 0.5 = 0 twice, ...) and inputs halfway between
    # sums: the code must be the nearest sum's, of equal ones the largest (or smallest) sum, of equal sums the
    # last (or first) code in the table's stable order, as a plain scan over the codes picks it.
    alphas = t([[0.5, 0.5, 0.25], [1.0, 0.0, 0.125]])
    x = t([[v / 8 for v in range(-12, 13)], [v / 16 for v in range(-20, 30, 2)]])
    codes = Fq._nearest_codes(x, 3, alphas, ties)
    table = Fq._multibit_values(alphas, 3)
    for r in range(2):
        order = sorted(range(8), key=lambda m: table[r, m].item())  # stable: equal sums keep code order
        for i in range(x.shape[1]):
            distances = [abs(x[r, i].item() - table[r, m].item()) for m in order]
            nearest = [m for m, d in zip(order, distances) if d == min(distances)]
            assert codes[r, i].item() == (nearest[-1] if ties == "larger" else nearest[0]), (r, i)


def _two_bit_error(x, alphas, codes):
    table = Fq._multibit_values(alphas, 2)
    return float(((x - torch.gather(table, 1, codes)) ** 2).sum())


def test_alternating_two_bit_is_a_descent_and_stops_where_the_csharp_side_does():
    # The vector tests/QuantGen.Tests/Methods/MultiBitTests.cs pins: alternating stays at 0.3562.
    x = t([[-0.47, -0.13, 1.46, 0.7, -0.18]])
    _, a0, c0 = Fq.alternating_codes(x, 2, 0)
    _, a2, c2 = Fq.alternating_codes(x, 2, 2)
    assert _two_bit_error(x, a2, c2) <= _two_bit_error(x, a0, c0) + 1e-9
    assert _two_bit_error(x, a2, c2) == pytest.approx(0.3562, abs=1e-4)


def test_alternating_weights_are_coded_row_by_row():
    w = torch.randn(3, 40)
    y = qt.AlternatingWeight(2)(w)
    for r in range(3):
        assert len(torch.unique(y[r])) <= 4


def test_bitrnn_weights_follow_the_official_formula():
    torch.manual_seed(1)
    w = torch.randn(4, 6)
    tw = torch.tanh(w)
    s = 2.5 * tw.abs().mean()
    x = torch.clamp(tw / s, -0.5, 0.5) + 0.5
    expected = (torch.round(x * 3) / 3 - 0.5) * s
    assert torch.allclose(qt.BitRnnWeight(2)(w), expected, atol=1e-7)


def test_hwgq_weights_are_per_row_mean_times_sign():
    w = t([[1, -3, 0], [0.5, 0.5, -2]])
    assert torch.allclose(qt.HwgqWeight()(w), t([[4 / 3, -4 / 3, 4 / 3], [1, 1, -1]]))


def test_weighted_entropy_levels_are_mirrored_and_zero_is_positive():
    torch.manual_seed(2)
    w = torch.randn(200)
    w[0] = 0
    e = qt.WeightedEntropyWeight(3).encode(w.reshape(10, 20))
    assert np.allclose(e.levels, -e.levels[::-1])
    assert e.levels[e.codes[0]] > 0


def test_lsq_weights_with_a_given_step_match_the_csharp_test():
    q = qt.LsqWeight(3)
    q.step.data.fill_(0.25)
    q.initialized.fill_(True)
    y = q(t([[0.1, -0.3, 0.2, 2, -2, 0.13]]))
    assert y[0].tolist() == [0, -0.25, 0.25, 0.75, -1, 0.25]


def test_affine_weights_round_then_add_the_zero_point():
    # Range [-1, 2] at 2 bits: scale 1, zp = round(-2 + 1) = -1. 0.5 rounds to 0 (half to even) then
    # q = -1 -> 0; 1.5 rounds to 2, q = 1 -> 2 (rounding x / s + zp would give q = round(0.5) = 0 -> 1).
    e = qt.AffineWeight(2, per_row=False).encode(t([[-1, 2, 0.5, 1.5]]))
    assert e.scales.tolist() == [1.0] and e.zero_points.tolist() == [-1]
    assert decode(e, (1, 4)).tolist() == [[-1, 2, 0, 2]]


@pytest.mark.parametrize("make", [lambda: qt.UniformWeight(3), lambda: qt.UniformWeight(2, per_row=False),
                                  lambda: qt.AffineWeight(4), lambda: qt.LsqWeight(3), lambda: qt.DoReFaWeight(1),
                                  lambda: qt.DoReFaWeight(3), lambda: qt.BitRnnWeight(2), lambda: qt.HwgqWeight(),
                                  lambda: qt.WeightedEntropyWeight(2), lambda: qt.AlternatingWeight(3)])
def test_the_exported_codes_decode_to_the_forward_bit_for_bit(make):
    torch.manual_seed(3)
    w = torch.randn(7, 3, 2, 2)
    q = make()
    y = q(w).detach().numpy()
    assert np.array_equal(decode(q.encode(w), w.shape), y)


# ---- backwards --------------------------------------------------------------------------------------


def test_straight_through_weights_pass_the_gradient_unchanged():
    for q in [qt.UniformWeight(2), qt.AffineWeight(2), qt.HwgqWeight(), qt.AlternatingWeight(2),
              qt.WeightedEntropyWeight(2), qt.DoReFaWeight(1)]:
        w = torch.randn(3, 5, requires_grad=True)
        g = torch.randn(3, 5)
        q(w).backward(g)
        assert torch.equal(w.grad, g), type(q).__name__


def test_dorefa_activation_gradient_is_one_inside_zero_to_one():
    x = t([-0.5, 0.0, 0.3, 1.0, 1.5]).requires_grad_()
    qt.DoReFaActivation(2)(x).sum().backward()
    assert x.grad.tolist() == [0, 1, 1, 1, 0]


def test_hwgq_backward_is_the_clipped_relu():
    q = qt.HwgqActivation(2)
    top = 3 * q.step
    x = t([-1, 0, 0.1, top, top + 0.01]).requires_grad_()
    q(x).sum().backward()
    assert x.grad.tolist() == [0, 0, 1, 1, 0]


def test_logquant_backward_is_the_relu():
    x = t([-1, 0, 0.01, 5, 1000]).requires_grad_()
    qt.LogQuantActivation(2, fsr=0, step=4, search=False).eval()(x).sum().backward()
    assert x.grad.tolist() == [0, 0, 1, 1, 1]


def test_dorefa_weight_gradient_flows_through_tanh():
    w = t([[0.2, -0.7, 1.3]]).requires_grad_()
    qt.DoReFaWeight(2)(w).sum().backward()
    # d/dw of 2 (tanh(w) / max|tanh| * 0.5 + 0.5) - 1 summed, with the max's own derivative.
    w2 = w.detach().clone().requires_grad_()
    tw = torch.tanh(w2)
    (tw / tw.abs().amax()).sum().backward()
    assert torch.allclose(w.grad, w2.grad, atol=1e-6)


def test_lsq_weight_gradients_follow_the_paper():
    q = qt.LsqWeight(2)  # Q_N = 2, Q_P = 1
    q.step.data.fill_(0.5)
    q.initialized.fill_(True)
    w = t([[0.2, -0.7, 0.9, -1.4, 0.26]]).requires_grad_()
    g = t([[1.0, 2.0, -1.0, 0.5, 3.0]])
    q(w).backward(g)
    v = w.detach() / 0.5  # 0.4, -1.4, 1.8, -2.8, 0.52
    inside = torch.tensor([[1.0, 1.0, 0.0, 0.0, 1.0]])
    ds = torch.where(v < -2, torch.tensor(-2.0), torch.where(v > 1, torch.tensor(1.0), torch.round(v) - v))
    assert torch.equal(w.grad, g * inside)
    expected = float((g * ds).sum()) / math.sqrt(5 * 1)
    assert q.step.grad.item() == pytest.approx(expected, rel=1e-6)


def test_lsq_activation_gradients_follow_the_paper():
    q = qt.LsqActivation(2)  # unsigned: Q_N = 0, Q_P = 3
    q.step.data.fill_(0.5)
    q.initialized.fill_(True)
    x = t([[-0.2, 0.3, 0.8, 1.4, 2.0]]).requires_grad_()
    y = q(x)
    assert y.tolist() == [[0, 0.5, 1.0, 1.5, 1.5]]
    g = t([[1.0, 1.0, 2.0, 1.0, 1.0]])
    y.backward(g)
    assert x.grad.tolist() == [[0, 1, 2, 1, 0]]
    v = x.detach() / 0.5
    ds = torch.where(v < 0, torch.tensor(0.0), torch.where(v > 3, torch.tensor(3.0), torch.round(v) - v))
    assert q.step.grad.item() == pytest.approx(float((g * ds).sum()) / math.sqrt(5 * 3), rel=1e-6)
