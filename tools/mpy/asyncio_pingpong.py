"""Event ping-pong on MicroPython: muos.asyncio against MicroPython's own
asyncio, in one run of one interpreter (benchmarks/asyncio_layer.py runs
it on the firmware builds, and uses its ``pingpong`` under CPython).
Prints, for each, the microseconds of ``time.ticks_us`` per hand-over
(on the QEMU board with -icount shift=0, a microsecond is 1,000
instructions). Portable: also runs under CPython
(time.perf_counter)."""

import time

try:
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
except AttributeError:                 # CPython
    def ticks_us():
        return int(time.perf_counter() * 1e6)

    def ticks_diff(a, b):
        return a - b

N = 2000


def pingpong(asyncio, n, port=None):
    async def main():
        a = asyncio.Event()
        b = asyncio.Event()

        async def ping():
            for _ in range(n):
                b.set()
                await a.wait()
                a.clear()

        async def pong():
            for _ in range(n):
                await b.wait()
                b.clear()
                a.set()

        await asyncio.gather(ping(), pong())

    t0 = ticks_us()
    if port is None:
        asyncio.run(main())
    else:
        asyncio.run(main(), port=port())
    return ticks_diff(ticks_us(), t0) / (2 * n)


def main():
    import asyncio
    import muos.asyncio
    import muos
    for name, mod, port in (
            ("asyncio", asyncio, None),
            ("muos.asyncio", muos.asyncio, None),
            ("muos.asyncio on SimPort", muos.asyncio, muos.SimPort)):
        pingpong(mod, 50, port)        # warm-up
        print("%s: %.3f us per hand-over" % (name, pingpong(mod, N, port)))


if __name__ == "__main__":   # (benchmarks/asyncio_layer.py imports it)
    main()
