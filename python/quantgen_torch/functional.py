"""Quantization arithmetic shared by the modules: rounding rules, float32-exact helpers, the autograd
functions that carry each method's backward pass, and the numeric searches (alternating codes,
weighted-entropy clusters, the LogQuant parameter search, HWGQ's half-wave Gaussian step).

Every forward here computes, in float32, the same operations in the same order as the C# runtime
(runtime/QuantGen.Runtime/Quantizers) and the reference interpreter, so an exported description run
by the generated code gives what PyTorch gave.
"""

import math

import numpy as np
import torch

F32 = np.float32


def round_half_away(x):
    """CUDA's round(): halves go away from zero (LogQuant's official code)."""
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


class StraightThrough(torch.autograd.Function):
    """Forward: the quantized value, exactly. Backward: the incoming gradient times a 0/1 mask (or 1)."""

    @staticmethod
    def forward(ctx, x, quantized, mask):
        ctx.save_for_backward(mask)
        return quantized.clone()

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None


def straight_through(x, quantized, mask=None):
    """The value of `quantized` with the gradient d/dx = mask (1 everywhere when mask is None).
    Unlike x + (q - x).detach(), the forward value is q bit for bit."""
    if mask is None:
        mask = torch.ones_like(x)
    return StraightThrough.apply(x, quantized.detach(), mask.to(x.dtype).detach())


def uniform_levels(x, bits, lo, hi):
    """The schema's uniform quantizer in float32: q = round_half_even((clamp(x, lo, hi) - lo) * (n / (hi - lo))),
    x' = lo + q * (hi - lo) / n, with lo, hi given as float32 (0-d tensors or numbers). NaN -> lo.
    Returns (x', q)."""
    lo = torch.as_tensor(lo, dtype=torch.float32)
    hi = torch.as_tensor(hi, dtype=torch.float32)
    n = torch.tensor(float((1 << bits) - 1), dtype=torch.float32)
    to_code = n / (hi - lo)
    rng = hi - lo
    clamped = torch.where(x > lo, torch.where(x < hi, x, hi), lo)
    q = torch.round((clamped - lo) * to_code)
    return lo + q * rng / n, q


def staircase(x, thresholds, levels):
    """levels[i], i = the number of thresholds strictly below x (the schema's `thresholds` kind)."""
    index = torch.bucketize(x, thresholds, right=False)
    index = torch.where(torch.isnan(x), torch.zeros_like(index), index)
    return levels[index]


def logquant(x, bits, fsr, step, ties="away"):
    """LogQuant: 0, or 2^((fsr + step * idx) / 16) with idx = min(L - 2, round((16 log2 x - fsr) / step)),
    computed in double and rounded once to float32; x <= 0, NaN or idx < 0 give 0. `ties`: "away" rounds
    half away from zero as the official CUDA code does, "even" as the C# runtime did before."""
    levels = 1 << bits
    xd = x.detach().to(torch.float64)
    positive = xd > 0
    t = (16.0 * torch.log2(torch.where(positive, xd, torch.ones_like(xd))) - fsr) / step
    idx = round_half_away(t) if ties == "away" else torch.round(t)
    keep = positive & (idx >= 0)
    idx = torch.clamp(idx, max=levels - 2)
    value = torch.pow(torch.tensor(2.0, dtype=torch.float64), (fsr + step * idx) / 16.0).to(torch.float32)
    return torch.where(keep, value, torch.zeros_like(value))


# ----------------------------------------------------------------------------------------------------
# Alternating multi-bit codes (Xu et al. ICLR 2018), row by row, as runtime AlternatingQuantizer does.


def _multibit_values(alphas, bits):
    """[rows, 2^bits] float32 sums sum_j (+-alpha_j), code m has bit j set for +alpha_j, summed in j order."""
    rows = alphas.shape[0]
    codes = torch.arange(1 << bits)
    values = torch.zeros(rows, 1 << bits, dtype=torch.float32)
    for j in range(bits):
        plus = ((codes >> j) & 1).bool()
        a = alphas[:, j:j + 1]
        values = values + torch.where(plus.unsqueeze(0), a, -a)
    return values


