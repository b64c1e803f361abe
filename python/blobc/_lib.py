"""ctypes binding of libblobc.so (pipeline/capi.h): one in-process call per command."""
import ctypes
import os

_lib = None


def _candidates():
    env = os.environ.get("BLOBC_LIB")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libblobc.so")
    yield os.path.join(os.path.dirname(os.path.dirname(here)), "build", "libblobc.so")  # a checkout
    yield "libblobc.so"  # the loader's search path


def lib():
    """The loaded library (loaded once)."""
    global _lib
    if _lib is None:
        errors = []
        for path in _candidates():
            if os.sep in path and not os.path.exists(path):
                continue
            try:
                handle = ctypes.CDLL(path)
            except OSError as e:
                errors.append("%s: %s" % (path, e))
                continue
            handle.blobc_api_run.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                             ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
            handle.blobc_api_run.restype = ctypes.c_int
            handle.blobc_api_version.restype = ctypes.c_char_p
            _lib = handle
            break
        else:
            raise ImportError("libblobc.so not found (set BLOBC_LIB, or install with make install-python): "
                              + "; ".join(errors))
    return _lib


def run(cmd, args, show=False):
    """Runs a blobc command in-process. Returns (exit code, result path or '', first error line or '')."""
    argv = [os.fsencode(str(a)) for a in args]
    arr = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
    result = ctypes.create_string_buffer(8192)
    err = ctypes.create_string_buffer(4096)
    rc = lib().blobc_api_run(cmd.encode(), len(argv), arr, 1 if show else 0, result, len(result), err, len(err))
    return rc, os.fsdecode(result.value), err.value.decode("utf-8", "replace")


def version():
    return lib().blobc_api_version().decode()
