#!/usr/bin/python3
"""ONNX test folders (model.onnx + test_data_set_0/{input,output}_N.pb) for MeanVarianceNormalization,
LpNormalization, MaxRoiPool and RoiAlign cases ONNX v1.12.0's node tests do not cover (or cover
only with 4-decimal expected values). Expected outputs come from numpy, written here from the ONNX
operator specifications, never from blobc. Needs Debian's python3-onnx and python3-numpy:
    /usr/bin/python3 tests/data/onnx-gen/gen_seq.py tests/data/onnx-gen
Deterministic (seeded): running it again rewrites the same bytes."""
import math, os, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1818)


def write(name, nodes, inputs, outputs, opset=13, inits=()):
    """inputs/outputs: lists of (name, array); the model's value infos follow the arrays; inits:
    (name, array) initializers (constant weights)."""
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    vi = lambda n, a: helper.make_tensor_value_info(n, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype], a.shape)
    g = helper.make_graph(nodes, name, [vi(n, a) for n, a in inputs], [vi(n, a) for n, a in outputs],
                          initializer=[numpy_helper.from_array(a, n) for n, a in inits])
    m = helper.make_model(g, producer_name="blobc-gen", opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(d, "model.onnx"))
    for kind, lst in (("input", inputs), ("output", outputs)):
        for i, (n, a) in enumerate(lst):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(a, n).SerializeToString())


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# MeanVarianceNormalization (ONNX function body: eps 1e-9 added to the standard deviation)
def mvn(x, axes):
    x = x.astype(np.float64)
    m = x.mean(axis=axes, keepdims=True)
    return ((x - m) / (np.sqrt(((x - m) ** 2).mean(axis=axes, keepdims=True)) + 1e-9)).astype(np.float32)


for name, shape, axes in (("gen_mvn_axes_123", (2, 3, 4, 5), [1, 2, 3]),
                          ("gen_mvn_3d_axes_2", (2, 4, 6), [2]),
                          ("gen_mvn_default_n1", (1, 3, 4, 4), None)):
    x = f32(*shape) * 2 + 1
    kw = {"axes": axes} if axes else {}
    write(name, [helper.make_node("MeanVarianceNormalization", ["x"], ["y"], **kw)], [("x", x)],
          [("y", mvn(x, tuple(axes or [0, 2, 3])))])


# LpNormalization: x / (sum over axis of |x|^p)^(1/p)
def lpn(x, axis, p):
    x = x.astype(np.float64)
    n = (np.abs(x) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)
    return (x / n).astype(np.float32)


for name, shape, axis, p in (("gen_lpnormalization_p2_axis1", (2, 5, 3, 4), 1, 2),
                             ("gen_lpnormalization_p2_default", (2, 3, 7), None, None),
                             ("gen_lpnormalization_p1_axis1", (2, 4, 6), 1, 1),
                             ("gen_lpnormalization_p1_last", (3, 8), -1, 1)):
    x = f32(*shape)
    kw = {}
    if axis is not None:
        kw["axis"] = axis
    if p is not None:
        kw["p"] = p
    write(name, [helper.make_node("LpNormalization", ["x"], ["y"], **kw)], [("x", x)],
          [("y", lpn(x, -1 if axis is None else axis, 2 if p is None else p))])


# MaxRoiPool (Caffe's ROIPooling, as ONNX Runtime implements it): roi corners rounded half away
# from zero after spatial_scale, bins floor/ceil of (roi size + 1) / pooled size, empty bins 0
def max_roi_pool(x, rois, ph, pw, scale):
    N, C, H, W = x.shape
    y = np.zeros((len(rois), C, ph, pw), np.float32)
    rnd = lambda v: math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)
    for r, (b, x1, y1, x2, y2) in enumerate(rois):
        x1, y1, x2, y2 = (rnd(v * scale) for v in (x1, y1, x2, y2))
        rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        bh, bw = rh / ph, rw / pw
        for i in range(ph):
            hs = min(max(math.floor(i * bh) + y1, 0), H)
            he = min(max(math.ceil((i + 1) * bh) + y1, 0), H)
            for j in range(pw):
                ws = min(max(math.floor(j * bw) + x1, 0), W)
                we = min(max(math.ceil((j + 1) * bw) + x1, 0), W)
                if he > hs and we > ws:
                    y[r, :, i, j] = x[int(b), :, hs:he, ws:we].max(axis=(1, 2))
    return y


x = f32(2, 3, 12, 10)
rois = np.array([[0, 0, 0, 9, 11], [1, 2.2, 1.1, 7.8, 9.4], [0, 4, 6, 5, 7], [1, 1, 3, 19, 14]],
                np.float32)
