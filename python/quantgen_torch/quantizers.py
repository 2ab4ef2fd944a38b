"""Fake-quantization modules: each has the published forward and its method's backward, and can say
what it is in the quantgen.v1 schema (`encode` for weights, `export` for activations).

Weights (module(w) -> w_q, `encode(w)` -> an Encoded codec):
    UniformWeight      symmetric, per row or per tensor (QAT baseline)             Uniform, signed
    AffineWeight       ONNX QuantizeLinear over [min(w,0), max(w,0)], signed codes  Uniform + zero point
    LsqWeight          LSQ, learned step, gradient scale 1/sqrt(N Q_P)               Uniform, signed
    DoReFaWeight       DoReFa (k >= 2: tanh-normalised levels; k = 1: sign * mean)  Levels / MultiBinary
    BitRnnWeight       bit-RNN (official code: s = 2.5 mean|tanh W|)                 Levels
    HwgqWeight         HWGQ binary weights, per-row alpha = mean|w|                  MultiBinary, 1 bit
    WeightedEntropyWeight  weighted-entropy clusters, mirrored levels +-r_i          Levels
    AlternatingWeight  alternating multi-bit codes, per row                          MultiBinary
Activations (module(x) -> x_q, `export()` -> an ActivationQuantizer dict):
    UniformActivation (DoReFaActivation: [0, 1]), AffineActivation (observed range), LsqActivation,
    HwgqActivation, LogQuantActivation, OnlineAlternatingActivation.
"""

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
from torch import nn

from . import functional as Fq

F32 = np.float32


@dataclass
class Encoded:
    """A weight tensor in one codec of the schema. `codes`: int64 [rows * cols] (signed codes as
    negative numbers; MultiBinary: bit j set where b_j = +1)."""

    kind: str  # "uniform" | "levels" | "multibinary"
    bits: int
    codes: np.ndarray
    signed: bool = False
    scales: Optional[np.ndarray] = None
    zero_points: Optional[np.ndarray] = None
    levels: Optional[np.ndarray] = None
    coefficients: Optional[np.ndarray] = None  # [rows, bits]


def _rows(w):
    """A weight as [rows, cols]: rows are outputs (Linear, Conv2d's [out, in*kh*kw], Embedding's tokens)."""
    return w.reshape(w.shape[0], -1)


# ----------------------------------------------------------------------------------------------------
# Weights


class WeightQuantizer(nn.Module):
    bits: int

    def encode(self, w) -> Encoded:
        raise NotImplementedError


class UniformWeight(WeightQuantizer):
    """Symmetric: scale = max|w| / (2^(k-1) - 1) per row (or tensor), q = round_half_even(w / scale),
    w_q = q * scale. Straight-through gradient (the plain QAT baseline)."""

    def __init__(self, bits, per_row=True):
        super().__init__()
        if not 2 <= bits <= 8:
            raise ValueError("uniform weights take 2..8 bits")
        self.bits, self.per_row = bits, per_row

    def _scale(self, w2):
        qp = (1 << (self.bits - 1)) - 1
        m = w2.abs().amax(dim=1, keepdim=True) if self.per_row else w2.abs().amax().reshape(1, 1)
        scale = m / qp
        return torch.where(scale > 0, scale, torch.ones_like(scale))

    def _codes(self, w2):
        qp = (1 << (self.bits - 1)) - 1
        scale = self._scale(w2)
        q = torch.clamp(torch.round(w2 / scale), -qp, qp)
        return q, scale

    def forward(self, w):
        w2 = _rows(w.detach())
        q, scale = self._codes(w2)
        return Fq.straight_through(w, (q * scale).reshape(w.shape))

    def encode(self, w):
        q, scale = self._codes(_rows(w.detach()))
        return Encoded("uniform", self.bits, q.to(torch.int64).ravel().numpy(), signed=True,
                       scales=scale.ravel().numpy().astype(F32))


