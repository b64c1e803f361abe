#!/usr/bin/python3
"""tests/data/ir-ops/gen.py -- small OpenVINO IR v10 models of the Open Model Zoo layers blobc
converts (issue 18), each with test data in the ONNX backend-test layout:

    <case>/model.xml, model.bin, test_data_set_0/input_<k>.pb, output_0.pb

The expected outputs are computed here with numpy from the OpenVINO operation specifications
(docs/ops/**/<Op>_<n>.md of openvinotoolkit/openvino, whose formulas are restated beside each
function): they come from outside blobc. tests/test_ir_ops.c runs every case through
`blobc verify` (--via graph, graph-fp16 and blob). Deterministic: run it again and the files are
the same bytes. Usage: /usr/bin/python3 tests/data/ir-ops/gen.py  (needs python3-numpy).
"""
import math
import os
import shutil
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(18)


# ---- protobuf TensorProto (dims 1, data_type 2, name 8, raw_data 9) ----

def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def tensor_pb(name, a):
    a = np.ascontiguousarray(a)
    code = {np.dtype("float32"): 1, np.dtype("int64"): 7, np.dtype("int32"): 6}[a.dtype]
    out = b""
    for d in a.shape:
        out += b"\x08" + varint(int(d))
    out += b"\x10" + varint(code)
    nb = name.encode()
    out += b"\x42" + varint(len(nb)) + nb
    raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
    out += b"\x4a" + varint(len(raw)) + raw
    return out


# ---- IR v10 writer ----

PREC = {np.dtype("float32"): ("f32", "FP32"), np.dtype("int64"): ("i64", "I64"), np.dtype("int32"): ("i32", "I32"),
        np.dtype("bool"): ("boolean", "BOOL")}


class Net:
    def __init__(self):
        self.layers, self.edges, self.bin = [], [], b""
        self.inputs, self.feeds = [], []

    def _add(self, name, typ, ver, data, ins, outs):
        lid = len(self.layers)
        self.layers.append((lid, name, typ, ver, data, [s for s, _ in ins], outs))
        for k, (src, _) in enumerate(ins):
            self.edges.append((src[0], src[1], lid, k))
        return [(lid, len(ins) + i) for i in range(len(outs))]

    def param(self, name, value):
        value = np.asarray(value)
        et, _ = PREC[value.dtype]
        shape = ",".join(str(d) for d in value.shape)
        port = self._add(name, "Parameter", "opset1", {"element_type": et, "shape": shape}, [], [(value.dtype, value.shape)])[0]
        self.feeds.append((name, value))
        return (port, value.dtype, value.shape)

    def const(self, name, value):
        value = np.asarray(value)
        et, _ = PREC[value.dtype]
        raw = value.astype(value.dtype.newbyteorder("<")).tobytes()
        off = len(self.bin)
        self.bin += raw
        data = {"element_type": et, "shape": ",".join(str(d) for d in value.shape), "offset": str(off), "size": str(len(raw))}
        port = self._add(name, "Const", "opset1", data, [], [(value.dtype, value.shape)])[0]
        return (port, value.dtype, value.shape)

    def layer(self, name, typ, ver, data, ins, out_shapes, out_dtype=np.float32):
        outs = [(np.dtype(out_dtype), tuple(s)) for s in out_shapes]
        ports = self._add(name, typ, ver, data, [(i[0], i) for i in ins], outs)
        return [(p, np.dtype(out_dtype), tuple(s)) for p, s in zip(ports, out_shapes)]

    def result(self, src):
        self._add(f"result_{len(self.layers)}", "Result", "opset1", {}, [(src[0], src)], [])

    def xml(self):
        lines = ['<?xml version="1.0"?>', '<net name="case" version="10">', "\t<layers>"]
        port_types = {}
        for lid, name, typ, ver, data, ins, outs in self.layers:
            for k, (dt, shape) in enumerate(outs):
                port_types[(lid, len(ins) + k)] = (dt, shape)
        for lid, name, typ, ver, data, ins, outs in self.layers:
            lines.append(f'\t\t<layer id="{lid}" name="{name}" type="{typ}" version="{ver}">')
            if data:
                attrs = " ".join(f'{k}="{v}"' for k, v in data.items())
                lines.append(f"\t\t\t<data {attrs}/>")
            if ins:
                lines.append("\t\t\t<input>")
                for k, src in enumerate(ins):
                    dt, shape = port_types[src]
                    lines.append(f'\t\t\t\t<port id="{k}">' + "".join(f"<dim>{d}</dim>" for d in shape) + "</port>")
                lines.append("\t\t\t</input>")
            if outs:
                lines.append("\t\t\t<output>")
                for k, (dt, shape) in enumerate(outs):
                    lines.append(f'\t\t\t\t<port id="{len(ins) + k}" precision="{PREC[np.dtype(dt)][1]}">' +
                                 "".join(f"<dim>{d}</dim>" for d in shape) + "</port>")
                lines.append("\t\t\t</output>")
            lines.append("\t\t</layer>")
        lines.append("\t</layers>")
        lines.append("\t<edges>")
        for fl, fp, tl, tp in self.edges:
            lines.append(f'\t\t<edge from-layer="{fl}" from-port="{fp}" to-layer="{tl}" to-port="{tp}"/>')
        lines.append("\t</edges>")
        lines.append("</net>")
        return "\n".join(lines) + "\n"


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def write(name, net, out_name, expected):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "test_data_set_0"))
    with open(os.path.join(d, "model.xml"), "w") as f:
        f.write(net.xml())
    with open(os.path.join(d, "model.bin"), "wb") as f:
        f.write(net.bin)
    for k, (n, v) in enumerate(net.feeds):
        with open(os.path.join(d, "test_data_set_0", f"input_{k}.pb"), "wb") as f:
            f.write(tensor_pb(n, v))
    outs = [(out_name, expected)] if isinstance(out_name, str) else list(zip(out_name, expected))
    for k, (n, v) in enumerate(outs):
        with open(os.path.join(d, "test_data_set_0", f"output_{k}.pb"), "wb") as f:
            f.write(tensor_pb(n, np.asarray(v, dtype=np.float32)))


