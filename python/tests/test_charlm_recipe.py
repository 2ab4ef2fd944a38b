"""python/recipes/charlm_qat.py's forward: reusing the recurrence's codes of h as the next layer's input
codes must compute what coding that input anew computes (values and gradients)."""

import importlib.util
import os

import torch
from torch import nn

import quantgen_torch as qt

_RECIPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "recipes", "charlm_qat.py")
_spec = importlib.util.spec_from_file_location("charlm_qat", _RECIPE)
charlm_qat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(charlm_qat)


def _model(bits, head_bits):
    """The recipe's alternating layout, small: embedding, then (input quantizer, LSTM) twice, then the head's."""
    def lstm(n_in):
        return qt.QLSTM(n_in, 6, input_weight_quantizer=qt.AlternatingWeight(bits), recurrent_weight_quantizer=qt.AlternatingWeight(bits),
                        recurrent_quantizer=qt.OnlineAlternatingActivation(bits))
    return nn.Sequential(qt.QEmbedding(9, 5, weight_quantizer=qt.AlternatingWeight(bits)),
                         qt.OnlineAlternatingActivation(bits), lstm(5), qt.OnlineAlternatingActivation(bits), lstm(6),
                         qt.OnlineAlternatingActivation(head_bits), qt.QLinear(6, 9, weight_quantizer=qt.AlternatingWeight(bits)))


def _forward_backward(model, tokens, share):
    model.zero_grad()
    states = None
    for _ in range(2):  # the second window starts from the first one's state
        logits, states = charlm_qat.run(model, tokens, states, share_codes=share)
        states = [tuple(s.detach() for s in state) for state in states]
    (logits * torch.linspace(-1, 1, logits.shape[-1])).sum().backward()
    return logits.detach(), [p.grad.clone() for p in model.parameters()], states


def _shared_and_anew(head_bits):
    torch.manual_seed(3)
    model = _model(2, head_bits)
    tokens = torch.randint(0, 9, (7, 3))
    return model, _forward_backward(model, tokens, share=True), _forward_backward(model, tokens, share=False)


def test_shared_codes_give_the_values_and_gradients_of_coding_anew():
    _, (logits, grads, states), (ref_logits, ref_grads, ref_states) = _shared_and_anew(2)
    assert torch.equal(logits, ref_logits)
    assert all(torch.equal(g, r) for g, r in zip(grads, ref_grads))
    assert all(torch.equal(a, b) for s, r in zip(states, ref_states) for a, b in zip(s, r))


def test_a_quantizer_unlike_the_recurrent_one_is_not_shared():
    # The head's input coded with 3 bits while h's recurrence uses 2: sharing would be wrong, so run codes it
    # anew (and still shares the second LSTM's input codes, which match).
    model, (logits, _, _), (ref_logits, _, _) = _shared_and_anew(3)
    assert torch.equal(logits, ref_logits)
    assert not charlm_qat._same_online_codes(model[5], model[4].recurrent_quantizer)
    assert charlm_qat._same_online_codes(model[3], model[2].recurrent_quantizer)