write("gen_maxroipool", [helper.make_node("MaxRoiPool", ["x", "rois"], ["y"], pooled_shape=[3, 2])],
      [("x", x), ("rois", rois)], [("y", max_roi_pool(x, rois, 3, 2, 1.0))])
rois2 = np.array([[0, 0, 0, 18, 22], [1, 4.4, 2.2, 15.6, 18.8], [1, 8, 12, 10, 14]], np.float32)
write("gen_maxroipool_scale", [helper.make_node("MaxRoiPool", ["x", "rois"], ["y"], pooled_shape=[2, 3],
                                                spatial_scale=0.5)],
      [("x", x), ("rois", rois2)], [("y", max_roi_pool(x, rois2, 2, 3, 0.5))])


# RoiAlign, average mode (ONNX's reference: bilinear samples on a grid of sampling_ratio (or
# ceil(roi size / output size)) points per bin and axis; output_half_pixel widens rois to >= 1)
def roi_align(x, rois, bidx, oh, ow, sr, scale, half_pixel):
    N, C, H, W = x.shape
    x = x.astype(np.float64)
    y = np.zeros((len(rois), C, oh, ow))
    off = 0.5 if half_pixel else 0.0

    def bil(m, yy, xx):
        if yy < -1 or yy > H or xx < -1 or xx > W:
            return np.zeros(C)
        yy, xx = max(yy, 0.0), max(xx, 0.0)
        yl, xl = int(yy), int(xx)
        if yl >= H - 1:
            yh = yl = H - 1
            yy = float(yl)
        else:
            yh = yl + 1
        if xl >= W - 1:
            xh = xl = W - 1
            xx = float(xl)
        else:
            xh = xl + 1
        ly, lx = yy - yl, xx - xl
        return ((1 - ly) * (1 - lx) * m[:, yl, xl] + (1 - ly) * lx * m[:, yl, xh] +
                ly * (1 - lx) * m[:, yh, xl] + ly * lx * m[:, yh, xh])

    for r, (x1, y1, x2, y2) in enumerate(rois.astype(np.float64)):
        m = x[int(bidx[r])]
        x0, y0 = x1 * scale - off, y1 * scale - off
        rw, rh = x2 * scale - off - x0, y2 * scale - off - y0
        if not half_pixel:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / oh, rw / ow
        gh = sr if sr > 0 else math.ceil(rh / oh)
        gw = sr if sr > 0 else math.ceil(rw / ow)
        for i in range(oh):
            for j in range(ow):
                acc = np.zeros(C)
                for iy in range(gh):
                    for ix in range(gw):
                        acc += bil(m, y0 + i * bh + (iy + 0.5) * bh / gh, x0 + j * bw + (ix + 0.5) * bw / gw)
                y[r, :, i, j] = acc / max(gh * gw, 1)
    return y.astype(np.float32)


# ONNX v1.12.0's test_roialign_aligned_false inputs (its expected values have 4 decimals, one of
# them 7e-5 off what the specification gives); the same case with numpy's answer
node_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx-node",
                        "test_roialign_aligned_true", "test_data_set_0")
X = numpy_helper.to_array(onnx.load_tensor(os.path.join(node_dir, "input_0.pb")))
R = numpy_helper.to_array(onnx.load_tensor(os.path.join(node_dir, "input_1.pb")))
B = numpy_helper.to_array(onnx.load_tensor(os.path.join(node_dir, "input_2.pb")))
write("gen_roialign_output_half_pixel",
      [helper.make_node("RoiAlign", ["X", "rois", "batch_indices"], ["Y"], output_height=5, output_width=5,
                        sampling_ratio=2, spatial_scale=1.0,
                        coordinate_transformation_mode="output_half_pixel")],
      [("X", X), ("rois", R), ("batch_indices", B)],
      [("Y", roi_align(X, R, B, 5, 5, 2, 1.0, False))], opset=16)

# opset 10 (no coordinate_transformation_mode: output_half_pixel), two images, adaptive sampling,
# spatial_scale 0.5, a roi under one cell
x = f32(2, 3, 9, 11)
rois = np.array([[0, 0, 20, 16], [2.5, 3.0, 11.0, 15.5], [6, 6, 6.8, 7], [1, 2, 21, 17]], np.float32)
b = np.array([0, 1, 0, 1], np.int64)
write("gen_roialign_opset10_adaptive",
      [helper.make_node("RoiAlign", ["x", "rois", "b"], ["y"], output_height=3, output_width=4,
                        sampling_ratio=0, spatial_scale=0.5)],
      [("x", x), ("rois", rois), ("b", b)], [("y", roi_align(x, rois, b, 3, 4, 0, 0.5, False))], opset=10)

