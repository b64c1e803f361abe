"""blobc: MyriadX blobs for DepthAI, offline, with blobconverter's Python API.

A script written for Luxonis' blobconverter runs unchanged:

    import blobc as blobconverter
    blob = blobconverter.from_onnx(model="model.onnx", data_type="FP16", shaves=6)

from_onnx, from_openvino, from_caffe, from_tf, from_zoo and compile_blob take blobconverter's
parameter names (model, xml, bin, proto, frozen_pb, data_type, shaves, version, output_dir,
optimizer_params, compile_params, use_cache) and return the blob's path, named as blobconverter
names it: <output_dir>/<name>_openvino_<version>_<shaves>shave.blob. The flags inside
optimizer_params (mo's) and compile_params (compile_tool's) are read with blobc's option table,
the same as `blobc convert --optimizer-params ... --compile-params ...`.

Differences, on purpose: nothing is uploaded or downloaded (url is ignored; a URL as a model is an
error); from_zoo looks the model up in a local Open Model Zoo tree (zoo_dir= or $BLOBC_OMZ_DIR);
errors raise BlobcError with blobc's one-line message. As in blobconverter, from_onnx/from_caffe/
from_tf without optimizer_params use mean 127.5 and scale 255 per channel (blobconverter's
default), and compile_params default to ["-ip U8"].

Everything runs in this process through libblobc.so (ctypes): no subprocess per model.
build(manifest, jobs=...) builds a whole manifest and returns the parsed report.json.
"""
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import _lib

__version__ = "0.1.0"


class BlobcError(RuntimeError):
    """A conversion failed; the message is blobc's one-line error."""


class Versions:
    """The OpenVINO releases blobc stamps blobs for (blobconverter's names)."""
    v2021_4 = "2021.4"
    v2022_1 = "2022.1"


_defaults = {
    "version": Versions.v2022_1,
    "shaves": 4,
    "output_dir": Path.home() / ".cache" / "blobc",
    "compile_params": ["-ip U8"],
    "data_type": "FP16",
    "optimizer_params": ["--mean_values=[127.5,127.5,127.5]", "--scale_values=[255,255,255]"],
    "silent": False,
    "zoo_type": "intel",
}


def set_defaults(url=None, version=None, shaves=None, output_dir=None, compile_params=None, optimizer_params=None,
                 data_type=None, silent=None, zoo_type=None, progress_func=None):
    """blobconverter.set_defaults; url and progress_func are accepted and unused (nothing is downloaded)."""
    for key, value in (("version", version), ("shaves", shaves), ("output_dir", output_dir),
                       ("compile_params", compile_params), ("optimizer_params", optimizer_params),
                       ("data_type", data_type), ("silent", silent), ("zoo_type", zoo_type)):
        if value is not None:
            _defaults[key] = value


def is_valid_blob(blob_path):
    """blobconverter's check: magic 9709 at byte 52, the size at 56 not above the file's."""
    try:
        with open(blob_path, "rb") as f:
            head = f.read(64)
        size = os.path.getsize(blob_path)
    except OSError:
        return False
    if len(head) < 60:
        return False
    return int.from_bytes(head[52:56], "little") == 9709 and int.from_bytes(head[56:60], "little") <= size


def _local(path, what):
    text = str(path)
    if re.match(r"^[a-z]+://", text):
        raise BlobcError("%s '%s' is a URL: blobc downloads nothing; give a local file" % (what, text))
    return Path(text)


def _check_digest(path, size, sha256):
    if size is not None and os.path.getsize(path) != int(size):
        raise BlobcError("%s: size %d, expected %s" % (path, os.path.getsize(path), size))
    if sha256 is not None:
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != sha256:
                raise BlobcError("%s: sha256 does not match" % path)