class AffineWeight(WeightQuantizer):
    """ONNX QuantizeLinear with signed k-bit codes over [min(w, 0), max(w, 0)]: scale = (max - min) / (2^k - 1),
    zp = clamp(round(qmin - min / scale)), q = clamp(round_half_even(w / scale) + zp, qmin, qmax) (ONNX:
    round, then add the zero point), w_q = (q - zp) * scale. Straight-through gradient."""

    def __init__(self, bits, per_row=True):
        super().__init__()
        if not 2 <= bits <= 8:
            raise ValueError("affine weights take 2..8 bits")
        self.bits, self.per_row = bits, per_row

    def _codes(self, w2):
        qmin, qmax = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        if self.per_row:
            lo = torch.clamp(w2.amin(dim=1, keepdim=True), max=0)
            hi = torch.clamp(w2.amax(dim=1, keepdim=True), min=0)
        else:
            lo = torch.clamp(w2.amin(), max=0).reshape(1, 1)
            hi = torch.clamp(w2.amax(), min=0).reshape(1, 1)
        scale = (hi - lo) / float((1 << self.bits) - 1)
        scale = torch.where(scale > 0, scale, torch.ones_like(scale))
        zp = torch.clamp(torch.round(qmin - lo / scale), qmin, qmax)
        q = torch.clamp(torch.round(w2 / scale) + zp, qmin, qmax)
        return q, scale, zp

    def forward(self, w):
        q, scale, zp = self._codes(_rows(w.detach()))
        return Fq.straight_through(w, ((q - zp) * scale).reshape(w.shape))

    def encode(self, w):
        q, scale, zp = self._codes(_rows(w.detach()))
        return Encoded("uniform", self.bits, q.to(torch.int64).ravel().numpy(), signed=True,
                       scales=scale.ravel().numpy().astype(F32), zero_points=zp.to(torch.int64).ravel().numpy())


class _LsqFunction(torch.autograd.Function):
    """LSQ (Esser et al. ICLR 2020): v_q = clamp(round(v / s), -Q_N, Q_P) * s. Gradients:
    dv_q/dv = 1 inside [-Q_N, Q_P] (in units of s), else 0; dv_q/ds = round(v/s) - v/s inside, -Q_N below,
    Q_P above, times the gradient scale g = 1 / sqrt(N Q_P)."""

    @staticmethod
    def forward(ctx, v, s, qn, qp, grad_scale, quantized):
        ctx.save_for_backward(v, s)
        ctx.qn, ctx.qp, ctx.grad_scale = qn, qp, grad_scale
        return quantized.clone()

    @staticmethod
    def backward(ctx, grad):
        v, s = ctx.saved_tensors
        u = v / s
        below, above = u < -ctx.qn, u > ctx.qp
        inside = ~(below | above)
        grad_v = grad * inside.to(grad.dtype)
        ds = torch.where(below, torch.full_like(u, -float(ctx.qn)),
                         torch.where(above, torch.full_like(u, float(ctx.qp)), torch.round(u) - u))
        grad_s = (grad * ds).sum().reshape(s.shape) * ctx.grad_scale
        return grad_v, grad_s, None, None, None, None


class LsqWeight(WeightQuantizer):
    """LSQ weights, one learned step per tensor, signed codes Q_N = 2^(k-1), Q_P = 2^(k-1) - 1; the step
    starts at 2 mean|w| / sqrt(Q_P) on the first forward."""

    def __init__(self, bits):
        super().__init__()
        if not 2 <= bits <= 8:
            raise ValueError("LSQ weights take 2..8 bits")
        self.bits = bits
        self.qn, self.qp = 1 << (bits - 1), (1 << (bits - 1)) - 1
        self.step = nn.Parameter(torch.tensor(0.0))
        self.register_buffer("initialized", torch.tensor(False))

    def _init(self, w):
        if not bool(self.initialized):
            with torch.no_grad():
                s = 2 * w.detach().abs().mean() / math.sqrt(self.qp)
                self.step.fill_(float(s) if s > 0 else 1.0)
                self.initialized.fill_(True)

    def _codes(self, w):
        return torch.clamp(torch.round(w.detach() / self.step.detach()), -self.qn, self.qp)

    def forward(self, w):
        self._init(w)
        q = self._codes(w)
        quantized = q * self.step.detach()
        return _LsqFunction.apply(w, self.step, self.qn, self.qp, 1.0 / math.sqrt(w.numel() * self.qp), quantized)

    def encode(self, w):
        self._init(w)
        return Encoded("uniform", self.bits, self._codes(w).to(torch.int64).ravel().numpy(), signed=True,
                       scales=np.array([self.step.detach().item()], dtype=F32))


