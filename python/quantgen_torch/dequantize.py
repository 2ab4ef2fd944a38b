"""Reads a description's weights back to the float32 values the generated code multiplies by: the inverse
of export.codec, decoded as quantizers.decode (the reference interpreter's reading) does. Lets a training
run start from an earlier export (python/recipes/charlm_qat.py --init-export)."""

import base64

import numpy as np

from .quantizers import F32, Encoded, decode


def unpack_bits(bits_per_value, text, count):
    """export.pack_bits's inverse: `count` unsigned codes of `bits_per_value` bits from base64 `text`."""
    stream = np.unpackbits(np.frombuffer(base64.b64decode(text), dtype=np.uint8), bitorder="little")
    k = bits_per_value
    if stream.size < count * k:
        raise ValueError(f"{count} codes of {k} bits need {count * k} bits; the stream has {stream.size}")
    bits = stream[: count * k].reshape(count, k).astype(np.int64)
    return (bits << np.arange(k)).sum(axis=1)


def weights_values(weights, shape):
    """The float32 values ([rows, ...] = shape) of a schema Weights message (the JSON dict)."""
    shape = tuple(int(d) for d in shape)
    rows, count = shape[0], int(np.prod(shape))
    if "float32" in weights:
        values = np.asarray(weights["float32"]["values"], dtype=F32)
        if values.size != count:
            raise ValueError(f"float32 weights: {values.size} values for shape {list(shape)}")
        return values.reshape(shape)
    if "uniform" in weights:
        u = weights["uniform"]
        codes = unpack_bits(u["bits"], u["codes"], count)
        if u.get("signed"):
            codes = np.where(codes >= 1 << (u["bits"] - 1), codes - (1 << u["bits"]), codes)
        zp = u.get("zeroPoints")
        e = Encoded("uniform", u["bits"], codes, signed=bool(u.get("signed")), scales=np.asarray(u["scales"], dtype=F32),
                    zero_points=None if zp is None else np.asarray(zp, dtype=np.int64))
    elif "levels" in weights:
        lv = weights["levels"]
        e = Encoded("levels", lv["bits"], unpack_bits(lv["bits"], lv["codes"], count), levels=np.asarray(lv["levels"], dtype=F32))
    elif "multiBinary" in weights:
        mb = weights["multiBinary"]
        k = mb["bits"]
        planes = unpack_bits(1, mb["planes"], k * count).reshape(k, count)  # plane j: bit j of every code
        codes = (planes << np.arange(k).reshape(k, 1)).sum(axis=0)
        e = Encoded("multibinary", k, codes, coefficients=np.asarray(mb["coefficients"], dtype=F32).reshape(rows, k))
    else:
        raise ValueError(f"weights: expected float32, uniform, levels or multiBinary, got {sorted(weights)}")
    return decode(e, shape)
