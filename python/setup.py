"""blobc's Python package: blobconverter's API over libblobc.so (no network, no subprocess).

pip install ./python (offline, with Debian's pip and setuptools) or make install-python.
The shared library is taken from blobc/libblobc.so when it is there (make install-python puts
it there); from a checkout it is built first with `make build/libblobc.so` in the repository.
"""
import os
import shutil
import subprocess

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "blobc", "libblobc.so")
REPO = os.path.dirname(HERE)

if not os.path.exists(LIB) and os.path.exists(os.path.join(REPO, "Makefile")):
    subprocess.check_call(["make", "-C", REPO, "build/libblobc.so"])
    shutil.copy(os.path.join(REPO, "build", "libblobc.so"), LIB)

setup(
    name="blobc",
    version="0.1.0",
    description="MyriadX blobs for DepthAI, offline: blobconverter's Python API over libblobc",
    packages=["blobc"],
    package_data={"blobc": ["libblobc.so"]},
    python_requires=">=3.9",
    zip_safe=False,
)