class DoReFaWeight(WeightQuantizer):
    """DoReFa (Zhou et al. 2016). k >= 2: x = tanh(w) / max|tanh w| * 0.5 + 0.5, w_q = 2 Q_k(x) - 1,
    Q_k(x) = round_half_even((2^k - 1) x) / (2^k - 1), straight through Q_k only (the gradient flows
    through tanh and the normalisation). k = 1: w_q = sign(w) * E, E = mean|w| (not differentiated),
    sign(0) = +1, straight-through."""

    def __init__(self, bits):
        super().__init__()
        if not 1 <= bits <= 8:
            raise ValueError("DoReFa weights take 1..8 bits")
        self.bits = bits

    def _x(self, w):
        t = torch.tanh(w)
        return t / t.abs().amax() * 0.5 + 0.5

    def forward(self, w):
        if self.bits == 1:
            e = w.detach().abs().mean()
            return Fq.straight_through(w, torch.where(w.detach() >= 0, e, -e))
        n = float((1 << self.bits) - 1)
        x = self._x(w)
        q = Fq.straight_through(x, torch.round(x.detach() * n) / n)
        return 2 * q - 1

    def encode(self, w):
        w = w.detach()
        if self.bits == 1:
            rows = _rows(w)
            e = w.abs().mean()
            return Encoded("multibinary", 1, (rows >= 0).to(torch.int64).ravel().numpy(),
                           coefficients=np.full((rows.shape[0], 1), e.item(), dtype=F32))
        n = float((1 << self.bits) - 1)
        idx = torch.round(self._x(w) * n)
        table = 2 * (torch.arange(1 << self.bits, dtype=torch.float32) / n) - 1
        return Encoded("levels", self.bits, idx.to(torch.int64).ravel().numpy(), levels=table.numpy())


class BitRnnWeight(WeightQuantizer):
    """bit-RNN (He et al. 2016, official code): s = 2.5 mean|tanh W|,
    W_q = (Q_k(clip(tanh(W) / s, -1/2, 1/2) + 1/2) - 1/2) * s, straight through Q_k (the clip's and
    tanh's derivatives apply)."""

    def __init__(self, bits):
        super().__init__()
        if not 1 <= bits <= 8:
            raise ValueError("bit-RNN weights take 1..8 bits")
        self.bits = bits

    def _parts(self, w):
        t = torch.tanh(w)
        s = 2.5 * t.abs().mean()
        x = torch.clamp(t / s, -0.5, 0.5) + 0.5
        return x, s

    def forward(self, w):
        n = float((1 << self.bits) - 1)
        x, s = self._parts(w)
        q = Fq.straight_through(x, torch.round(x.detach() * n) / n)
        return (q - 0.5) * s

    def encode(self, w):
        n = float((1 << self.bits) - 1)
        with torch.no_grad():
            x, s = self._parts(w)
            idx = torch.round(x * n)
            table = (torch.arange(1 << self.bits, dtype=torch.float32) / n - 0.5) * s
        return Encoded("levels", self.bits, idx.to(torch.int64).ravel().numpy(), levels=table.numpy())


class HwgqWeight(WeightQuantizer):
    """HWGQ binary weights (Cai et al. CVPR 2017): per output row alpha = mean|w|, b = +1 where w >= 0,
    else -1; w_q = alpha * b, straight-through."""

    bits = 1

    def _parts(self, w):
        rows = _rows(w.detach())
        alpha = (rows.to(torch.float64).abs().sum(dim=1, keepdim=True) / rows.shape[1]).to(torch.float32)
        return rows, alpha

    def forward(self, w):
        rows, alpha = self._parts(w)
        return Fq.straight_through(w, torch.where(rows >= 0, alpha, -alpha).reshape(w.shape))

    def encode(self, w):
        rows, alpha = self._parts(w)
        return Encoded("multibinary", 1, (rows >= 0).to(torch.int64).ravel().numpy(), coefficients=alpha.numpy())


