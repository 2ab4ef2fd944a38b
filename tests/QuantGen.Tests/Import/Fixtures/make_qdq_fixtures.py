#!/usr/bin/python3
"""Build already-quantized (QDQ) ONNX models with the onnx helper API.

Debian has no onnxruntime for Python (so no onnxruntime.quantization.quantize_static), so the graphs are
written node by node in the two forms quantized models come in:

  - ONNX Runtime's quantize_static (QDQ format): INT8 weights (per output channel or per tensor) and INT32
    biases as initializers behind DequantizeLinear; a QuantizeLinear/DequantizeLinear pair (UINT8, or INT8 with
    a zero point) on the graph input and on every activation, the graph output included.
  - PyTorch's QAT export: the float weight quantized in the graph (QuantizeLinear of a float initializer, then
    DequantizeLinear), activations as above.

Run from anywhere (paths are relative to this file), with Debian's packages:

    apt-get install -y python3-numpy python3-onnx
    /usr/bin/python3 tests/QuantGen.Tests/Import/Fixtures/make_qdq_fixtures.py

  qdq_mlp.opset13.onnx    x [batch, 16] -> QDQ -> Gemm (INT8 per-channel, INT32 bias) -> QDQ -> Relu -> QDQ
                          -> Gemm (INT8 per-tensor codes in -8..7: a 4-bit model) -> QDQ -> y [batch, 10]
  qdq_conv.opset13.onnx   x [batch, 1, 8, 8] -> QDQ (INT8, zero point -3) -> Conv 3x3 pad 1 (INT8 per-channel, INT32
                          bias) -> QDQ -> Relu -> QDQ -> Flatten -> Gemm (UINT8 codes, zero point 131, transB 0) -> QDQ -> y
  qat_linear.opset13.onnx x [batch, 12] -> QDQ -> Gemm (float weight -> QuantizeLinear -> DequantizeLinear, per tensor,
                          float bias) -> Tanh -> y (no output quantization)
  dynq_matmul.opset13.onnx  x [batch, 20] -> DynamicQuantizeLinear -> MatMulInteger (INT8 [20, 7], zero point 0, a scale
                          per output column) -> Cast -> Mul (x scale x weight scale) -> Add bias -> y [batch, 7], as
                          ONNX Runtime's quantize_dynamic(per_channel=True) writes a MatMul
Every file passes onnx.checker. ONNX Runtime is the oracle (the C# tests run these files).
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13


class Graph:
    def __init__(self, rng):
        self.rng = rng
        self.nodes, self.inits = [], []

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op, inputs, name, **attrs):
        out = name + "_out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def qdq(self, x, name, scale, zero, dtype=np.uint8, out=None):
        s = self.init(name + ".scale", np.array(scale, np.float32))
        z = self.init(name + ".zero", np.array(zero, dtype))
        q = self.node("QuantizeLinear", [x, s, z], name + "/QuantizeLinear")
        if out is None:
            return self.node("DequantizeLinear", [q, s, z], name + "/DequantizeLinear")
        self.nodes.append(helper.make_node("DequantizeLinear", [q, s, z], [out], name=name + "/DequantizeLinear"))
        return out

    def weight(self, name, codes, scales, zeros, axis=None):
        """An integer weight behind DequantizeLinear (per tensor, or per index of axis)."""
        c = self.init(name + ".codes", codes)
        s = self.init(name + ".scale", np.array(scales, np.float32))
        z = self.init(name + ".zero", np.array(zeros, codes.dtype))
        attrs = {} if axis is None else {"axis": axis}
        return self.node("DequantizeLinear", [c, s, z], name + "/DequantizeLinear", **attrs)

    def bias(self, name, values, scale):
        """ONNX Runtime's INT32 bias with scale = input scale x weight scale (per channel), zero point 0."""
        codes = np.round(values / scale).astype(np.int32)
        c = self.init(name + ".codes", codes)
        s = self.init(name + ".scale", np.array(scale, np.float32))
        return self.node("DequantizeLinear", [c, s], name + "/DequantizeLinear", axis=0)

    def save(self, name, inputs, outputs):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="make_qdq_fixtures.py")
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(HERE, f"{name}.opset{OPSET}.onnx"))


def per_channel(rng, rows, cols):
    codes = rng.integers(-127, 128, size=(rows, cols)).astype(np.int8)
    scales = rng.uniform(0.002, 0.02, size=rows).astype(np.float32)
    return codes, scales


