"""The blobc Python package: blobconverter's API over libblobc.so (make python-test).

Needs DEMO_ZOO (build/demo-zoo) and BLOBC (the binary, to read blobs back with inspect --json);
BLOBC_LIB points at the library when the package is not installed."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import blobc

ZOO = Path(os.environ.get("DEMO_ZOO", "build/demo-zoo"))
BLOBC = os.environ.get("BLOBC", "build/blobc")
REPO = Path(__file__).resolve().parents[2]


def inspect(blob):
    out = subprocess.run([BLOBC, "inspect", "--json", str(blob)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.fixture(autouse=True)
def quiet():
    blobc.set_defaults(silent=True)


def test_an_unmodified_blobconverter_script_runs(tmp_path):
    script = tmp_path / "convert.py"
    script.write_text(textwrap.dedent("""
        import sys
        import blobc as blobconverter
        blob_path = blobconverter.from_onnx(
            model=sys.argv[1],
            data_type="FP16",
            shaves=6,
            output_dir=sys.argv[2],
        )
        print(blob_path)
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "python"), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(script), str(ZOO / "tiny_relu.onnx"), str(tmp_path / "cache")], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    blob = Path(out)
    assert blob == tmp_path / "cache" / "tiny_relu_openvino_2022.1_6shave.blob"  # blobconverter's name
    assert blobc.is_valid_blob(blob)
    info = inspect(blob)
    assert info["shaves"] == 6 and info["cmx_slices"] == 6
    assert info["inputs"][0]["data_type"] == "U8"  # compile_params default -ip U8, as blobconverter


def test_every_from_function_returns_the_blob(tmp_path):
    paths = [
        blobc.from_onnx(model=str(ZOO / "tiny_relu.onnx"), output_dir=tmp_path),
        blobc.from_openvino(xml=str(ZOO / "ir_tiny.xml"), bin=str(ZOO / "ir_tiny.bin"), output_dir=tmp_path),
        blobc.from_caffe(proto=str(ZOO / "caffe_tiny.prototxt"), model=str(ZOO / "caffe_tiny.caffemodel"),
                         output_dir=tmp_path),
        blobc.from_tf(frozen_pb=str(ZOO / "tf_tiny.pb"), output_dir=tmp_path),
        blobc.compile_blob("named", req_files={"model.onnx": str(ZOO / "tiny_relu.onnx")}, output_dir=tmp_path,
                           version="2021.4", shaves=5),
    ]
    names = ["tiny_relu_openvino_2022.1_4shave.blob", "ir_tiny_openvino_2022.1_4shave.blob",
             "caffe_tiny_openvino_2022.1_4shave.blob", "tf_tiny_openvino_2022.1_4shave.blob",
             "named_openvino_2021.4_5shave.blob"]
    for p, name in zip(paths, names):
        assert Path(p) == tmp_path / name
        assert blobc.is_valid_blob(p)
    assert inspect(paths[4])["openvino"] == "2021.4"


def test_mo_and_compile_tool_flags_inside_the_params(tmp_path):
    blob = blobc.from_onnx(model=str(ZOO / "tiny_relu.onnx"), output_dir=tmp_path, shaves=3,
                           optimizer_params=["--mean_values=[0,0,0]", "--scale_values=[255,255,255]",
                                             "--reverse_input_channels", "--layout=nchw->nhwc"],
                           compile_params=["-ip FP16", "-VPU_NUMBER_OF_CMX_SLICES 4"])
    info = inspect(blob)
    assert info["inputs"][0]["order"] == "NHWC"
    assert info["inputs"][0]["data_type"] == "FP16"
    assert info["shaves"] == 3 and info["cmx_slices"] == 4


def test_errors_raise_with_blobcs_message(tmp_path):
    with pytest.raises(blobc.BlobcError, match=r"unknown option '--mean_value' \(did you mean '--mean_values'\?\)"):
        blobc.from_onnx(model=str(ZOO / "tiny_relu.onnx"), output_dir=tmp_path, optimizer_params=["--mean_value=[1]"])
    with pytest.raises(blobc.BlobcError, match="downloads nothing"):
        blobc.from_onnx(model="https://example.invalid/m.onnx", output_dir=tmp_path)
    with pytest.raises(blobc.BlobcError, match="unsupported"):
        blobc.from_onnx(model=str(ZOO / "unsupported_op.onnx"), output_dir=tmp_path)
    with pytest.raises(blobc.BlobcError, match="unknown openvino version '2021.2'"):
        blobc.from_onnx(model=str(ZOO / "tiny_relu.onnx"), output_dir=tmp_path, version="2021.2")


def test_use_cache(tmp_path):
    model = str(ZOO / "tiny_relu.onnx")
    first = blobc.from_onnx(model=model, output_dir=tmp_path)
    t = os.stat(first).st_mtime_ns
    assert blobc.from_onnx(model=model, output_dir=tmp_path) == first
    assert os.stat(first).st_mtime_ns == t  # not compiled again
    blobc.from_onnx(model=model, output_dir=tmp_path, use_cache=False)
    assert os.stat(first).st_mtime_ns != t