def rand(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def unary(name, typ, ver, fn, data=None, extra=None):
    net = Net()
    x = rand(1, 4, 5, 6, lo=-4, hi=4)
    xin = net.param("x", x)
    ins = [xin] + ([net.const("beta", np.array(extra, np.float32))] if extra is not None else [])
    y = net.layer("y", typ, ver, data or {}, ins, [x.shape])[0]
    net.result(y)
    write(name, net, "y", fn(x.astype(np.float64)))


def softplus(x):
    return np.log1p(np.exp(x))


# ---- activations ----

@case
def mish():  # Mish-4: x * tanh(softplus(x))
    unary("mish", "Mish", "opset4", lambda x: x * np.tanh(softplus(x)))


@case
def softplus_():  # SoftPlus-4: ln(1 + e^x)
    unary("softplus", "SoftPlus", "opset4", softplus)


@case
def swish():  # Swish-4: x * sigmoid(beta * x), beta an optional scalar input
    unary("swish", "Swish", "opset4", lambda x: x / (1 + np.exp(-0.75 * x)), extra=0.75)


@case
def gelu_erf():  # Gelu-7 ERF: 0.5 x (1 + erf(x / sqrt 2))
    erf = np.vectorize(math.erf)
    unary("gelu_erf", "Gelu", "opset7", lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2))), {"approximation_mode": "ERF"})


@case
def gelu_tanh():  # Gelu-7 TANH: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    unary("gelu_tanh", "Gelu", "opset7", lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
          {"approximation_mode": "TANH"})


@case
def hsigmoid():  # HSigmoid-5: min(max(x + 3, 0), 6) / 6
    unary("hsigmoid", "HSigmoid", "opset5", lambda x: np.minimum(np.maximum(x + 3, 0), 6) / 6)


@case
def hswish():  # HSwish-4: x * min(max(x + 3, 0), 6) / 6
    unary("hswish", "HSwish", "opset4", lambda x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6)


# ---- elementwise, normalizations ----

@case
def squared_difference():  # SquaredDifference-1: (a - b)^2, numpy broadcast
    net = Net()
    a, b = rand(1, 3, 4, 5), rand(1, 3, 1, 5)
    y = net.layer("y", "SquaredDifference", "opset1", {"auto_broadcast": "numpy"}, [net.param("a", a), net.param("b", b)],
                  [a.shape])[0]
    net.result(y)
    write("squared_difference", net, "y", (a.astype(np.float64) - b) ** 2)


@case
def grn():  # GRN-1: x / sqrt(sum over C of x^2 + bias)
    net = Net()
    x = rand(1, 6, 4, 5)
    y = net.layer("y", "GRN", "opset1", {"bias": "0.5"}, [net.param("x", x)], [x.shape])[0]
    net.result(y)
    x = x.astype(np.float64)
    write("grn", net, "y", x / np.sqrt((x ** 2).sum(axis=1, keepdims=True) + 0.5))


@case
def normalize_l2():  # NormalizeL2-1, axes [1], eps_mode add: x / sqrt(sum x^2 + eps)
    net = Net()
    x = rand(1, 8, 5, 5)
    y = net.layer("y", "NormalizeL2", "opset1", {"eps": "1e-10", "eps_mode": "add"},
                  [net.param("x", x), net.const("axes", np.array([1], np.int64))], [x.shape])[0]
    net.result(y)
    x = x.astype(np.float64)
    write("normalize_l2", net, "y", x / np.sqrt((x ** 2).sum(axis=1, keepdims=True) + 1e-10))


def mvn_ref(x, axes, eps, inside):
    m = x.mean(axis=axes, keepdims=True)
    v = ((x - m) ** 2).mean(axis=axes, keepdims=True)
    return (x - m) / (np.sqrt(v + eps) if inside else np.sqrt(v) + eps)


@case
def mvn6():  # MVN-6 over H, W, normalize_variance, eps inside the square root
    net = Net()
    x = rand(1, 3, 6, 7, lo=-1, hi=3)
    y = net.layer("y", "MVN", "opset6", {"normalize_variance": "true", "eps": "1e-9", "eps_mode": "inside_sqrt"},
                  [net.param("x", x), net.const("axes", np.array([2, 3], np.int64))], [x.shape])[0]
    net.result(y)
    write("mvn6", net, "y", mvn_ref(x.astype(np.float64), (2, 3), 1e-9, True))


@case
def mvn1():  # MVN-1 across channels, eps added to the standard deviation
    net = Net()
    x = rand(1, 3, 6, 7, lo=-1, hi=3)
    y = net.layer("y", "MVN", "opset2", {"across_channels": "true", "normalize_variance": "true", "eps": "1e-5"},
                  [net.param("x", x)], [x.shape])[0]
    net.result(y)
    write("mvn1", net, "y", mvn_ref(x.astype(np.float64), (1, 2, 3), 1e-5, False))