# opset 16 default (half_pixel), two images
rois = np.array([[0, 0, 20, 16], [2.5, 3.0, 11.0, 15.5], [1, 2, 21, 17]], np.float32)
b = np.array([1, 0, 1], np.int64)
write("gen_roialign_half_pixel",
      [helper.make_node("RoiAlign", ["x", "rois", "b"], ["y"], output_height=2, output_width=3,
                        sampling_ratio=2, spatial_scale=0.5)],
      [("x", x), ("rois", rois), ("b", b)], [("y", roi_align(x, rois, b, 2, 3, 2, 0.5, True))], opset=16)


# LSTM over sequences (ONNX v1.12.0's node tests all have one step): numpy from the ONNX
# specification (gates i, o, f, c; f(x) = sigmoid, g = h = tanh; no peepholes)
def lstm(X, W, R, B, h0, c0, batch_first, bidirectional, reverse=False):
    X = X.astype(np.float64)
    if batch_first:
        X = X.transpose(1, 0, 2)
    S, N, _ = X.shape
    D, hs = W.shape[0], R.shape[2]
    sig = lambda v: 1 / (1 + np.exp(-v))
    Y = np.zeros((S, D, N, hs))
    Yh = np.zeros((D, N, hs))
    Yc = np.zeros((D, N, hs))
    for d in range(D):
        h = h0[d].astype(np.float64) if h0 is not None else np.zeros((N, hs))
        c = c0[d].astype(np.float64) if c0 is not None else np.zeros((N, hs))
        b = (B[d, :4 * hs] + B[d, 4 * hs:]).astype(np.float64) if B is not None else np.zeros(4 * hs)
        steps = range(S - 1, -1, -1) if (reverse or d == 1) else range(S)
        for t in steps:
            g = X[t] @ W[d].T.astype(np.float64) + h @ R[d].T.astype(np.float64) + b
            i, o, f, cc = np.split(g, 4, axis=1)
            c = sig(f) * c + sig(i) * np.tanh(cc)
            h = sig(o) * np.tanh(c)
            Y[t, d] = h
        Yh[d], Yc[d] = h, c
    if batch_first:
        return (Y.transpose(2, 0, 1, 3).astype(np.float32), Yh.transpose(1, 0, 2).astype(np.float32),
                Yc.transpose(1, 0, 2).astype(np.float32))
    return Y.astype(np.float32), Yh.astype(np.float32), Yc.astype(np.float32)


def lstm_case(name, S, N, I, hs, direction="forward", batch_first=False, bias=True, init=True,
              outs=("Y", "Y_h", "Y_c")):
    D = 2 if direction == "bidirectional" else 1
    X = f32(N, S, I) if batch_first else f32(S, N, I)
    W = (f32(D, 4 * hs, I) * 0.5).astype(np.float32)
    R = (f32(D, 4 * hs, hs) * 0.5).astype(np.float32)
    B = (f32(D, 8 * hs) * 0.3).astype(np.float32) if bias else None
    st = (N, D, hs) if batch_first else (D, N, hs)
    h0 = f32(*st) * 0.5 if init else None
    c0 = f32(*st) * 0.5 if init else None
    to_dir = lambda a: a.transpose(1, 0, 2) if (a is not None and batch_first) else a
    Y, Yh, Yc = lstm(X, W, R, B, to_dir(h0), to_dir(c0), batch_first, D == 2, direction == "reverse")
    ins = ["X", "W", "R", "B" if bias else "", "", "h0" if init else "", "c0" if init else ""]
    while ins and not ins[-1]:
        ins.pop()
    attrs = {"hidden_size": hs}
    if direction != "forward":
        attrs["direction"] = direction
    if batch_first:
        attrs["layout"] = 1
    got = {"Y": Y, "Y_h": Yh, "Y_c": Yc}
    node = helper.make_node("LSTM", ins, [o if o in outs else "" for o in ("Y", "Y_h", "Y_c")], **attrs)
    inputs = [("X", X)] + ([("h0", h0), ("c0", c0)] if init else [])
    inits = [("W", W), ("R", R)] + ([("B", B)] if bias else [])
    write(name, [node], inputs, [(o, got[o]) for o in ("Y", "Y_h", "Y_c") if o in outs],
          opset=14 if batch_first else 13, inits=inits)


lstm_case("gen_lstm_seq_forward", S=5, N=1, I=3, hs=4)
lstm_case("gen_lstm_seq_reverse_batch2", S=4, N=2, I=3, hs=5, direction="reverse")
lstm_case("gen_lstm_bidirectional", S=3, N=2, I=4, hs=3, direction="bidirectional")
lstm_case("gen_lstm_bidirectional_batchwise", S=4, N=3, I=2, hs=3, direction="bidirectional",
          batch_first=True)
lstm_case("gen_lstm_yh_only_no_bias", S=6, N=3, I=3, hs=4, bias=False, init=False, outs=("Y_h",))