def write_omz(root):
    model = root / "public" / "tiny-onnx"
    model.mkdir(parents=True)
    (model / "tiny.onnx").write_bytes((ZOO / "tiny_relu.onnx").read_bytes())
    (model / "model.yml").write_text(textwrap.dedent("""\
        task_type: classification
        files:
          - name: tiny.onnx
            size: 1
            checksum: 00
            source: https://example.invalid/tiny.onnx
        model_optimizer_args:
          - --input_model=$dl_dir/tiny.onnx
          - --mean_values=[127.5,127.5,127.5]
          - --scale=255
        framework: onnx
        """))
    gone = root / "public" / "not-downloaded"
    gone.mkdir(parents=True)
    (gone / "model.yml").write_text((model / "model.yml").read_text())


def test_from_zoo_reads_a_local_open_model_zoo_tree(tmp_path):
    write_omz(tmp_path / "omz")
    blob = blobc.from_zoo(name="tiny-onnx", zoo_type="intel", zoo_dir=tmp_path / "omz", shaves=6, output_dir=tmp_path)
    assert blob == tmp_path / "tiny-onnx_openvino_2022.1_6shave.blob"
    assert inspect(blob)["shaves"] == 6
    assert "tiny-onnx" in blobc.zoo_list(zoo_dir=tmp_path / "omz")
    with pytest.raises(blobc.BlobcError, match="not-downloaded.*downloads nothing"):
        blobc.from_zoo(name="not-downloaded", zoo_dir=tmp_path / "omz", output_dir=tmp_path)
    os.environ.pop("BLOBC_OMZ_DIR", None)
    with pytest.raises(blobc.BlobcError, match="downloads nothing"):
        blobc.from_zoo(name="tiny-onnx", output_dir=tmp_path)


def test_build_returns_the_parsed_report(tmp_path):
    manifest = tmp_path / "zoo.yaml"
    manifest.write_text("version: 1\nmodels:\n  - {name: tiny, source: %s}\n  - {name: hs, source: %s}\n"
                        % (ZOO / "tiny_relu.onnx", ZOO / "unsupported_op.onnx"))
    report = blobc.build(str(manifest), jobs=2, output_dir=tmp_path / "out")
    assert report["summary"]["models"] == 2
    assert report["summary"]["ok"] == 1 and report["summary"]["unsupported"] == 1
    assert report["exit_code"] == 1
    with pytest.raises(blobc.BlobcError, match="no model named 'nosuch'"):
        blobc.build(str(manifest), output_dir=tmp_path / "out2", only="nosuch")


def test_build_verify_checks_each_written_blob(tmp_path):
    """build(verify=True): each blob run against its source model; the figures in the report."""
    manifest = tmp_path / "zoo.yaml"
    manifest.write_text("version: 1\nmodels:\n  - {name: tiny, source: %s, mean_values: [127.5], "
                        "scale_values: [127.5]}\n" % (ZOO / "tiny_relu.onnx"))
    report = blobc.build(str(manifest), jobs=1, output_dir=tmp_path / "out", verify=True, random=2)
    v = report["models"][0]["verify"]
    assert v["status"] == "PASS" and v["frames"] == {"count": 2, "compared": 2, "source": "pseudo-random"}
    assert 0 < v["fp16_roundings"] <= v["tolerance"]
    assert report["exit_code"] == 0


def test_pip_installs_offline(tmp_path):
    """pip install ./python with Debian's setuptools, no index, no build isolation."""
    lib = os.environ.get("BLOBC_LIB")
    if not lib:
        pytest.skip("BLOBC_LIB not set")
    src = tmp_path / "src"
    (src / "blobc").mkdir(parents=True)
    for f in ("setup.py",):
        (src / f).write_text((REPO / "python" / f).read_text())
    for f in ("__init__.py", "_lib.py"):
        (src / "blobc" / f).write_text((REPO / "python" / "blobc" / f).read_text())
    (src / "blobc" / "libblobc.so").write_bytes(Path(lib).read_bytes())
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation", "--target",
                    str(target), str(src)], check=True, capture_output=True)
    assert (target / "blobc" / "libblobc.so").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("BLOBC_LIB", "PYTHONPATH")}
    env["PYTHONPATH"] = str(target)
    code = ("import blobc, sys; p = blobc.from_onnx(model=sys.argv[1], output_dir=sys.argv[2]); "
            "print(blobc._lib.lib()._name, p)")
    out = subprocess.run([sys.executable, "-c", code, str(ZOO / "tiny_relu.onnx"), str(tmp_path / "o")], env=env,
                         check=True, capture_output=True, text=True).stdout
    assert str(target / "blobc" / "libblobc.so") in out
