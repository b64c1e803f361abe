#!/usr/bin/python3
"""Writes QDQ-exported conv models (model.onnx + test_data_set_0/{input,output}_N.pb, the layout of
ONNX's backend node tests): constant float weights -> QuantizeLinear -> DequantizeLinear -> Conv,
and int8 weights -> DequantizeLinear -> Conv. Expected outputs come from numpy (quantization as
ONNX's reference computes it, convolution in float64), never from blobc. Needs Debian's
python3-onnx and python3-numpy:
    /usr/bin/python3 tests/data/onnx-qdq/gen.py tests/data/onnx-qdq
Deterministic (seeded): running it again rewrites the same bytes. The test_* folders beside it
are ONNX v1.12.0's own node tests (Apache-2.0, LICENSE)."""
import os, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1813)


def write(name, nodes, inputs, outputs, inits, opset):
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    vi = lambda n, a: helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype], a.shape)
    g = helper.make_graph(nodes, name, [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs],
                          initializer=[numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(g, producer_name="blobc-gen", opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, "model.onnx"))
    for kind, lst in (("input", inputs), ("output", outputs)):
        for i, (n, a) in enumerate(lst):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(a, n).SerializeToString())


def quantize(w, s, z, lo, hi):
    """ONNX's reference: float32 division, round half to even, saturate."""
    return np.clip(np.rint(np.divide(w, s)) + z, lo, hi)


def dequantize(q, s, z):
    return (q.astype(np.float32) - z.astype(np.float32)) * s


def conv(x, w, b, pad):
    """NCHW convolution, stride 1, symmetric zero padding, in float64."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    y = np.zeros((n, o, h - kh + 1, wd - kw + 1))
    for i in range(kh):
        for j in range(kw):
            y += np.einsum("nchw,oc->nohw", x[:, :, i:i + y.shape[2], j:j + y.shape[3]], w[:, :, i, j].astype(np.float64))
    return (y + b.astype(np.float64)[None, :, None, None]).astype(np.float32)


x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
b = rng.standard_normal(4).astype(np.float32)

# opset 13, per output channel (axis 0), int8 with zero points: weights on the quantization grid
# at .5 ties (round half to even decides them) and some beyond the int8 range (saturation)
s = np.array([0.02, 0.05, 0.01, 0.04], np.float32)
z = np.array([0, 3, -5, 1], np.int8)
w = (rng.integers(-140, 140, (4, 3, 3, 3)) + 0.5).astype(np.float32) * s[:, None, None, None]
w[0, 0, 0, 0] = 9.0  # saturates at 127
wq = dequantize(quantize(w, s[:, None, None, None], z[:, None, None, None], -128, 127),
                s[:, None, None, None], z[:, None, None, None])
write("gen_qdq_conv_per_channel_int8",
      [helper.make_node("QuantizeLinear", ["w", "s", "z"], ["wq"], axis=0),
       helper.make_node("DequantizeLinear", ["wq", "s", "z"], ["wd"], axis=0),
       helper.make_node("Conv", ["x", "wd", "b"], ["y"], pads=[1, 1, 1, 1])],
      [("x", x)], [("y", conv(x, wq, b, 1))], [("w", w), ("s", s), ("z", z), ("b", b)], 13)

# opset 10, per tensor, uint8 with zero point 128
s1 = np.array(0.03, np.float32)
z1 = np.array(128, np.uint8)
w1 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 2
wq1 = dequantize(quantize(w1, s1, z1, 0, 255), s1, z1)
write("gen_qdq_conv_per_tensor_uint8_opset10",
      [helper.make_node("QuantizeLinear", ["w", "s", "z"], ["wq"]),
       helper.make_node("DequantizeLinear", ["wq", "s", "z"], ["wd"]),
       helper.make_node("Conv", ["x", "wd", "b"], ["y"])],
      [("x", x)], [("y", conv(x, wq1, b, 0))], [("w", w1), ("s", s1), ("z", z1), ("b", b)], 10)

# int8 weights stored quantized (onnxruntime's static quantization): DequantizeLinear -> Conv
q2 = rng.integers(-128, 128, (4, 3, 3, 3)).astype(np.int8)
s2 = np.array([0.01, 0.02, 0.005, 0.03], np.float32)
z2 = np.zeros(4, np.int8)
write("gen_dq_conv_int8_weights",
      [helper.make_node("DequantizeLinear", ["q", "s", "z"], ["wd"], axis=0),
       helper.make_node("Conv", ["x", "wd", "b"], ["y"], pads=[1, 1, 1, 1])],
      [("x", x)], [("y", conv(x, dequantize(q2, s2[:, None, None, None], z2[:, None, None, None]), b, 1))],
      [("q", q2), ("s", s2), ("z", z2), ("b", b)], 13)

# a quantized u8 image fed to the model (mo: Convert + Subtract + Multiply; blobc: Convert, then
# Power per tensor or ScaleShift per channel), then a Conv so the result goes on through the net
xq = rng.integers(0, 256, (1, 3, 6, 6)).astype(np.uint8)
s3 = np.array([0.02, 0.015, 0.03], np.float32)
z3 = np.array([128, 120, 140], np.uint8)
xd = dequantize(xq, s3[None, :, None, None], z3[None, :, None, None])
write("gen_dq_u8_input_per_channel",
      [helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["xd"], axis=1),
       helper.make_node("Conv", ["xd", "w", "b"], ["y"], pads=[1, 1, 1, 1])],
      [("xq", xq)], [("y", conv(xd, w, b, 1))], [("s", s3), ("z", z3), ("w", w), ("b", b)], 13)
s4 = np.array(0.0125, np.float32)
z4 = np.array(100, np.uint8)
write("gen_dq_u8_input_per_tensor",
      [helper.make_node("DequantizeLinear", ["xq", "s", "z"], ["y"])],
      [("xq", xq)], [("y", dequantize(xq, s4, z4))], [("s", s4), ("z", z4)], 10)
