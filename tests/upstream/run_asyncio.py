"""Run one of MicroPython's upstream asyncio test scripts on muos.asyncio.

``python run_asyncio.py SCRIPT`` (or ``micropython run_asyncio.py
SCRIPT``): ``import asyncio`` and ``import uasyncio`` in the script get
``muos.asyncio``; the script then runs unchanged as ``__main__``.
Portable (MicroPython has no runpy: the script is exec'd).
"""

import sys

import muos.asyncio

sys.modules["asyncio"] = muos.asyncio
sys.modules["uasyncio"] = muos.asyncio

path = sys.argv[1]
with open(path) as f:
    source = f.read()
exec(compile(source, path, "exec"), {"__name__": "__main__"})