# ---- detection ----

def region_yolo_ref(x, coords, classes, regions, softmax):
    """RegionYolo-1: per region, logistic on x, y and objectness (and on the classes without
    softmax), softmax over the classes with it; output keeps regions * (classes + coords + 1)."""
    n, c, h, w = x.shape
    per = classes + coords + 1
    y = x[:, :regions * per].copy().reshape(n, regions, per, h, w)
    sig = lambda v: 1 / (1 + np.exp(-v))
    y[:, :, 0:2] = sig(y[:, :, 0:2])
    if softmax:
        y[:, :, coords] = sig(y[:, :, coords])
        e = np.exp(y[:, :, coords + 1:] - y[:, :, coords + 1:].max(axis=2, keepdims=True))
        y[:, :, coords + 1:] = e / e.sum(axis=2, keepdims=True)
    else:
        y[:, :, coords:] = sig(y[:, :, coords:])
    return y.reshape(n, regions * per, h, w)


@case
def region_yolo_v2():  # do_softmax 1: the output flattened to [N, C*H*W]
    net = Net()
    x = rand(1, 16, 5, 5, lo=-3, hi=3)
    data = {"coords": "4", "classes": "3", "num": "2", "do_softmax": "1", "axis": "1", "end_axis": "3",
            "anchors": "1,1,2,2"}
    y = net.layer("y", "RegionYolo", "opset1", data, [net.param("x", x)], [(1, 16 * 25)])[0]
    net.result(y)
    write("region_yolo_v2", net, "y", region_yolo_ref(x.astype(np.float64), 4, 3, 2, True).reshape(1, -1))


@case
def region_yolo_v3():  # do_softmax 0, mask of three regions out of six
    net = Net()
    x = rand(1, 21, 4, 4, lo=-3, hi=3)
    data = {"coords": "4", "classes": "2", "num": "6", "do_softmax": "0", "mask": "0,1,2", "axis": "1", "end_axis": "3"}
    y = net.layer("y", "RegionYolo", "opset1", data, [net.param("x", x)], [(1, 21, 4, 4)])[0]
    net.result(y)
    write("region_yolo_v3", net, "y", region_yolo_ref(x.astype(np.float64), 4, 2, 3, False))


