"""Export of a trained nn.Sequential of quantgen_torch layers to a quantgen.v1 description (the protobuf
JSON mapping of generator/QuantGen.Schema/Protos/quantgen.proto, docs/schema.md).

Every weight is written in the codec its quantizer names, with the codes the forward used, so the
generated code computes what PyTorch's fake-quantized forward computed (up to the order of float
additions). Floats are written as the exact float32 values (Python's repr of the double that holds
them, which the schema's reader rounds back to the same float32).

Supported modules, in a chain: QLinear / nn.Linear, QConv2d / nn.Conv2d, nn.MaxPool2d, nn.Flatten,
nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax, QEmbedding / nn.Embedding (first), QLSTM, QGRU, and a bare
activation quantizer, which becomes the next layer's input quantizer.
"""

import base64
import json

import numpy as np
import torch
from torch import nn

from .layers import QConv2d, QEmbedding, QGRU, QLinear, QLSTM
from .quantizers import ActivationQuantizer, Encoded

F32 = np.float32


def _floats(t):
    return [float(v) for v in np.asarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t, dtype=F32).ravel()]


def pack_bits(bits_per_value, values):
    """Code i in stream bits [i k, (i + 1) k), bit n of the stream = bit n % 8 of byte n / 8; base64."""
    values = np.asarray(values, dtype=np.int64).ravel()
    k = bits_per_value
    bits = ((values[:, None] >> np.arange(k)) & 1).astype(np.uint8).ravel()
    return base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode("ascii")


def codec(e: Encoded):
    """The schema's Weights message for an Encoded tensor."""
    if e.kind == "uniform":
        codes = np.asarray(e.codes, dtype=np.int64) & ((1 << e.bits) - 1)
        out = {"bits": e.bits, "signed": bool(e.signed), "scales": _floats(e.scales), "codes": pack_bits(e.bits, codes)}
        if e.zero_points is not None:
            out["zeroPoints"] = [int(z) for z in np.asarray(e.zero_points).ravel()]
        return {"uniform": out}
    if e.kind == "levels":
        return {"levels": {"bits": e.bits, "levels": _floats(e.levels), "codes": pack_bits(e.bits, e.codes)}}
    if e.kind == "multibinary":
        rows = e.coefficients.shape[0]
        codes = np.asarray(e.codes, dtype=np.int64).reshape(rows, -1)
        planes = np.stack([(codes >> j) & 1 for j in range(e.bits)])  # [k, rows, cols]: (j R + r) C + c
        return {"multiBinary": {"bits": e.bits, "coefficients": _floats(e.coefficients), "planes": pack_bits(1, planes)}}
    raise ValueError(e.kind)


def _weights(param, quantizer):
    if quantizer is None:
        return {"float32": {"values": _floats(param)}}
    return codec(quantizer.encode(param.detach()))


