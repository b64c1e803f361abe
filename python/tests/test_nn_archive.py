"""NN Archives of the demo zoo (blobc build --nn-archive) against the NN Archive schema
(docs/nn-archive.schema.json, written from luxonis-ml's nn_archive models) plus the rules
luxonis-ml checks in code; reproducible bytes; `blobc inspect X.tar.xz` reads them back."""
import json
import os
import subprocess
import tarfile
from pathlib import Path

import jsonschema
import pytest

ZOO = Path(os.environ.get("DEMO_ZOO", "build/demo-zoo"))
BLOBC = os.environ.get("BLOBC", "build/blobc")
REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "nn-archive.schema.json").read_text())

MANIFEST = """version: 1
defaults:
  nn_archive: true
models:
  - name: mobilenet_v2
    source: {zoo}/mobilenet_v2.onnx
    inputs:
      - name: input
        layout: NCHW
        mean_values: [123.675, 116.28, 103.53]
        scale_values: [58.395, 57.12, 57.375]
        reverse_input_channels: true
        precision: U8
  - name: nhwc_tiny
    source: {zoo}/tiny_relu.onnx
    layout: NCHW->NHWC
    mean_values: [127.5, 127.5, 127.5]
    scale_values: [127.5, 127.5, 127.5]
  - name: rgb_tiny
    source: {zoo}/tiny_relu.onnx
    scale_values: 255
    dai_type: RGB888p
  - name: int64_input
    source: {zoo}/int64_input.onnx
  - name: tiny_super
    source: {zoo}/tiny_relu.onnx
    superblob: true
  - name: tf_tiny
    source: {zoo}/tf_tiny.pb
  - name: caffe_tiny
    source: {zoo}/caffe_tiny.prototxt
  - name: ir_tiny
    source: {zoo}/ir_tiny.xml
"""


def luxonis_rules(cfg):
    """What luxonis-ml's Input/Output validators check beyond the schema."""
    for inp in cfg["model"]["inputs"]:
        layout, shape = inp["layout"].upper(), inp["shape"]
        assert len(set(layout)) == len(layout), "duplicate layout letters"
        assert len(layout) == len(shape), "layout and shape lengths differ"
        assert "N" not in layout or layout[0] == "N", "N must be first"
        assert inp["input_type"] != "image" or "C" in layout, "image without C"
    for out in cfg["model"]["outputs"]:
        if out.get("layout"):
            assert out.get("shape") is not None and len(out["layout"]) == len(out["shape"])
            assert "N" not in out["layout"] or out["layout"][0] == "N"


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    d = tmp_path_factory.mktemp("nn")
    (d / "zoo.yaml").write_text(MANIFEST.format(zoo=ZOO.resolve()))
    env = dict(os.environ, SOURCE_DATE_EPOCH="1764000000")
    for out in ("out", "out2"):
        r = subprocess.run([BLOBC, "build", str(d / "zoo.yaml"), "-o", str(d / out), "-j", "2", "-q", "--force"], env=env,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return d


def archives(d, out="out"):
    return sorted((d / out).glob("*/*.tar.xz"))


def config_of(path):
    with tarfile.open(path) as t:
        return json.load(t.extractfile("config.json")), t.getnames()


def test_every_archive_passes_the_schema(zoo):
    found = archives(zoo)
    assert len(found) == 8
    for a in found:
        cfg, names = config_of(a)
        jsonschema.validate(cfg, SCHEMA)
        luxonis_rules(cfg)
        assert cfg["model"]["metadata"]["path"] in names
        assert names[0] == "config.json"


def test_the_blob_inside_is_the_blob_built(zoo):
    for a in archives(zoo):
        cfg, _ = config_of(a)
        path = cfg["model"]["metadata"]["path"]
        with tarfile.open(a) as t:
            inside = t.extractfile(path).read()
        built = [p for p in a.parent.iterdir() if p.suffix in (".blob", ".superblob")]
        assert len(built) == 1 and built[0].read_bytes() == inside
        assert path.endswith(".superblob") == (a.parent.name == "tiny_super")


def test_preprocessing_follows_the_manifest(zoo):
    mnet, _ = config_of(zoo / "out" / "mobilenet_v2" / "mobilenet_v2.tar.xz")
    i = mnet["model"]["inputs"][0]
    assert i["dtype"] == "uint8" and i["input_type"] == "image" and i["layout"] == "NCHW" and i["shape"] == [1, 3, 224, 224]
    pp = i["preprocessing"]
    assert pp["dai_type"] == "BGR888p" and pp["interleaved_to_planar"] is False and pp["reverse_channels"] is False
    assert pp["mean"] == [0, 0, 0] and pp["scale"] == [1, 1, 1]  # baked into the blob: the archive describes the blob
    res, _ = config_of(zoo / "out" / "nhwc_tiny" / "nhwc_tiny.tar.xz")
    i = res["model"]["inputs"][0]
    assert i["layout"] == "NHWC" and i["shape"] == [1, 8, 8, 3]
    assert i["preprocessing"]["dai_type"] == "BGR888i" and i["preprocessing"]["interleaved_to_planar"] is True
    yolo, _ = config_of(zoo / "out" / "rgb_tiny" / "rgb_tiny.tar.xz")
    assert yolo["model"]["inputs"][0]["preprocessing"]["dai_type"] == "RGB888p"
    assert yolo["model"]["inputs"][0]["preprocessing"]["reverse_channels"] is True
    assert yolo["model"]["metadata"] == {"name": "rgb_tiny", "path": "rgb_tiny.blob", "precision": "float16"}
    ids, _ = config_of(zoo / "out" / "int64_input" / "int64_input.tar.xz")
    assert ids["model"]["inputs"][0]["input_type"] == "raw" and ids["model"]["inputs"][0]["preprocessing"]["dai_type"] is None
    with tarfile.open(zoo / "out" / "mobilenet_v2" / "mobilenet_v2.tar.xz") as t:
        info = json.load(t.extractfile("buildinfo.json"))
    assert info["options"]["inputs"][0]["mean_values"] == "[123.675, 116.28, 103.53]"


def test_archives_are_reproducible(zoo):
    a1, a2 = archives(zoo, "out"), archives(zoo, "out2")
    assert [p.name for p in a1] == [p.name for p in a2]
    for x, y in zip(a1, a2):
        assert x.read_bytes() == y.read_bytes(), x.name
    with tarfile.open(a1[0]) as t:
        for m in t.getmembers():
            assert m.mtime == 1764000000 and m.uid == 0 and m.gid == 0 and m.mode == 0o644


def test_inspect_reads_an_archive_back(zoo):
    a = zoo / "out" / "nhwc_tiny" / "nhwc_tiny.tar.xz"
    text = subprocess.run([BLOBC, "inspect", str(a)], check=True, capture_output=True, text=True).stdout
    assert "NN Archive (config_version 1.0): model 'nhwc_tiny', nhwc_tiny.blob" in text
    assert "dai_type BGR888i" in text
    doc = json.loads(subprocess.run([BLOBC, "inspect", "--json", str(a)], check=True, capture_output=True, text=True).stdout)
    assert doc["nn_archive"]["model"]["inputs"][0]["layout"] == "NHWC"
    assert doc["blob"]["inputs"][0]["order"] == "NHWC"
    r = subprocess.run([BLOBC, "inspect", "--check", str(a)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