class WeightedEntropyWeight(WeightQuantizer):
    """Weighted-entropy weights (Park et al. CVPR 2017, official code): clusters of |w| by importance
    w^2 found anew on every forward (the official code requantizes after each update), mirrored levels
    +-r_i, r_i = sqrt(mean w^2 of the cluster); w = 0 counts as positive. Straight-through."""

    def __init__(self, bits):
        super().__init__()
        if not 1 <= bits <= 8:
            raise ValueError("weighted-entropy weights take 1..8 bits")
        self.bits = bits

    def _parts(self, w):
        v = w.detach().ravel().numpy()
        reps, bounds = Fq.weighted_entropy_clusters(v, self.bits)
        half = reps.size
        table = np.concatenate([-reps[::-1], reps]).astype(F32)
        mag = np.abs(v)
        j = np.zeros(v.size, dtype=np.int64)
        for i in range(1, half):
            j = np.where(mag >= bounds[i], i, j)
        idx = np.where(v >= 0, half + j, half - 1 - j)
        return table, idx

    def forward(self, w):
        table, idx = self._parts(w)
        return Fq.straight_through(w, torch.from_numpy(table[idx]).reshape(w.shape))

    def encode(self, w):
        table, idx = self._parts(w)
        return Encoded("levels", self.bits, idx, levels=table)


class AlternatingWeight(WeightQuantizer):
    """Alternating multi-bit weights (Xu et al. ICLR 2018): per row, greedy codes then `cycles` rounds of
    least-squares coefficients and nearest sums; straight-through."""

    def __init__(self, bits=2, cycles=2, ties="larger"):
        super().__init__()
        if not 1 <= bits <= 8:
            raise ValueError("alternating weights take 1..8 bits")
        self.bits, self.cycles, self.ties = bits, cycles, ties

    def forward(self, w):
        rec, _, _ = Fq.alternating_codes(_rows(w.detach()), self.bits, self.cycles, self.ties)
        return Fq.straight_through(w, rec.reshape(w.shape))

    def encode(self, w):
        _, alphas, codes = Fq.alternating_codes(_rows(w.detach()), self.bits, self.cycles, self.ties)
        return Encoded("multibinary", self.bits, codes.ravel().numpy(), coefficients=alphas.numpy())


def decode(e: Encoded, shape):
    """The float32 weights an Encoded codec stands for, as the reference interpreter reads them."""
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    codes = e.codes.reshape(rows, cols)
    if e.kind == "uniform":
        scales = e.scales.reshape(-1, 1).astype(F32)
        zp = np.zeros((1, 1), dtype=np.int64) if e.zero_points is None else e.zero_points.reshape(-1, 1)
        w = (codes - zp).astype(F32) * scales
    elif e.kind == "levels":
        w = e.levels.astype(F32)[codes]
    else:
        table = Fq._multibit_values(torch.from_numpy(e.coefficients.astype(F32)), e.bits).numpy()
        w = np.take_along_axis(table, codes, axis=1)
    return w.reshape(shape).astype(F32)


# ----------------------------------------------------------------------------------------------------
# Activations


class ActivationQuantizer(nn.Module):
    bits: int

    def export(self) -> dict:
        raise NotImplementedError


class UniformActivation(ActivationQuantizer):
    """2^k evenly spaced levels over a fixed [lo, hi] (the schema's `uniform`), straight through inside
    [lo, hi], zero gradient outside (clipping)."""

    def __init__(self, bits, lo=0.0, hi=1.0):
        super().__init__()
        if not 1 <= bits <= 8:
            raise ValueError("uniform activations take 1..8 bits")
        self.bits, self.lo, self.hi = bits, float(F32(lo)), float(F32(hi))

    def forward(self, x):
        q, _ = Fq.uniform_levels(x.detach(), self.bits, self.lo, self.hi)
        return Fq.straight_through(x, q, (x >= self.lo) & (x <= self.hi))

    def export(self):
        return {"uniform": {"bits": self.bits, "lo": self.lo, "hi": self.hi}}


class DoReFaActivation(UniformActivation):
    """DoReFa activations: Q_k(clip(x, 0, 1)), straight through inside [0, 1]."""

    def __init__(self, bits):
        super().__init__(bits, 0.0, 1.0)