def alternating_codes(x, bits, cycles=2, ties="larger"):
    """Codes each row of a 2-d float32 tensor: x ~ sum_j alpha_j b_j. Returns (reconstruction [rows, n],
    alphas [rows, bits] float32, codes [rows, n] int64 with bit j set where b_j = +1).

    Greedy start (b_j = sign(r) with sign(0) = +1, alpha_j = mean|r| in double rounded to float), then
    `cycles` rounds of least-squares alphas in double (a singular system keeps the alphas) and nearest
    sums. `ties`: which of two equally near sums an element takes: "larger" (the official code, which
    gives an exact 0 the positive code) or "smaller" (the C# runtime before it followed the official rule).
    NaN and infinities are first replaced by 0."""
    x = x.detach().to(torch.float32)
    x = torch.where(torch.isfinite(x), x, torch.zeros_like(x))
    rows, n = x.shape
    residual = x.clone()
    codes = torch.zeros(rows, n, dtype=torch.int64)
    alphas = torch.zeros(rows, bits, dtype=torch.float32)
    for j in range(bits):
        # |r| is exact in float32, so taking it before the widening gives the same doubles in one fewer pass.
        alpha = (residual.abs().to(torch.float64).sum(dim=1) / n).to(torch.float32) if n else torch.zeros(rows)
        alphas[:, j] = alpha
        positive = residual >= 0
        codes |= positive.to(torch.int64) << j
        a = alpha.unsqueeze(1)
        residual = residual - torch.where(positive, a, -a)
    xd = x.to(torch.float64)
    for _ in range(cycles):
        alphas = _least_squares_alphas(xd, codes, bits, alphas)
        codes = _nearest_codes(x, bits, alphas, ties)
    table = _multibit_values(alphas, bits)
    return torch.gather(table, 1, codes), alphas, codes


def _code_signs(bits):
    """[2^bits, bits] float64: entry [m, j] is +1 where code m has bit j set, else -1."""
    codes = torch.arange(1 << bits).unsqueeze(1)
    return ((codes >> torch.arange(bits)) & 1).to(torch.float64) * 2 - 1


def _least_squares_alphas(xd, codes, bits, alphas):
    signs = _code_signs(bits)[codes]  # [rows, n, bits]: one lookup instead of bits shift-and-convert passes
    gram = torch.einsum("rna,rnb->rab", signs, signs)
    rhs = torch.einsum("rna,rn->ra", signs, xd)
    # The Gram matrix holds integers: a rank test is exact. A singular row keeps its alphas (its system is
    # swapped for the identity so that one batched solve, the same LAPACK solve per row, does every row).
    full = torch.linalg.matrix_rank(gram) == bits
    eye = torch.eye(bits, dtype=gram.dtype).expand_as(gram)
    solved = torch.linalg.solve(torch.where(full[:, None, None], gram, eye), torch.where(full[:, None], rhs, torch.zeros_like(rhs)))
    return torch.where(full[:, None], solved.to(torch.float32), alphas)


def _nearest_codes(x, bits, alphas, ties):
    table = _multibit_values(alphas, bits)  # [rows, 2^k]
    sums, order = torch.sort(table, dim=1, stable=True)
    # argmin takes the first of equal distances; for "larger" it runs over the sums in descending order
    # (the small table reversed, not the [rows, n, 2^k] distances), so the first is the largest sum.
    if ties == "larger":
        sums, order = torch.flip(sums, dims=[1]), torch.flip(order, dims=[1])
    distance = torch.sub(x.unsqueeze(2), sums.unsqueeze(1)).abs_()  # [rows, n, 2^k]
    return torch.gather(order, 1, torch.argmin(distance, dim=2))


# ----------------------------------------------------------------------------------------------------
# Weighted-entropy clusters (Park et al. CVPR 2017, Algorithm 1), as tools/QuantGen.Quantizer's WeightedEntropyWeights.


