"""Quantized layers: PyTorch's Linear, Conv2d, Embedding, LSTM and GRU with a weight quantizer on each
weight matrix and an optional activation quantizer on the layer's input, computing what the schema
says each layer computes (runtime/QuantGen.Reference/ReferenceInterpreter*.cs).

An activation quantizer sees one input vector per row: [samples, features] (a Conv2d's [C, H, W]
flattened, a recurrent layer's input at one time step), as the generated code quantizes it.
"""

import contextlib
import math

import torch
from torch import nn
from torch.nn import functional as F

# How the layers multiply and squash. Training uses PyTorch's float32 (BLAS sums, float32 sigmoid and tanh).
# The reference interpreter (and so `quantgen eval`) accumulates every W x + b in double and computes
# sigmoid and tanh in double, each rounded once to float32 (ReferenceInterpreter.cs, .Layers.cs). The two
# differ by float32 ulps, which is nothing for most models but can flip an online code of h that sits at
# a near-tie in a 2-bit recurrence, after which the two runs part (python/README.md).
# `reference_arithmetic()` switches the layers to the reference's rounding for an evaluation.
_REFERENCE = False


@contextlib.contextmanager
def reference_arithmetic():
    """Within the block, QLinear, QConv2d, QLSTM and QGRU compute products in double and sigmoid/tanh in double,
    each rounded once to float32, as the reference interpreter does (evaluation only: not for training)."""
    global _REFERENCE
    before, _REFERENCE = _REFERENCE, True
    try:
        yield
    finally:
        _REFERENCE = before


def _linear(x, w, b=None):
    if not _REFERENCE:
        return F.linear(x, w, b)
    return F.linear(x.double(), w.double(), None if b is None else b.double()).float()


def _sigmoid(v):
    return torch.sigmoid(v.double()).float() if _REFERENCE else torch.sigmoid(v)


def _tanh(v):
    return torch.tanh(v.double()).float() if _REFERENCE else torch.tanh(v)


def _quantize_input(quantizer, x):
    if quantizer is None:
        return x
    if x.dim() <= 1:
        return quantizer(x.reshape(1, -1)).reshape(x.shape)
    return quantizer(x.reshape(-1, x.shape[-1]) if x.dim() == 2 else x.reshape(x.shape[0], -1)).reshape(x.shape)


class QLinear(nn.Linear):
    """y = Q_w(W) Q_a(x) + b. Works on [..., in_features] (each vector quantized on its own)."""

    def __init__(self, in_features, out_features, bias=True, weight_quantizer=None, input_quantizer=None):
        super().__init__(in_features, out_features, bias=bias)
        self.weight_quantizer = weight_quantizer
        self.input_quantizer = input_quantizer

    def quantized_weight(self):
        return self.weight if self.weight_quantizer is None else self.weight_quantizer(self.weight)

    def forward(self, x):
        shape = x.shape
        x2 = x.reshape(-1, self.in_features)
        if self.input_quantizer is not None:
            x2 = self.input_quantizer(x2)
        return _linear(x2, self.quantized_weight(), self.bias).reshape(*shape[:-1], self.out_features)