def qdq_mlp(rng):
    g = Graph(rng)
    x = g.qdq("x", "input", 4.0 / 255, 128)
    w1, s1 = per_channel(rng, 32, 16)
    h = g.node("Gemm", [x, g.weight("fc1.weight", w1, s1, np.zeros(32, np.int8), axis=0),
                        g.bias("fc1.bias", rng.uniform(-0.3, 0.3, 32), s1 * np.float32(4.0 / 255))], "/fc1/Gemm", transB=1)
    h = g.qdq(h, "/fc1/output", 6.0 / 255, 110)
    h = g.node("Relu", [h], "/relu/Relu")
    h = g.qdq(h, "/relu/output", 3.0 / 255, 0)
    w2 = rng.integers(-8, 8, size=(10, 32)).astype(np.int8)
    y = g.node("Gemm", [h, g.weight("fc2.weight", w2, 0.05, np.int8(0)), g.init("fc2.bias", rng.uniform(-0.2, 0.2, 10).astype(np.float32))],
               "/fc2/Gemm", transB=1)
    g.qdq(y, "/fc2/output", 8.0 / 255, 120, out="y")
    g.save("qdq_mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16])],
           [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])])


def qdq_conv(rng):
    g = Graph(rng)
    x = g.qdq("x", "input", 4.0 / 255, -3, dtype=np.int8)
    w, s = per_channel(rng, 4, 9)
    h = g.node("Conv", [x, g.weight("conv.weight", w.reshape(4, 1, 3, 3), s, np.zeros(4, np.int8), axis=0),
                        g.bias("conv.bias", rng.uniform(-0.2, 0.2, 4), s * np.float32(4.0 / 255))], "/conv/Conv",
               kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    h = g.qdq(h, "/conv/output", 5.0 / 255, 100)
    h = g.node("Relu", [h], "/relu/Relu")
    h = g.qdq(h, "/relu/output", 2.5 / 255, 0)
    h = g.node("Flatten", [h], "/flatten/Flatten", axis=1)
    codes = rng.integers(100, 163, size=(256, 6)).astype(np.uint8)
    y = g.node("Gemm", [h, g.weight("fc.weight", codes, 0.01, 131), g.init("fc.bias", rng.uniform(-0.1, 0.1, 6).astype(np.float32))], "/fc/Gemm")
    g.qdq(y, "/fc/output", 6.0 / 255, 128, out="y")
    g.save("qdq_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 8, 8])],
           [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 6])])


def qat_linear(rng):
    g = Graph(rng)
    x = g.qdq("x", "input", 4.0 / 255, 128)
    weight = g.init("fc.weight", rng.normal(0, 0.3, size=(5, 12)).astype(np.float32))
    s = g.init("fc.weight.scale", np.array(0.01, np.float32))
    z = g.init("fc.weight.zero", np.array(0, np.int8))
    q = g.node("QuantizeLinear", [weight, s, z], "/fc/weight/QuantizeLinear")
    w = g.node("DequantizeLinear", [q, s, z], "/fc/weight/DequantizeLinear")
    h = g.node("Gemm", [x, w, g.init("fc.bias", rng.uniform(-0.2, 0.2, 5).astype(np.float32))], "/fc/Gemm", transB=1)
    g.nodes.append(helper.make_node("Tanh", [h], ["y"], name="/tanh/Tanh"))
    g.save("qat_linear", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 12])],
           [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])])


def dynq_matmul(rng):
    g = Graph(rng)
    d = helper.make_node("DynamicQuantizeLinear", ["x"], ["x_q", "x_scale", "x_zero"], name="/fc/MatMul_quant")
    g.nodes.append(d)
    w = g.init("fc.weight_quantized", rng.integers(-127, 128, size=(20, 7)).astype(np.int8))
    wz = g.init("fc.weight_zero_point", np.zeros(7, np.int8))
    ws = g.init("fc.weight_scale", rng.uniform(0.002, 0.01, size=7).astype(np.float32))
    product = g.node("MatMulInteger", ["x_q", w, "x_zero", wz], "/fc/MatMul_quant_MatMulInteger")
    cast = g.node("Cast", [product], "/fc/MatMul_quant_Cast", to=TensorProto.FLOAT)
    scale = g.node("Mul", ["x_scale", ws], "/fc/MatMul_quant_scales_mul")
    y = g.node("Mul", [cast, scale], "/fc/MatMul_quant_output_scale_mul")
    g.nodes.append(helper.make_node("Add", [y, g.init("fc.bias", rng.uniform(-0.2, 0.2, 7).astype(np.float32))], ["y"], name="/fc/Add"))
    g.save("dynq_matmul", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 20])],
           [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 7])])


def main():
    rng = np.random.default_rng(1717)
    qdq_mlp(rng)
    qdq_conv(rng)
    qat_linear(rng)
    dynq_matmul(rng)


if __name__ == "__main__":
    main()