def weighted_entropy_clusters(w, bits):
    """Returns (representatives r_i [2^(k-1)], boundaries b_i [2^(k-1)], float32) of the magnitudes of w."""
    importance = np.sort(np.asarray(w, dtype=np.float64).ravel() ** 2)
    n = importance.size
    half = 1 << (bits - 1)
    prefix = np.concatenate([[0.0], np.cumsum(importance)])
    end = [int(n * (i + 1) // half) for i in range(half)]

    def term(i):
        start = 0 if i == 0 else end[i - 1]
        count = end[i] - start
        if count <= 0:
            return 0.0
        p = count / n
        return -(prefix[end[i]] - prefix[start]) / n * math.log(p / 2)

    def total():
        return sum(term(i) for i in range(half))

    def pair(b):
        return term(b) + term(b + 1)

    def search(b):
        lo = (0 if b == 0 else end[b - 1]) + 1
        hi = end[b + 1] - 1
        if lo > hi:
            return
        original = end[b]
        best = pair(b)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            end[b] = mid
            at_mid = pair(b)
            end[b] = mid + 1
            after_mid = pair(b)
            if at_mid > after_mid:
                hi = mid
            else:
                lo = mid
        end[b] = lo
        at_lo = pair(b)
        end[b] = hi
        at_hi = pair(b)
        candidate, value = (lo, at_lo) if at_lo > at_hi else (hi, at_hi)
        end[b] = candidate if value > best else original

    current = total()
    while True:
        before = current
        for b in range(half - 1):
            search(b)
        current = total()
        if not current > before:
            break

    reps = np.zeros(half, dtype=np.float32)
    bounds = np.zeros(half, dtype=np.float32)
    for i in range(half):
        start = 0 if i == 0 else end[i - 1]
        count = end[i] - start
        if count == 0:
            reps[i] = 0.0 if i == 0 else reps[i - 1]
        else:
            reps[i] = F32(math.sqrt((prefix[end[i]] - prefix[start]) / count))
        bounds[i] = 0.0 if i == 0 else (F32(math.sqrt(importance[start])) if start < n else np.inf)
    return reps, bounds


# ----------------------------------------------------------------------------------------------------
# LogQuant's parameter search (Park et al. Algorithm 2), as tools/QuantGen.Quantizer's LogQuantSearch.


def logquant_search(samples, bits, min_step=2, max_step=32):
    """The (fsr, step) of largest weighted entropy over the positive samples, or None when none is positive."""
    v = np.asarray(samples, dtype=np.float32).ravel()
    v = v[(v > 0) & np.isfinite(v)]
    if v.size == 0:
        return None
    bins = np.floor(16.0 * np.log2(v.astype(np.float64))).astype(np.int64)
    first, last = int(bins.min()), int(bins.max())
    counts = np.bincount(bins - first, minlength=last - first + 1)
    cumulative = np.concatenate([[0], np.cumsum(counts)])
    total = int(cumulative[-1])

    def below(b):
        return int(cumulative[min(max(b - first, 0), len(cumulative) - 1)])

    levels = 1 << bits
    best = (first, min_step, -math.inf)
    for step in range(min_step, max_step + 1, 2):
        half = step // 2
        for fsr in range(first - half + 1, last + half + 1):
            s = 0.0
            for i in range(1, levels):
                lo = fsr + half * (2 * i - 3)
                count = total - below(lo) if i == levels - 1 else below(lo + step) - below(lo)
                if count == 0:
                    continue
                p = count / total
                s -= 2.0 ** ((fsr + (i - 1.0) * step) / 16.0) * p * math.log(p)
            if s > best[2]:
                best = (fsr, step, s)
    return best[0], best[1]


# ----------------------------------------------------------------------------------------------------
# HWGQ's half-wave Gaussian step, as tools/QuantGen.Quantizer's HalfWaveGaussian.UniformStep.


def half_wave_gaussian_step(count):
    """The step D of `count` evenly spaced centers D..count*D minimising the squared error on the
    half-normal (Lloyd): 1, 3, 7, 15 centers give 0.797885, 0.538812, 0.321729, 0.184243."""

    def tail(a):
        return 0.0 if math.isinf(a) else math.erfc(a / math.sqrt(2.0))

    def phi(a):
        return 0.0 if math.isinf(a) else math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)

    step = 1.0 / count
    for _ in range(100000):
        num = den = 0.0
        for i in range(1, count + 1):
            lo = 0.0 if i == 1 else (i - 0.5) * step
            hi = math.inf if i == count else (i + 0.5) * step
            num += i * 2.0 * (phi(lo) - phi(hi))
            den += i * i * (tail(lo) - tail(hi))
        nxt = num / den
        if abs(nxt - step) < 1e-13:
            return nxt
        step = nxt
    return step