def _recurrent(module):
    options = {}
    if module.sigmoid_candidate:
        options["sigmoidCandidate"] = True
    if module.hidden_quantizer is not None:
        options["hiddenQuantizer"] = module.hidden_quantizer.export()
    if module.recurrent_quantizer is not None:
        options["recurrentQuantizer"] = module.recurrent_quantizer.export()
    body = {
        "inputSize": module.input_size,
        "hiddenSize": module.hidden_size,
        "inputWeights": _weights(module.weight_ih, module.input_weight_quantizer),
        "recurrentWeights": _weights(module.weight_hh, module.recurrent_weight_quantizer),
    }
    if module.bias_ih is not None:
        body["inputBias"] = _floats(module.bias_ih)
        body["recurrentBias"] = _floats(module.bias_hh)
    if options:
        body["options"] = options
    return body


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def export_model(model, input_shape, name="model", doc="", input_name="input", output_name="output"):
    """The description of `model` (an nn.Sequential) as a dict. `input_shape` without the batch: e.g. [64],
    [1, 8, 8]; [1] for a token model (first layer an embedding)."""
    shape = list(input_shape)
    layers = []
    pending = None
    modules = list(model) if isinstance(model, nn.Sequential) else [model]
    counts = {}

    def add(kind, body, module_quantizer=None):
        nonlocal pending
        counts[kind] = counts.get(kind, 0) + 1
        layer = {"name": f"{kind}{counts[kind]}"}
        quantizer = module_quantizer
        if pending is not None:
            if quantizer is not None:
                raise ValueError(f"{layer['name']}: two input quantizers")
            quantizer, pending = pending, None
        if quantizer is not None:
            layer["inputQuantizer"] = quantizer.export()
        layer[kind] = body
        layers.append(layer)

    for m in modules:
        if isinstance(m, ActivationQuantizer):
            if pending is not None:
                raise ValueError("two activation quantizers in a row")
            pending = m
        elif isinstance(m, nn.Linear):
            body = {"inFeatures": m.in_features, "outFeatures": m.out_features,
                    "weights": _weights(m.weight, getattr(m, "weight_quantizer", None))}
            if m.bias is not None:
                body["bias"] = _floats(m.bias)
            add("dense", body, getattr(m, "input_quantizer", None))
            shape = [m.out_features]
        elif isinstance(m, nn.Conv2d):
            c, h, w = shape
            kh, kw = _pair(m.kernel_size)
            sh, sw = _pair(m.stride)
            ph, pw = _pair(m.padding)
            if _pair(m.dilation) != (1, 1) or m.groups != 1 or m.padding_mode != "zeros":
                raise ValueError("Conv2d: dilation 1, groups 1 and zero padding only")
            weight = m.weight.detach().reshape(m.out_channels, -1)
            body = {"inChannels": c, "outChannels": m.out_channels, "height": h, "width": w, "kernelH": kh, "kernelW": kw,
                    "strideH": sh, "strideW": sw, "paddingH": ph, "paddingW": pw}
            q = getattr(m, "weight_quantizer", None)
            body["weights"] = {"float32": {"values": _floats(weight)}} if q is None else codec(q.encode(m.weight.detach()))
            if m.bias is not None:
                body["bias"] = _floats(m.bias)
            add("conv2d", body, getattr(m, "input_quantizer", None))
            shape = [m.out_channels, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1]
        elif isinstance(m, nn.MaxPool2d):
            c, h, w = shape
            kh, kw = _pair(m.kernel_size)
            sh, sw = _pair(m.stride if m.stride is not None else m.kernel_size)
            ph, pw = _pair(m.padding)
            add("maxPool2d", {"channels": c, "height": h, "width": w, "kernelH": kh, "kernelW": kw,
                              "strideH": sh, "strideW": sw, "paddingH": ph, "paddingW": pw})
            shape = [c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1]
        elif isinstance(m, nn.Flatten):
            add("flatten", {})
            shape = [int(np.prod(shape))]
        elif isinstance(m, nn.ReLU):
            add("relu", {})
        elif isinstance(m, nn.Sigmoid):
            add("sigmoid", {})
        elif isinstance(m, nn.Tanh):
            add("tanh", {})
        elif isinstance(m, nn.Softmax):
            add("softmax", {})
        elif isinstance(m, nn.Embedding):
            if layers:
                raise ValueError("an embedding must be the first layer")
            add("embedding", {"numEmbeddings": m.num_embeddings, "embeddingDim": m.embedding_dim,
                              "weights": _weights(m.weight, getattr(m, "weight_quantizer", None))})
            shape = [m.embedding_dim]
        elif isinstance(m, (QLSTM, QGRU)):
            add("lstm" if isinstance(m, QLSTM) else "gru", _recurrent(m), m.input_quantizer)
            shape = [m.hidden_size]
        else:
            raise ValueError(f"cannot export {type(m).__name__}")
    if pending is not None:
        raise ValueError("an activation quantizer at the end quantizes nothing")
    return {
        "schema": "quantgen.v1",
        "name": name,
        "doc": doc,
        "inputs": [{"name": input_name, "shape": list(input_shape)}],
        "outputs": [{"name": output_name, "shape": [int(np.prod(shape))] if len(shape) != 1 else shape}],
        "layers": layers,
    }


def save_model(description, path):
    """Writes the description as JSON, one layer per line block, float lists on one line."""
    with open(path, "w", newline="\n") as f:
        json.dump(description, f, separators=(",", ":"))
        f.write("\n")