def reorg_ref(x, s):
    """ReorgYolo-1 (darknet's reorg, as OpenVINO's reference runs it): over the input's own
    [N, C, H, W] index space, element (c, h, w) of the output takes input element
    (c % oc, h*s + (c // oc) // s, w*s + (c // oc) % s) of the input read as [N, oc, H*s, W*s],
    oc = C / s^2; the result is read as [N, C s^2, H/s, W/s]."""
    n, c, h, w = x.shape
    oc = c // (s * s)
    src = x.reshape(n, oc, h * s, w * s)
    out = np.empty_like(x)
    for ci in range(c):
        off = ci // oc
        out[0, ci] = [[src[0, ci % oc, hh * s + off // s, ww * s + off % s] for ww in range(w)] for hh in range(h)]
    return out.reshape(n, c * s * s, h // s, w // s)


@case
def reorg_yolo():
    net = Net()
    x = rand(1, 8, 6, 6)
    y = net.layer("y", "ReorgYolo", "opset2", {"stride": "2"}, [net.param("x", x)], [(1, 32, 3, 3)])[0]
    net.result(y)
    write("reorg_yolo", net, "y", reorg_ref(x, 2))


def prior_box_ref(h, w, ih, iw, min_size, max_size, ars, flip, clip, step, offset, variance):
    """PriorBox-1 (scale_all_sizes): per cell, per min size: a square of min, one of sqrt(min*max),
    then one box per aspect ratio != 1 (with 1/ar when flip); (centre -+ size/2) / image."""
    ratios = [1.0]
    for a in ars:
        if all(abs(a - r) >= 1e-6 for r in ratios):
            ratios.append(a)
            if flip:
                ratios.append(1 / a)
    boxes = []
    for y in range(h):
        for x in range(w):
            cx, cy = (offset + x) * step, (offset + y) * step
            for k, mn in enumerate(min_size):
                sizes = [(mn / 2, mn / 2)]
                if k < len(max_size):
                    s = math.sqrt(mn * max_size[k]) / 2
                    sizes.append((s, s))
                for r in ratios[1:]:
                    sizes.append((mn / 2 * math.sqrt(r), mn / 2 / math.sqrt(r)))
                for bw, bh in sizes:
                    boxes += [(cx - bw) / iw, (cy - bh) / ih, (cx + bw) / iw, (cy + bh) / ih]
    b = np.array(boxes)
    if clip:
        b = np.clip(b, 0, 1)
    v = np.tile(np.array(variance, np.float64), len(b) // 4)
    return np.stack([b, v])


@case
def prior_box():  # PriorBox-1 folded to a constant; + x so the output depends on the input
    net = Net()
    pr = prior_box_ref(3, 4, 30, 40, [8.0], [16.0], [2.0], True, True, 10.0, 0.5, [0.1, 0.1, 0.2, 0.2])
    x = rand(1, 2, pr.shape[1])
    data = {"min_size": "8", "max_size": "16", "aspect_ratio": "2", "flip": "true", "clip": "true", "step": "10",
            "offset": "0.5", "variance": "0.1,0.1,0.2,0.2", "scale_all_sizes": "true"}
    p = net.layer("priors", "PriorBox", "opset1", data,
                  [net.const("fmap", np.array([3, 4], np.int64)), net.const("img", np.array([30, 40], np.int64))],
                  [pr.shape])[0]
    y = net.layer("y", "Add", "opset1", {"auto_broadcast": "numpy"}, [net.param("x", x), p], [x.shape])[0]
    net.result(y)
    write("prior_box", net, "y", x + pr[None])


@case
def ctc_greedy_decoder():
    """CTCGreedyDecoder-1: per sequence, argmax class per step up to its length, repeats merged,
    the blank (last class) dropped; the rest of the [N, T, 1, 1] output is -1."""
    net = Net()
    T, N, C = 8, 2, 5
    x = (RNG.integers(0, 9, size=(T, N, C)) * 0.25).astype(np.float32)
    for t in range(T):  # one clear winner per step
        for n in range(N):
            x[t, n, RNG.integers(0, C)] = 3.0
    mask = np.zeros((T, N), np.float32)
    mask[:8, 0] = 1
    mask[:5, 1] = 1
    y = net.layer("y", "CTCGreedyDecoder", "opset1", {"ctc_merge_repeated": "true"},
                  [net.param("data", x), net.param("seq_mask", mask)], [(N, T, 1, 1)])[0]
    net.result(y)
    out = -np.ones((N, T), np.float64)
    for n in range(N):
        k, prev = 0, -1
        for t in range(T):
            if mask[t, n] == 0:
                break
            c = int(np.argmax(x[t, n]))
            if c != C - 1 and c != prev:
                out[n, k] = c
                k += 1
            prev = c
    write("ctc_greedy_decoder", net, "y", out.reshape(N, T, 1, 1))


def roi_pool_max(x, rois, ph, pw, scale):
    """ROIPooling-1 max: roi corners * scale rounded (half away from zero), bins floor/ceil, max
    over each bin clipped to the map, empty bins 0."""
    _, c, h, w = x.shape
    out = np.zeros((len(rois), c, ph, pw))
    rnd = lambda v: math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)
    for r, (b, x1, y1, x2, y2) in enumerate(rois):
        xs, ys, xe, ye = rnd(x1 * scale), rnd(y1 * scale), rnd(x2 * scale), rnd(y2 * scale)
        rh, rw = max(ye - ys + 1, 1), max(xe - xs + 1, 1)
        for i in range(ph):
            for j in range(pw):
                hs = min(max(math.floor(i * rh / ph) + ys, 0), h)
                he = min(max(math.ceil((i + 1) * rh / ph) + ys, 0), h)
                ws = min(max(math.floor(j * rw / pw) + xs, 0), w)
                we = min(max(math.ceil((j + 1) * rw / pw) + xs, 0), w)
                out[r, :, i, j] = 0 if he <= hs or we <= ws else x[int(b), :, hs:he, ws:we].max(axis=(1, 2))
    return out


@case
def roi_pooling():
    net = Net()
    x = rand(1, 3, 8, 8)
    rois = np.array([[0, 2, 2, 12, 10], [0, 0, 4, 15, 15]], np.float32)
    data = {"pooled_h": "3", "pooled_w": "2", "spatial_scale": "0.5", "method": "max"}
    y = net.layer("y", "ROIPooling", "opset1", data, [net.param("x", x), net.param("rois", rois)], [(2, 3, 3, 2)])[0]
    net.result(y)
    write("roi_pooling", net, "y", roi_pool_max(x.astype(np.float64), rois, 3, 2, 0.5))


@case
def roi_pooling_bilinear():
    """ROIPooling-1 bilinear: normalized boxes; sample points spread from corner to corner."""
    net = Net()
    x = rand(1, 2, 6, 7)
    rois = np.array([[0, 0.1, 0.2, 0.8, 0.9], [0, 0.0, 0.0, 1.0, 0.5]], np.float32)
    ph, pw = 3, 4
    y = net.layer("y", "ROIPooling", "opset1", {"pooled_h": "3", "pooled_w": "4", "spatial_scale": "1", "method": "bilinear"},
                  [net.param("x", x), net.param("rois", rois)], [(2, 2, ph, pw)])[0]
    net.result(y)
    _, c, h, w = x.shape
    xd = x.astype(np.float64)
    out = np.zeros((2, c, ph, pw))
    for r, (b, x1, y1, x2, y2) in enumerate(rois.astype(np.float64)):
        for i in range(ph):
            for j in range(pw):
                iy = i * (y2 - y1) * (h - 1) / (ph - 1) + y1 * (h - 1)
                ix = j * (x2 - x1) * (w - 1) / (pw - 1) + x1 * (w - 1)
                t, l = math.floor(iy), math.floor(ix)
                bo, rt = min(math.ceil(iy), h - 1), min(math.ceil(ix), w - 1)
                top = xd[0, :, t, l] + (xd[0, :, t, rt] - xd[0, :, t, l]) * (ix - l)
                bot = xd[0, :, bo, l] + (xd[0, :, bo, rt] - xd[0, :, bo, l]) * (ix - l)
                out[r, :, i, j] = top + (bot - top) * (iy - t)
    write("roi_pooling_bilinear", net, "y", out)


@case
def psroi_pooling():
    """PSROIPooling-1 average: box from rounded corners (end + 1) * scale, group_size^2 bins, the
    bin (i, j) of output channel co averages input channel (co * g + i) * g + j."""
    net = Net()
    od, g = 2, 3
    x = rand(1, od * g * g, 6, 6)
    rois = np.array([[0, 1, 1, 9, 8], [0, 0, 2, 11, 11]], np.float32)
    scale = 0.5
    data = {"output_dim": str(od), "group_size": str(g), "spatial_scale": str(scale), "mode": "average"}
    y = net.layer("y", "PSROIPooling", "opset1", data, [net.param("x", x), net.param("rois", rois)], [(2, od, g, g)])[0]
    net.result(y)
    _, c, h, w = x.shape
    out = np.zeros((2, od, g, g))
    for r, (b, x1, y1, x2, y2) in enumerate(rois):
        sw, sh = round(x1) * scale, round(y1) * scale
        ew, eh = (round(x2) + 1) * scale, (round(y2) + 1) * scale
        bw, bh = (ew - sw) / g, (eh - sh) / g
        for co in range(od):
            for i in range(g):
                for j in range(g):
                    x0, y0 = min(math.floor(sw + j * bw), w - 1), min(math.floor(sh + i * bh), h - 1)
                    x1_, y1_ = min(math.ceil(sw + (j + 1) * bw), w), min(math.ceil(sh + (i + 1) * bh), h)
                    out[r, co, i, j] = x[0, (co * g + i) * g + j, y0:y1_, x0:x1_].astype(np.float64).mean()
    write("psroi_pooling", net, "y", out)


# ---- data movement ----

@case
def scatter_update():  # ScatterUpdate-3 along axis 0: data[indices[i]] = updates[i]
    net = Net()
    d, u = rand(5, 3, 4), rand(2, 3, 4)
    idx = np.array([4, 1], np.int64)
    y = net.layer("y", "ScatterUpdate", "opset3", {},
                  [net.param("data", d), net.const("indices", idx), net.param("updates", u), net.const("axis", np.array(0, np.int64))],
                  [d.shape])[0]
    net.result(y)
    e = d.copy()
    e[idx] = u
    write("scatter_update", net, "y", e)


@case
def gather_nd():  # GatherND-5, batch_dims 0: out[i] = data[indices[i, 0], indices[i, 1]]
    net = Net()
    d = rand(3, 4, 5)
    idx = np.array([[1, 2], [0, 3], [2, 0]], np.int64)
    y = net.layer("y", "GatherND", "opset5", {"batch_dims": "0"}, [net.param("data", d), net.const("indices", idx)],
                  [(3, 5)])[0]
    net.result(y)
    write("gather_nd", net, "y", d[idx[:, 0], idx[:, 1]])


@case
def strided_slice():  # StridedSlice-1 with begin/end masks and a step of 2
    net = Net()
    x = rand(1, 4, 6, 8)
    c = lambda n, v: net.const(n, np.array(v, np.int64))
    data = {"begin_mask": "1,0,1,0", "end_mask": "1,0,1,0", "new_axis_mask": "", "shrink_axis_mask": "", "ellipsis_mask": ""}
    y = net.layer("y", "StridedSlice", "opset1", data,
                  [net.param("x", x), c("begin", [0, 1, 0, 1]), c("end", [0, 3, 0, 7]), c("strides", [1, 1, 1, 2])],
                  [(1, 2, 6, 3)])[0]
    net.result(y)
    write("strided_slice", net, "y", x[:, 1:3, :, 1:7:2])


@case
def select():  # Select-1: cond ? then : else, cond from Greater
    net = Net()
    a, b = rand(1, 3, 4, 5), rand(1, 3, 4, 5)
    pa, pb = net.param("a", a), net.param("b", b)
    cond = net.layer("cond", "Greater", "opset1", {"auto_broadcast": "numpy"}, [pa, pb], [a.shape], np.bool_)[0]
    t = net.layer("t", "Multiply", "opset1", {"auto_broadcast": "numpy"}, [pa, pb], [a.shape])[0]
    y = net.layer("y", "Select", "opset1", {"auto_broadcast": "numpy"}, [cond, t, pb], [a.shape])[0]
    net.result(y)
    write("select", net, "y", np.where(a > b, a.astype(np.float64) * b, b))


def conv2d(x, w, groups, pad):
    n, c, h, wd = x.shape
    oc, icg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    out = np.zeros((n, oc, oh, ow))
    ocg = oc // groups
    for o in range(oc):
        gi = o // ocg
        for i in range(oh):
            for j in range(ow):
                out[0, o, i, j] = (xp[0, gi * icg:(gi + 1) * icg, i:i + kh, j:j + kw] * w[o]).sum()
    return out


@case
def group_convolution():  # GroupConvolution-1: weights [G, OC/G, IC/G, KH, KW]
    net = Net()
    x, w = rand(1, 4, 6, 6), rand(2, 3, 2, 3, 3, lo=-0.5, hi=0.5)
    data = {"strides": "1,1", "dilations": "1,1", "pads_begin": "1,1", "pads_end": "1,1", "auto_pad": "explicit"}
    y = net.layer("y", "GroupConvolution", "opset1", data, [net.param("x", x), net.const("w", w)], [(1, 6, 6, 6)])[0]
    net.result(y)
    write("group_convolution", net, "y", conv2d(x.astype(np.float64), w.reshape(6, 2, 3, 3).astype(np.float64), 2, 1))


@case
def interpolate1():  # Interpolate-1 linear with align_corners over H, W
    net = Net()
    x = rand(1, 2, 4, 5)
    y = net.layer("y", "Interpolate", "opset1", {"axes": "2,3", "mode": "linear", "align_corners": "1", "antialias": "0",
                                                  "pads_begin": "0", "pads_end": "0"},
                  [net.param("x", x), net.const("size", np.array([7, 9], np.int64))], [(1, 2, 7, 9)])[0]
    net.result(y)
    xd = x.astype(np.float64)

    def lin(src_len, dst_len):
        pos = np.arange(dst_len) * (src_len - 1) / (dst_len - 1)
        i0 = np.floor(pos).astype(int)
        i1 = np.minimum(i0 + 1, src_len - 1)
        return i0, i1, pos - i0

    y0, y1, fy = lin(4, 7)
    x0, x1, fx = lin(5, 9)
    top = xd[:, :, y0][:, :, :, x0] * (1 - fx) + xd[:, :, y0][:, :, :, x1] * fx
    bot = xd[:, :, y1][:, :, :, x0] * (1 - fx) + xd[:, :, y1][:, :, :, x1] * fx
    write("interpolate1", net, "y", top * (1 - fy)[:, None] + bot * fy[:, None])


@case
def interpolate4():  # Interpolate-4 nearest, asymmetric, floor, by sizes
    net = Net()
    x = rand(1, 3, 4, 5)
    data = {"mode": "nearest", "shape_calculation_mode": "sizes", "coordinate_transformation_mode": "asymmetric",
            "nearest_mode": "floor", "antialias": "false", "pads_begin": "0,0,0,0", "pads_end": "0,0,0,0", "cube_coeff": "-0.75"}
    y = net.layer("y", "Interpolate", "opset4", data,
                  [net.param("x", x), net.const("sizes", np.array([8, 10], np.int64)), net.const("scales", np.array([2.0, 2.0], np.float32)),
                   net.const("axes", np.array([2, 3], np.int64))], [(1, 3, 8, 10)])[0]
    net.result(y)
    iy = np.floor(np.arange(8) * 4 / 8).astype(int)
    ix = np.floor(np.arange(10) * 5 / 10).astype(int)
    write("interpolate4", net, "y", x[:, :, iy][:, :, :, ix])


@case
def lstm_cell():
    """LSTMCell-4, gates f, i, c, o: g = W x + R h + B; c' = sigmoid(f) c + sigmoid(i) tanh(c~);
    h' = sigmoid(o) tanh(c'). Both outputs are read."""
    net = Net()
    B, I, H = 2, 5, 3
    x, h, c = rand(B, I), rand(B, H, lo=-1, hi=1), rand(B, H, lo=-1, hi=1)
    W, R, b = rand(4 * H, I, lo=-0.7, hi=0.7), rand(4 * H, H, lo=-0.7, hi=0.7), rand(4 * H, lo=-0.5, hi=0.5)
    data = {"hidden_size": str(H), "activations": "sigmoid,tanh,tanh", "activations_alpha": "", "activations_beta": "",
            "clip": "0"}
    ho, co = net.layer("lstm", "LSTMCell", "opset4", data,
                       [net.param("x", x), net.param("h", h), net.param("c", c), net.const("W", W), net.const("R", R),
                        net.const("B", b)], [(B, H), (B, H)])
    net.result(ho)
    net.result(co)
    g = x.astype(np.float64) @ W.T + h.astype(np.float64) @ R.T + b
    sig = lambda v: 1 / (1 + np.exp(-v))
    f, i, cc, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
    cn = sig(f) * c + sig(i) * np.tanh(cc)
    write("lstm_cell", net, ["lstm", "lstm.1"], [sig(o) * np.tanh(cn), cn])


@case
def yolo_v2_head():
    """A YOLOv2-tiny-like head, as Open Model Zoo's yolo-v2-tiny IRs are built: Conv + ReLU, a
    ReorgYolo passthrough concatenated with a MaxPool + Conv branch, a 1x1 Conv, RegionYolo."""
    net = Net()
    x = rand(1, 3, 8, 8)
    w1, w2, w3 = rand(8, 3, 3, 3, lo=-0.4, hi=0.4), rand(8, 8, 1, 1, lo=-0.4, hi=0.4), rand(16, 40, 1, 1, lo=-0.3, hi=0.3)
    conv = {"strides": "1,1", "dilations": "1,1", "pads_begin": "1,1", "pads_end": "1,1", "auto_pad": "explicit"}
    c1x1 = dict(conv, pads_begin="0,0", pads_end="0,0")
    a = net.layer("conv1", "Convolution", "opset1", conv, [net.param("x", x), net.const("w1", w1)], [(1, 8, 8, 8)])[0]
    a = net.layer("relu1", "ReLU", "opset1", {}, [a], [(1, 8, 8, 8)])[0]
    r = net.layer("reorg", "ReorgYolo", "opset2", {"stride": "2"}, [a], [(1, 32, 4, 4)])[0]
    p = net.layer("pool", "MaxPool", "opset1", {"strides": "2,2", "kernel": "2,2", "pads_begin": "0,0", "pads_end": "0,0",
                                                 "rounding_type": "floor", "auto_pad": "explicit"}, [a], [(1, 8, 4, 4)])[0]
    p = net.layer("conv2", "Convolution", "opset1", c1x1, [p, net.const("w2", w2)], [(1, 8, 4, 4)])[0]
    cat = net.layer("cat", "Concat", "opset1", {"axis": "1"}, [r, p], [(1, 40, 4, 4)])[0]
    h = net.layer("conv3", "Convolution", "opset1", c1x1, [cat, net.const("w3", w3)], [(1, 16, 4, 4)])[0]
    data = {"coords": "4", "classes": "3", "num": "2", "do_softmax": "1", "axis": "1", "end_axis": "3"}
    y = net.layer("region", "RegionYolo", "opset1", data, [h], [(1, 256)])[0]
    net.result(y)
    xd = x.astype(np.float64)
    e = np.maximum(conv2d(xd, w1.astype(np.float64), 1, 1), 0)
    reorg = reorg_ref(e, 2)
    pool = e.reshape(1, 8, 4, 2, 4, 2).max(axis=(3, 5))
    b2 = conv2d(pool, w2.astype(np.float64), 1, 0)
    hh = conv2d(np.concatenate([reorg, b2], axis=1), w3.astype(np.float64), 1, 0)
    write("yolo_v2_head", net, "region", region_yolo_ref(hh, 4, 3, 2, True).reshape(1, -1))


@case
def proposal():
    """Proposal-4 (Caffe framework): anchors from base_size, ratios (sizes rounded) and scales
    around centre (base - 1) / 2; each cell's anchors shifted by feat_stride, moved by the deltas
    (centre + d * size, size * exp(d)), clipped to the image (minus 1), sorted by objectness,
    pre_nms_topn kept, greedy NMS (IoU with +1 sizes) until post_nms_topn; rows (0, x0, y0, x1, y1)
    and their scores. Scores are distinct and above 0.1 (MYRIAD's stage drops lower ones)."""
    net = Net()
    ratios, scales, base, stride, H, W = [0.5, 1.0, 2.0], [2.0, 4.0], 8, 8, 4, 4
    A = len(ratios) * len(scales)
    probs = rand(1, 2 * A, H, W, lo=0, hi=1)
    probs[0, A:] = RNG.permutation(np.linspace(0.15, 0.95, A * H * W)).reshape(A, H, W).astype(np.float32)
    deltas = rand(1, 4 * A, H, W, lo=-0.3, hi=0.3)
    info = np.array([32, 32, 1], np.float32)
    data = {"base_size": str(base), "pre_nms_topn": "30", "post_nms_topn": "8", "nms_thresh": "0.7", "feat_stride": str(stride),
            "min_size": "1", "ratio": "0.5,1,2", "scale": "2,4", "clip_before_nms": "true", "clip_after_nms": "false",
            "normalize": "false", "box_size_scale": "1", "box_coordinate_scale": "1", "framework": ""}
    rois, sc = net.layer("prop", "Proposal", "opset4", data,
                         [net.param("probs", probs), net.param("deltas", deltas), net.param("im_info", info)], [(8, 5), (8,)])
    net.result(rois)
    net.result(sc)
    rnd = lambda v: math.floor(v + 0.5)
    anchors = []
    ctr = 0.5 * (base - 1)
    for r in ratios:
        ws = rnd(math.sqrt(base * base / r))
        hs = rnd(ws * r)
        for s in scales:
            w, h = ws * s, hs * s
            anchors.append((ctr - 0.5 * (w - 1), ctr - 0.5 * (h - 1), ctr + 0.5 * (w - 1), ctr + 0.5 * (h - 1)))
    boxes = []
    for y in range(H):
        for x in range(W):
            for a, (ax0, ay0, ax1, ay1) in enumerate(anchors):
                x0, y0, x1, y1 = ax0 + x * stride, ay0 + y * stride, ax1 + x * stride, ay1 + y * stride
                ww, hh = x1 - x0 + 1, y1 - y0 + 1
                cx, cy = x0 + 0.5 * ww, y0 + 0.5 * hh
                dx, dy, dw, dh = (float(deltas[0, a * 4 + k, y, x]) for k in range(4))
                pcx, pcy, pw, ph = dx * ww + cx, dy * hh + cy, math.exp(dw) * ww, math.exp(dh) * hh
                b = [pcx - 0.5 * pw, pcy - 0.5 * ph, pcx + 0.5 * pw, pcy + 0.5 * ph]
                b = [min(max(v, 0), 31) for v in b]
                boxes.append((float(probs[0, A + a, y, x]), b))
    boxes.sort(key=lambda t: -t[0])
    boxes = boxes[:30]
    keep, dead = [], [False] * len(boxes)
    for i in range(len(boxes)):
        if dead[i]:
            continue
        keep.append(i)
        if len(keep) == 8:
            break
        for j in range(i + 1, len(boxes)):
            u, v = boxes[i][1], boxes[j][1]
            iw = max(0, min(u[2], v[2]) - max(u[0], v[0]) + 1)
            ih = max(0, min(u[3], v[3]) - max(u[1], v[1]) + 1)
            inter = iw * ih
            area = lambda q: (q[2] - q[0] + 1) * (q[3] - q[1] + 1)
            if inter / (area(u) + area(v) - inter) > 0.7:
                dead[j] = True
    assert len(keep) == 8
    write("proposal", net, ["prop", "prop.1"], [[[0] + boxes[i][1] for i in keep], [boxes[i][0] for i in keep]])

@case
def gather_elements():  # GatherElements-6: out[i][j][k] = data[i][indices[i][j][k]][k] (axis 1)
    net = Net()
    d = rand(2, 4, 3)
    idx = RNG.integers(0, 4, (2, 5, 3)).astype(np.int64)
    y = net.layer("y", "GatherElements", "opset6", {"axis": "1"}, [net.param("data", d), net.const("indices", idx)],
                  [idx.shape])[0]
    net.result(y)
    write("gather_elements", net, "y", np.take_along_axis(d, idx, axis=1))


def mod_case(name, typ, fn):  # values in 1/8 steps: FP16 holds them and every remainder
    net = Net()
    a = (RNG.integers(-40, 40, (2, 3, 4)) / 8).astype(np.float32)
    b = (RNG.integers(1, 16, (1, 3, 1)) * RNG.choice([-1, 1], (1, 3, 1)) / 8).astype(np.float32)
    y = net.layer("y", typ, "opset1", {"auto_broadcast": "numpy"}, [net.param("a", a), net.param("b", b)], [a.shape])[0]
    net.result(y)
    write(name, net, "y", fn(a, b))


@case
def floor_mod():  # FloorMod-1: a - floor(a / b) * b (the divisor's sign), numpy.mod
    mod_case("floor_mod", "FloorMod", np.mod)


@case
def mod():  # Mod-1: a - trunc(a / b) * b (the dividend's sign), numpy.fmod
    mod_case("mod", "Mod", np.fmod)


@case
def reverse_sequence():  # ReverseSequence-1, batch_axis 0, seq_axis 1: x[b, :len[b]] reversed
    net = Net()
    x = rand(3, 5, 2)
    lens = np.array([5, 1, 3], np.int32)
    y = net.layer("y", "ReverseSequence", "opset1", {"batch_axis": "0", "seq_axis": "1"},
                  [net.param("x", x), net.const("lens", lens)], [x.shape])[0]
    net.result(y)
    e = x.copy()
    for b, n in enumerate(lens):
        e[b, :n] = x[b, :n][::-1]
    write("reverse_sequence", net, "y", e)


@case
def scatter_elements_update():  # ScatterElementsUpdate-3, axis 2: out[i][j][idx[i][j][k]] = u[i][j][k]
    net = Net()
    d = rand(2, 3, 5)
    idx = np.array([[[4, 0], [1, 3], [2, 2]], [[0, 1], [3, 4], [4, 0]]], np.int64)[:, :, :2]
    idx[0, 2] = [2, 0]
    u = rand(2, 3, 2)
    y = net.layer("y", "ScatterElementsUpdate", "opset3", {},
                  [net.param("data", d), net.const("indices", idx), net.param("updates", u),
                   net.const("axis", np.array(2, np.int64))], [d.shape])[0]
    net.result(y)
    e = d.copy()
    np.put_along_axis(e, idx, u, axis=2)
    write("scatter_elements_update", net, "y", e)


@case
def one_hot():  # OneHot-1, axis 1: out[i, d, j] = on if indices[i, j] == d else off
    net = Net()
    idx = RNG.integers(0, 5, (2, 3)).astype(np.int64)
    y = net.layer("y", "OneHot", "opset1", {"axis": "1"},
                  [net.param("indices", idx), net.const("depth", np.array(5, np.int64)),
                   net.const("on", np.array(2.5, np.float32)), net.const("off", np.array(-1.0, np.float32))],
                  [(2, 5, 3)])[0]
    net.result(y)
    e = np.where(np.arange(5)[None, :, None] == idx[:, None, :], 2.5, -1.0).astype(np.float32)
    write("one_hot", net, "y", e)



@case
def roi_align():
    """ROIAlign-3, mode avg: per bin the mean of sampling_ratio^2 bilinear samples (rois widened to at
    least one cell; samples outside [-1, H] x [-1, W] count as 0), batch_indices i32."""
    net = Net()
    x = rand(2, 3, 7, 8)
    rois = np.array([[0, 0, 13, 11], [2.5, 3, 9, 12.5], [5, 5, 5.5, 6]], np.float32)
    bi = np.array([1, 0, 1], np.int32)
    data = {"pooled_h": "3", "pooled_w": "2", "sampling_ratio": "2", "spatial_scale": "0.5", "mode": "avg"}
    y = net.layer("y", "ROIAlign", "opset3", data, [net.param("x", x), net.param("rois", rois), net.const("b", bi)],
                  [(3, 3, 3, 2)])[0]
    net.result(y)
    xd = x.astype(np.float64)
    H, W = 7, 8

    def bil(m, yy, xx):
        if yy < -1 or yy > H or xx < -1 or xx > W:
            return np.zeros(m.shape[0])
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
        return ((1 - ly) * (1 - lx) * m[:, yl, xl] + (1 - ly) * lx * m[:, yl, xh] + ly * (1 - lx) * m[:, yh, xl]
                + ly * lx * m[:, yh, xh])

    out = np.zeros((3, 3, 3, 2))
    for r in range(3):
        x1, y1, x2, y2 = (float(v) * 0.5 for v in rois[r])
        rw, rh = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
        bh, bw = rh / 3, rw / 2
        for i in range(3):
            for j in range(2):
                acc = np.zeros(3)
                for iy in range(2):
                    for ix in range(2):
                        acc += bil(xd[bi[r]], y1 + i * bh + (iy + 0.5) * bh / 2, x1 + j * bw + (ix + 0.5) * bw / 2)
                out[r, :, i, j] = acc / 4
    write("roi_align", net, "y", out)

if __name__ == "__main__":
    for name, fn in CASES.items():
        fn()
    print(f"{len(CASES)} cases written to {HERE}", file=sys.stderr)
