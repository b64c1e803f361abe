#!/usr/bin/python3
"""Writes ONNX test folders (model.onnx + test_data_set_0/{input,output}_N.pb, the layout of
ONNX's backend node tests) for cases ONNX's own tests do not cover. Expected outputs come from
numpy, never from blobc. Needs Debian's python3-onnx and python3-numpy:
    /usr/bin/python3 tests/data/onnx-gen/gen.py tests/data/onnx-gen
Deterministic (seeded): running it again rewrites the same bytes."""
import os, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(18)


def write(name, nodes, inputs, outputs, inits=(), opset=13):
    """inputs/outputs: lists of (name, array); the model's value infos follow the arrays. Models of
    opset 18 (newer than Debian's onnx 1.12 checker) are written unchecked."""
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    vi = lambda n, a: helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype], a.shape)
    g = helper.make_graph(nodes, name, [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs],
                          initializer=[numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(g, producer_name="blobc-gen", opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    if opset <= 17:
        onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, "model.onnx"))
    for kind, lst in (("input", inputs), ("output", outputs)):
        for i, (n, a) in enumerate(lst):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(a, n).SerializeToString())


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# Concat of 90 pieces (SSDLite's heads: more than the 64 inputs blobc once took)
xs = [(f"x{i}", f32(1, 1 + i % 3, 4)) for i in range(90)]
write("gen_concat_90_inputs", [helper.make_node("Concat", [n for n, _ in xs], ["y"], axis=1)], xs,
      [("y", np.concatenate([a for _, a in xs], axis=1))])

# Sum and Mean of 70 inputs, with broadcasting
xs = [(f"x{i}", f32(2, 3, 4) if i % 2 else f32(3, 1)) for i in range(70)]
s = np.zeros((2, 3, 4), np.float64)
for _, a in xs:
    s = s + a
write("gen_sum_70_inputs", [helper.make_node("Sum", [n for n, _ in xs], ["y"])], xs, [("y", s.astype(np.float32))])
write("gen_mean_70_inputs", [helper.make_node("Mean", [n for n, _ in xs], ["y"])], xs,
      [("y", (s / 70).astype(np.float32))])

# Mish (ONNX added the op in opset 18, after v1.12.0's node tests): x * tanh(softplus(x)), numpy
x = (rng.standard_normal((2, 3, 8)) * 3).astype(np.float32)
write("gen_mish", [helper.make_node("Mish", ["x"], ["y"])], [("x", x)],
      [("y", (x * np.tanh(np.log1p(np.exp(x.astype(np.float64))))).astype(np.float32))], opset=18)

# Mod with fmod=0 on floats (mo and MYRIAD: FloorMod), numpy broadcasting; inputs are multiples
# of 1/8 so FP16 holds them and every remainder exactly; numpy.mod gives the divisor's sign
x = (rng.integers(-80, 80, (2, 3, 4)) / 8).astype(np.float32)
y = (rng.integers(1, 24, (3, 1)) * rng.choice([-1, 1], (3, 1)) / 8).astype(np.float32)
write("gen_mod_floor_float", [helper.make_node("Mod", ["x", "y"], ["z"])], [("x", x), ("y", y)],
      [("z", np.mod(x, y))])

# 3-D cases of the indexed data-movement ops (ONNX's own tests are 2-D), numpy's answers
d = f32(2, 3, 4)
i = rng.integers(-4, 4, (2, 3, 5)).astype(np.int64)
write("gen_gather_elements_3d_last_axis", [helper.make_node("GatherElements", ["d", "i"], ["y"], axis=2)],
      [("d", d), ("i", i)], [("y", np.take_along_axis(d, np.where(i < 0, i + 4, i), axis=2))])
i = rng.integers(0, 3, (2, 2, 4)).astype(np.int64)
write("gen_gather_elements_3d_axis1", [helper.make_node("GatherElements", ["d", "i"], ["y"], axis=1)],
      [("d", d), ("i", i)], [("y", np.take_along_axis(d, i, axis=1))])
u = f32(2, 3, 2)
i = np.array([[[0, 3], [1, 2], [3, 0]], [[2, 1], [0, 3], [1, 2]]], np.int64)
ref = d.copy()
np.put_along_axis(ref, i, u, axis=2)
write("gen_scatter_elements_3d_last_axis",
      [helper.make_node("ScatterElements", ["d", "i", "u"], ["y"], axis=2)],
      [("d", d), ("i", i), ("u", u)], [("y", ref)])
x = f32(5, 3, 4)
lens = np.array([5, 2, 1], np.int64)
ref = x.copy()
for b, n in enumerate(lens):
    ref[:n, b] = x[:n, b][::-1]
write("gen_reverse_sequence_3d", [helper.make_node("ReverseSequence", ["x", "l"], ["y"], batch_axis=1, time_axis=0)],
      [("x", x), ("l", lens)], [("y", ref)], opset=10)

# Mod with fmod=1 (C fmod: the dividend's sign), broadcast divisor of both signs, numpy.fmod
x = (rng.integers(-80, 80, (2, 3, 4)) / 8).astype(np.float32)
y = (rng.integers(1, 24, (1, 4)) * rng.choice([-1, 1], (1, 4)) / 8).astype(np.float32)
write("gen_mod_fmod_float_broadcast", [helper.make_node("Mod", ["x", "y"], ["z"], fmod=1)],
      [("x", x), ("y", y)], [("z", np.fmod(x, y))])

# Pad of tensors under 4 dims (torchvision's detection transform pads a 3-D image; MYRIAD's Pad
# stage takes 4D only, blobc runs them as a 4-D Pad of the same memory), numpy's answers
x = f32(3, 5, 6)
pads = np.array([0, 1, 2, 1, 0, 3], np.int64)
write("gen_pad_3d_constant", [helper.make_node("Pad", ["x", "pads", "v"], ["y"], mode="constant")],
      [("x", x)], [("y", np.pad(x, ((0, 1), (1, 0), (2, 3)), constant_values=0.5))],
      inits=[("pads", pads), ("v", np.array(0.5, np.float32))])
x = f32(4, 7)
write("gen_pad_2d_reflect", [helper.make_node("Pad", ["x", "pads"], ["y"], mode="reflect")],
      [("x", x)], [("y", np.pad(x, ((1, 2), (3, 1)), mode="reflect"))],
      inits=[("pads", np.array([1, 3, 2, 1], np.int64))])
x = f32(2, 3, 4)
write("gen_pad_3d_edge", [helper.make_node("Pad", ["x", "pads"], ["y"], mode="edge")],
      [("x", x)], [("y", np.pad(x, ((0, 0), (2, 0), (1, 2)), mode="edge"))],
      inits=[("pads", np.array([0, 2, 1, 0, 0, 2], np.int64))])