class AffineActivation(ActivationQuantizer):
    """The QAT baseline (PyTorch's FakeQuantize with a moving-average min/max observer): in training the
    range [min(x, 0), max(x, 0)] is tracked with momentum; scale = (max - min) / (2^k - 1),
    zp = round(-min / scale) in [0, 2^k - 1]; the levels are (q - zp) * scale, q in 0..2^k - 1. Run as the
    schema's uniform quantizer over [-zp * scale, (2^k - 1 - zp) * scale] (which holds 0 exactly), straight
    through inside the range."""

    def __init__(self, bits, momentum=0.1):
        super().__init__()
        self.bits, self.momentum = bits, momentum
        self.register_buffer("min_val", torch.tensor(0.0))
        self.register_buffer("max_val", torch.tensor(0.0))
        self.register_buffer("initialized", torch.tensor(False))

    def range(self):
        n = (1 << self.bits) - 1
        lo, hi = min(self.min_val.item(), 0.0), max(self.max_val.item(), 0.0)
        scale = F32((hi - lo) / n) if hi > lo else F32(1.0)
        zp = int(np.clip(np.round(-lo / float(scale)), 0, n))
        return float(F32(-zp * scale)), float(F32((n - zp) * scale))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                lo, hi = x.detach().min(), x.detach().max()
                if not bool(self.initialized):
                    self.min_val.copy_(lo), self.max_val.copy_(hi), self.initialized.fill_(True)
                else:
                    self.min_val.mul_(1 - self.momentum).add_(self.momentum * lo)
                    self.max_val.mul_(1 - self.momentum).add_(self.momentum * hi)
        lo, hi = self.range()
        q, _ = Fq.uniform_levels(x.detach(), self.bits, lo, hi)
        return Fq.straight_through(x, q, (x >= lo) & (x <= hi))

    def export(self):
        lo, hi = self.range()
        return {"uniform": {"bits": self.bits, "lo": lo, "hi": hi}}


class _LsqActivationFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, s, qn, qp, grad_scale, quantized):
        ctx.save_for_backward(x, s)
        ctx.qn, ctx.qp, ctx.grad_scale = qn, qp, grad_scale
        return quantized.clone()

    backward = _LsqFunction.backward


class LsqActivation(ActivationQuantizer):
    """LSQ activations: unsigned (Q_N = 0, Q_P = 2^k - 1, after a ReLU) or signed (Q_N = 2^(k-1),
    Q_P = 2^(k-1) - 1); learned step s (starts at 2 mean|x| / sqrt(Q_P) on the first batch), gradient
    scale 1 / sqrt(N Q_P) with N the features per sample. The forward is the schema's uniform quantizer
    over [-Q_N s, Q_P s], whose levels are the multiples of s."""

    def __init__(self, bits, signed=False):
        super().__init__()
        self.bits, self.signed = bits, signed
        self.qn = (1 << (bits - 1)) if signed else 0
        self.qp = ((1 << (bits - 1)) - 1) if signed else (1 << bits) - 1
        if self.qp == 0:
            raise ValueError("signed LSQ activations need at least 2 bits")
        self.step = nn.Parameter(torch.tensor(0.0))
        self.register_buffer("initialized", torch.tensor(False))

    def range(self):
        s = F32(self.step.detach().item())
        return float(F32(-self.qn * s)), float(F32(self.qp * s))

    def forward(self, x):
        if not bool(self.initialized):
            with torch.no_grad():
                s = 2 * x.detach().abs().mean() / math.sqrt(self.qp)
                self.step.fill_(float(s) if s > 0 else 1.0)
                self.initialized.fill_(True)
        lo, hi = self.range()
        q, _ = Fq.uniform_levels(x.detach(), self.bits, lo, hi)
        features = x[0].numel() if x.dim() > 1 else x.numel()
        return _LsqActivationFunction.apply(x, self.step, self.qn, self.qp, 1.0 / math.sqrt(features * self.qp), q)

    def export(self):
        lo, hi = self.range()
        return {"uniform": {"bits": self.bits, "lo": lo, "hi": hi}}


class _ClippedReluBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, quantized, top):
        ctx.save_for_backward(x)
        ctx.top = top
        return quantized.clone()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((x > 0) & (x <= ctx.top)).to(grad.dtype), None, None


