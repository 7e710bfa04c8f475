"""Heap used by muos on MicroPython: the kernel import, a kernel, a thread.

    node tools/mpy/run.mjs src/muos tools/mpy/heap.py     # WebAssembly build
    mpremote run tools/mpy/heap.py                         # on a board
    python tools/firmware/run.py --port qemu tools/mpy/heap.py   # frozen,
                                             # the Cortex-M3 board (QEMU)

Prints ``gc.mem_alloc()`` differences in bytes, each measured after an
explicit ``gc.collect()``. The WebAssembly build collects garbage only
once control is back in JavaScript: run.mjs runs the parts between the
"back to JavaScript" lines one after the other, so that each figure
there is what the step keeps, not what it left (elsewhere the lines are
comments). Figures for the README's "On a MicroPython board". Not a
test: the numbers depend on the build (and by a few hundred bytes on
the script: tests/test_firmware.py's short one checks issue 16's
target).
"""

import gc
import sys

if not hasattr(gc, "mem_alloc"):
    print("run this under MicroPython (gc.mem_alloc)")
    sys.exit(0)

N = 20


def used():
    gc.collect()
    gc.collect()
    return gc.mem_alloc()


# this script's own names made now, before the first figure: a name
# bound later could grow its globals' table inside a difference
muos = objs = after_import = after_objs = None
base = used()
import muos  # noqa: E402
# run.mjs: back to JavaScript

after_import = used()
objs = (muos.Semaphore(0), muos.Mutex())   # issue 16 #2's measure
# run.mjs: back to JavaScript

after_objs = used()
from muos.ports.micropython import MachinePort  # noqa: E402, F401
# run.mjs: back to JavaScript

after_port = used()
k = muos.Kernel()
# run.mjs: back to JavaScript

after_kernel = used()
del k
res = {}


async def waiter(sem):
    await sem.wait()


async def sleeper():
    while True:
        await muos.sleep_for(10)


async def main():
    sem = muos.Semaphore(0)
    await muos.sleep_for(1)
    before = used()
    for _ in range(N):
        muos.spawn(waiter, sem, name="w")
    await muos.sleep_for(1)                 # every waiter now blocked
    res["blocked"] = (used() - before) // N
    before = used()
    for _ in range(N):
        muos.spawn(sleeper, name="s")
    await muos.sleep_for(1)
    res["sleeping"] = (used() - before) // N
    for _ in range(N):
        sem.post()


muos.run(main, until=5)
impl = sys.implementation
print("MicroPython %s (%s)" % (".".join(str(x) for x in impl.version[:3]),
                               getattr(impl, "_machine", "?")))
print("import muos:                 %6d bytes" % (after_import - base))
print("+ a Semaphore and a Mutex:   %6d bytes (in all: %d)"
      % (after_objs - after_import, after_objs - base))
print("+ muos.ports.micropython:    %6d bytes" % (after_port - after_objs))
print("a Kernel (idle thread, ...): %6d bytes" % (after_kernel - after_port))
print("per thread blocked on a Semaphore: %d bytes" % res["blocked"])
print("per thread in sleep_for:           %d bytes" % res["sleeping"])
