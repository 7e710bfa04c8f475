"""Builds the optional C run loop, ``muos._speedups`` (everything else is
declared in pyproject.toml). Without a C compiler, on MicroPython or on an
interpreter it does not support, the install still succeeds and muos runs
kernel.py's pure-Python loop, the reference the C one transcribes."""

import sys

from setuptools import Extension, setup

ext = []
if sys.implementation.name == "cpython" and sys.version_info >= (3, 10):
    ext.append(Extension("muos._speedups", ["src/muos/_speedups.c"],
                         optional=True))

setup(ext_modules=ext)