def _params(values):
    """blobconverter accepts a list of flags or one string."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)):
        return [values]
    return list(values)


def _cache_key(args, files):
    h = hashlib.sha256(json.dumps([_lib.version()] + [str(a) for a in args]).encode())
    for f in files:
        with open(f, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def _convert(model, name, weights=None, data_type=None, optimizer_params=None, version=None, shaves=None, output_dir=None,
             compile_params=None, use_cache=True, url=None, zoo_type=None, dry=False, download_ir=False, **unknown):
    """blobc convert MODEL with blobconverter's parameters; returns the blob's Path."""
    if unknown:
        raise TypeError("unexpected argument(s): %s" % ", ".join(sorted(unknown)))
    if download_ir:
        raise BlobcError("download_ir: blobc writes the IR beside the blob with `blobc convert -o DIR`; no ZIP")
    version = str(version or _defaults["version"])
    shaves = int(shaves if shaves is not None else _defaults["shaves"])
    data_type = data_type or _defaults["data_type"]
    output_dir = Path(output_dir or _defaults["output_dir"])
    compile_params = _params(_defaults["compile_params"] if compile_params is None else compile_params)
    blob = output_dir / ("%s_openvino_%s_%dshave.blob" % (name, version, shaves))
    args = [str(model), "--name", name, "--data_type", data_type, "--shaves", str(shaves), "--version", version,
            "-o", str(blob)]
    for p in _params(optimizer_params):
        args += ["--optimizer-params", p]
    for p in compile_params:
        args += ["--compile-params", p]
    if weights is not None:
        args += ["--openvino-bin" if str(model).lower().endswith(".xml") else "--caffe-model", str(weights)]
    if dry:
        return {"commands": ["blobc convert " + " ".join(args)]}
    files = [model] + ([weights] if weights is not None else [])
    key = _cache_key(args, files)
    index = output_dir / ".blobc-cache.json"
    cache = {}
    if index.exists():
        try:
            cache = json.loads(index.read_text())
        except ValueError:
            cache = {}
    if use_cache and cache.get(key) == str(blob) and is_valid_blob(blob):
        return blob
    rc, result, err = _lib.run("convert", args, show=not _defaults["silent"])
    if rc != 0:
        raise BlobcError(err or "blobc convert failed (exit %d)" % rc)
    cache[key] = str(blob)
    tmp = index.with_name(index.name + ".tmp.%d" % os.getpid())
    tmp.write_text(json.dumps(cache, indent=1, sort_keys=True))
    os.replace(tmp, index)
    return Path(result)


def from_onnx(model, data_type=None, optimizer_params=None, model_size=None, model_sha256=None, **kwargs):
    """blobconverter.from_onnx: an ONNX file to a blob."""
    model = _local(model, "model")
    _check_digest(model, model_size, model_sha256)
    if optimizer_params is None:
        optimizer_params = _defaults["optimizer_params"]
    return _convert(model, model.stem, data_type=data_type, optimizer_params=optimizer_params, **kwargs)


def from_caffe(proto, model, data_type=None, optimizer_params=None, proto_size=None, proto_sha256=None, model_size=None,
               model_sha256=None, **kwargs):
    """blobconverter.from_caffe: a .prototxt and its .caffemodel (beside it, same stem) to a blob."""
    proto, model = _local(proto, "proto"), _local(model, "model")
    _check_digest(proto, proto_size, proto_sha256)
    _check_digest(model, model_size, model_sha256)
    if optimizer_params is None:
        optimizer_params = _defaults["optimizer_params"]
    return _convert(proto, proto.stem, weights=model, data_type=data_type, optimizer_params=optimizer_params, **kwargs)


def from_tf(frozen_pb, data_type=None, optimizer_params=None, frozen_pb_size=None, frozen_pb_sha256=None, **kwargs):
    """blobconverter.from_tf: a TensorFlow frozen graph to a blob."""
    frozen_pb = _local(frozen_pb, "frozen_pb")
    _check_digest(frozen_pb, frozen_pb_size, frozen_pb_sha256)
    if optimizer_params is None:
        optimizer_params = _defaults["optimizer_params"]
    return _convert(frozen_pb, frozen_pb.stem, data_type=data_type, optimizer_params=optimizer_params, **kwargs)


def from_openvino(xml, bin, xml_size=None, xml_sha256=None, bin_size=None, bin_sha256=None, **kwargs):
    """blobconverter.from_openvino: an IR .xml and its .bin (beside it, same stem) to a blob."""
    xml, binp = _local(xml, "xml"), _local(bin, "bin")
    _check_digest(xml, xml_size, xml_sha256)
    _check_digest(binp, bin_size, bin_sha256)
    return _convert(xml, xml.stem, weights=binp, **kwargs)


_MODEL_EXTS = (".onnx", ".xml", ".prototxt", ".pb")


def compile_blob(blob_name, version=None, shaves=None, req_data=None, req_files=None, output_dir=None, url=None,
                 use_cache=True, compile_params=None, data_type=None, download_ir=False, zoo_type=None, dry=False,
                 optimizer_params=None):
    """blobconverter.compile_blob: the model is the req_files entry with a model extension (.onnx,
    .xml, .prototxt, .pb); blobc compiles it here instead of sending it to a server."""
    files = [Path(str(p)) for p in (req_files or {}).values() if isinstance(p, (str, os.PathLike))]
    models = [f for f in files if f.suffix.lower() in _MODEL_EXTS]
    if not models:
        raise BlobcError("compile_blob: req_files holds no model file (%s)" % ", ".join(_MODEL_EXTS))
    weights = [f for f in files if f.suffix.lower() in (".bin", ".caffemodel")]
    return _convert(models[0], blob_name, weights=weights[0] if weights else None, data_type=data_type,
                    optimizer_params=optimizer_params, version=version, shaves=shaves, output_dir=output_dir,
                    compile_params=compile_params, use_cache=use_cache, url=url, zoo_type=zoo_type, dry=dry,
                    download_ir=download_ir)


_ZOO_ENV = {"intel": "BLOBC_OMZ_DIR", "depthai": "BLOBC_DEPTHAI_ZOO_DIR"}


def _zoo_root(zoo_type, zoo_dir):
    zoo_type = zoo_type or _defaults["zoo_type"]
    if zoo_type not in _ZOO_ENV:
        raise BlobcError("zoo_type '%s': expected 'intel' (Open Model Zoo) or 'depthai' (depthai-model-zoo)" % zoo_type)
    root = zoo_dir or os.environ.get(_ZOO_ENV[zoo_type])
    if not root:
        raise BlobcError("from_zoo: blobc downloads nothing. Point zoo_dir= (or $%s) at a local %s tree whose "
                         "model.yml files have their model files beside them (omz_downloader -o puts them there)"
                         % (_ZOO_ENV[zoo_type], "Open Model Zoo" if zoo_type == "intel" else "depthai-model-zoo"))
    return Path(root)


def _import_zoo(root, tmp):
    manifest = Path(tmp) / "zoo.yaml"
    rc, _, err = _lib.run("import-omz", [str(root), "-o", str(manifest)])
    if rc != 0:
        raise BlobcError(err or "import-omz failed (exit %d)" % rc)
    return manifest


def zoo_list(version=None, url=None, zoo_type=None, zoo_dir=None):
    """The models of the local zoo tree blobc can build (blobconverter.zoo_list, offline)."""
    root = _zoo_root(zoo_type, zoo_dir)
    with tempfile.TemporaryDirectory() as tmp:
        text = _import_zoo(root, tmp).read_text()
    return re.findall(r"^  - name: \"?([^\"\n]+)\"?$", text, re.M)


def from_zoo(name, zoo_type=None, zoo_dir=None, version=None, shaves=None, output_dir=None, use_cache=True,
             data_type=None, compile_params=None, optimizer_params=None, url=None, **unknown):
    """blobconverter.from_zoo, offline: the model `name` of a local Open Model Zoo tree (import-omz
    reads its model.yml, with the mean/scale/layout arguments in it), compiled here. Nothing is
    downloaded: a model whose files are not in the tree is an error that says so."""
    if unknown:
        raise TypeError("unexpected argument(s): %s" % ", ".join(sorted(unknown)))
    root = _zoo_root(zoo_type, zoo_dir)
    version = str(version or _defaults["version"])
    shaves = int(shaves if shaves is not None else _defaults["shaves"])
    output_dir = Path(output_dir or _defaults["output_dir"])
    blob = output_dir / ("%s_openvino_%s_%dshave.blob" % (name, version, shaves))
    if use_cache and blob.exists() and is_valid_blob(blob):
        return blob
    with tempfile.TemporaryDirectory() as tmp:
        manifest = _import_zoo(root, tmp)
        text = manifest.read_text()
        if not re.search(r"^  - name: \"?%s\"?$" % re.escape(name), text, re.M):
            why = re.search(r"^  # skipped: (.*)\n  # from: .*/%s/model.yml" % re.escape(name), text, re.M)
            raise BlobcError("from_zoo: model '%s' %s in %s; blobc downloads nothing" %
                             (name, "cannot be built (%s)" % why.group(1) if why else "is not", root))
        args = [str(manifest), "--only", name, "-o", str(Path(tmp) / "out"), "-j", "1", "--force", "--shaves", str(shaves),
                "--openvino", version]
        if data_type:
            args += ["--data_type", data_type]
        rc, _, err = _lib.run("build", args, show=not _defaults["silent"])
        built = Path(tmp) / "out" / name / ("%s_openvino_%s_%dshave.blob" % (name, version, shaves))
        if rc != 0 or not built.exists():
            raise BlobcError(err or "from_zoo: '%s' did not build (exit %d)" % (name, rc))
        output_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, blob)
    return blob


def build(manifest, jobs=2, output_dir="out", **options):
    """blobc build MANIFEST -j JOBS -o OUTPUT_DIR: every model of a manifest, in parallel in this
    process. options are flags by key (only="a,b", force=True, shaves=8, archive="zoo.tar.gz").
    Returns the parsed report.json (a model's failure is in its record, not an exception)."""
    args = [str(manifest), "-j", str(int(jobs)), "-o", str(output_dir)]
    for key, value in options.items():
        flag = "--" + key
        if value is True:
            args.append(flag)
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    rc, report, err = _lib.run("build", args, show=not _defaults["silent"])
    if rc == 2 or not report:
        raise BlobcError(err or "blobc build failed (exit %d)" % rc)
    with open(report) as f:
        doc = json.load(f)
    doc["exit_code"] = rc
    return doc


def version():
    """libblobc's version."""
    return _lib.version()