class QConv2d(nn.Conv2d):
    """PyTorch's Conv2d (dilation 1, groups 1, zero padding) with quantized weights (rows: output
    channels, columns: in * kh * kw) and an optional quantizer on the flattened [C, H, W] input."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 weight_quantizer=None, input_quantizer=None):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=bias)
        self.weight_quantizer = weight_quantizer
        self.input_quantizer = input_quantizer

    def quantized_weight(self):
        return self.weight if self.weight_quantizer is None else self.weight_quantizer(self.weight)

    def forward(self, x):
        x = _quantize_input(self.input_quantizer, x)
        if not _REFERENCE:
            return F.conv2d(x, self.quantized_weight(), self.bias, self.stride, self.padding)
        bias = None if self.bias is None else self.bias.double()
        return F.conv2d(x.double(), self.quantized_weight().double(), bias, self.stride, self.padding).float()


class QEmbedding(nn.Embedding):
    """A table lookup of quantized rows (rows: tokens). It takes no input quantizer (its input is a token)."""

    def __init__(self, num_embeddings, embedding_dim, weight_quantizer=None):
        super().__init__(num_embeddings, embedding_dim)
        self.weight_quantizer = weight_quantizer

    def quantized_weight(self):
        return self.weight if self.weight_quantizer is None else self.weight_quantizer(self.weight)

    def forward(self, tokens):
        return F.embedding(tokens, self.quantized_weight())


class _QRecurrent(nn.Module):
    gates = 0

    def __init__(self, input_size, hidden_size, bias=True, input_weight_quantizer=None,
                 recurrent_weight_quantizer=None, input_quantizer=None, sigmoid_candidate=False,
                 hidden_quantizer=None, recurrent_quantizer=None):
        super().__init__()
        g = self.gates * hidden_size
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(g, input_size))
        self.weight_hh = nn.Parameter(torch.empty(g, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(g)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(g)) if bias else None
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)
        self.input_weight_quantizer = input_weight_quantizer
        self.recurrent_weight_quantizer = recurrent_weight_quantizer
        self.input_quantizer = input_quantizer
        self.sigmoid_candidate = sigmoid_candidate
        self.hidden_quantizer = hidden_quantizer
        self.recurrent_quantizer = recurrent_quantizer

    def quantized_weights(self):
        w = self.weight_ih if self.input_weight_quantizer is None else self.input_weight_quantizer(self.weight_ih)
        u = self.weight_hh if self.recurrent_weight_quantizer is None else self.recurrent_weight_quantizer(self.weight_hh)
        return w, u

    def _candidate(self, v):
        return _sigmoid(v) if self.sigmoid_candidate else _tanh(v)

    def _hq(self, v):
        return v if self.hidden_quantizer is None else self.hidden_quantizer(v)

    def forward(self, x, state=None):
        """x: [T, B, input_size] -> [T, B, hidden_size]; the final state is kept in `self.last_state`."""
        w, u = self.quantized_weights()
        state = self.zero_state(x.shape[1], x.dtype) if state is None else state
        outputs = []
        for t in range(x.shape[0]):
            xt = x[t] if self.input_quantizer is None else self.input_quantizer(x[t])
            state = self.step(xt, state, w, u)
            outputs.append(state[0])
        self.last_state = state
        return torch.stack(outputs)

    def _recurrent_product(self, h, u):
        hq = h if self.recurrent_quantizer is None else self.recurrent_quantizer(h)
        return _linear(hq, u, self.bias_hh)


class QLSTM(_QRecurrent):
    """One LSTM layer, gates i, f, g, o (PyTorch's layout): c' = f c + i g, h' = o tanh(c') (or
    o sigmoid(c') with sigmoid_candidate, bit-RNN), h' through the hidden quantizer; the cell state is
    never quantized; the recurrent quantizer codes a copy of h before U h."""

    gates = 4

    def zero_state(self, batch, dtype=torch.float32):
        z = torch.zeros(batch, self.hidden_size, dtype=dtype)
        return (z, z.clone())

    def step(self, xt, state, w, u):
        h, c = state
        n = self.hidden_size
        gx = _linear(xt, w, self.bias_ih)
        gh = self._recurrent_product(h, u)
        i = _sigmoid(gx[:, :n] + gh[:, :n])
        f = _sigmoid(gx[:, n:2 * n] + gh[:, n:2 * n])
        g = _tanh(gx[:, 2 * n:3 * n] + gh[:, 2 * n:3 * n])
        o = _sigmoid(gx[:, 3 * n:] + gh[:, 3 * n:])
        c = f * c + i * g
        h = self._hq(o * self._candidate(c))
        return (h, c)


class QGRU(_QRecurrent):
    """One GRU layer, gates r, z, n (PyTorch's layout): n = tanh(W_n x + b_n + r (U_n h + d_n)) (sigmoid
    with sigmoid_candidate), h' = (1 - z) n + z h. The hidden quantizer (bit-RNN's Q_k) goes on the product
    r (U_n h + d_n) before it enters n, and on h'."""

    gates = 3

    def zero_state(self, batch, dtype=torch.float32):
        return (torch.zeros(batch, self.hidden_size, dtype=dtype),)

    def step(self, xt, state, w, u):
        (h,) = state
        n = self.hidden_size
        gx = _linear(xt, w, self.bias_ih)
        gh = self._recurrent_product(h, u)
        r = _sigmoid(gx[:, :n] + gh[:, :n])
        z = _sigmoid(gx[:, n:2 * n] + gh[:, n:2 * n])
        reset = self._hq(r * gh[:, 2 * n:])
        cand = self._candidate(gx[:, 2 * n:] + reset)
        return (self._hq((1 - z) * cand + z * h),)