class HwgqActivation(ActivationQuantizer):
    """HWGQ activations (Cai et al. CVPR 2017): levels 0, D, 2D, ..., (2^k - 1) D, times `scale`, with D the
    half-wave Gaussian Lloyd step (0.797885, 0.538812, 0.321729, 0.184243 for 1..4 bits); thresholds 0 and
    the midpoints, x <= 0 -> 0, 0 < x <= t_1 -> D (the Caffe rule). Backward: the clipped ReLU, 1 on
    (0, q_m], 0 elsewhere. The paper puts batch normalisation before the quantizer; without it pass
    `scale` (e.g. the RMS of the positive inputs, as the post-training method does) or
    `track_scale=True` to follow it in training with momentum."""

    def __init__(self, bits=2, scale=1.0, track_scale=False, momentum=0.1):
        super().__init__()
        if not 1 <= bits <= 4:
            raise ValueError("HWGQ activations take 1..4 bits")
        self.bits, self.track_scale, self.momentum = bits, track_scale, momentum
        self.step = Fq.half_wave_gaussian_step((1 << bits) - 1)
        self.register_buffer("scale", torch.tensor(float(scale)))
        self.register_buffer("initialized", torch.tensor(not track_scale))

    def tables(self):
        count = (1 << self.bits) - 1
        d = self.step * self.scale.item()
        levels = np.array([0.0] + [i * d for i in range(1, count + 1)], dtype=F32)
        thresholds = np.array([0.0] + [(i + 0.5) * d for i in range(1, count)], dtype=F32)
        return thresholds, levels

    def forward(self, x):
        if self.training and self.track_scale:
            with torch.no_grad():
                pos = x.detach()[x.detach() > 0]
                if pos.numel():
                    rms = pos.pow(2).mean().sqrt()
                    if not bool(self.initialized):
                        self.scale.copy_(rms), self.initialized.fill_(True)
                    else:
                        self.scale.mul_(1 - self.momentum).add_(self.momentum * rms)
        thresholds, levels = self.tables()
        q = Fq.staircase(x.detach(), torch.from_numpy(thresholds), torch.from_numpy(levels))
        return _ClippedReluBackward.apply(x, q, float(levels[-1]))

    def export(self):
        thresholds, levels = self.tables()
        return {"thresholds": {"bits": self.bits, "thresholds": thresholds.tolist(), "levels": levels.tolist()}}


class _ReluBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, quantized):
        ctx.save_for_backward(x)
        return quantized.clone()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0).to(grad.dtype), None


class LogQuantActivation(ActivationQuantizer):
    """LogQuant with the weighted-entropy paper's parameters (Park et al. CVPR 2017, Algorithm 2; official
    code weight_log_quant_relu_layer.cu): 0, or 2^((fsr + step idx) / 16), idx rounded half away from zero.
    In training, (fsr, step) are searched on each batch for the largest weighted entropy (as the paper
    does per layer); in eval they stay. Backward: the ReLU's (1 where x > 0)."""

    def __init__(self, bits, fsr=None, step=None, search=True, ties="away"):
        super().__init__()
        self.bits, self.search, self.ties = bits, search, ties
        self.fsr, self.step = fsr, step

    def forward(self, x):
        if (self.training and self.search) or self.fsr is None:
            found = Fq.logquant_search(x.detach().numpy(), self.bits)
            if found is not None:
                self.fsr, self.step = found
        if self.fsr is None:
            return _ReluBackward.apply(x, torch.zeros_like(x))
        return _ReluBackward.apply(x, Fq.logquant(x, self.bits, self.fsr, self.step, self.ties))

    def export(self):
        return {"logQuant": {"bits": self.bits, "fsr": int(self.fsr), "step": int(self.step)}}


class OnlineAlternatingActivation(ActivationQuantizer):
    """Online alternating multi-bit activations (Xu et al. ICLR 2018): every input vector (the last
    dimension of each sample) is coded anew on every forward; straight-through."""

    def __init__(self, bits=2, cycles=2, ties="larger"):
        super().__init__()
        self.bits, self.cycles, self.ties = bits, cycles, ties

    def forward(self, x):
        flat = x.detach().reshape(x.shape[0], -1) if x.dim() > 1 else x.detach().reshape(1, -1)
        rec, _, _ = Fq.alternating_codes(flat, self.bits, self.cycles, self.ties)
        return Fq.straight_through(x, rec.reshape(x.shape))

    def export(self):
        return {"onlineMultiBinary": {"bits": self.bits, "cycles": self.cycles}}
