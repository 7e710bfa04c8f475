"""Cold parts (compat.cold_part): a class's rarely used methods and
computed attributes live in another module, its base on CPython, loaded
at the first use of one of them on MicroPython. Both interpreters print
the same; on MicroPython the modules are checked to load only then.

The program below uses a Thread, the Kernel, Stats and a Mutex without
touching their cold parts, checks that (MicroPython) none is loaded, then
reads every kind of cold attribute: a method (join), a computed attribute
(result, cpu_load, locked), one read through a subclass's object (a
Kernel's ``now``, declared on KernelBase), one from a hot method of the
same class (Stats.retire, when a thread ends), and a missing name after
the part loaded (AttributeError, no loop).

Before all that, a kernel whose threads wait on an unnamed Semaphore,
take an unnamed Mutex no one holds and never end must not load what a
contended mutex (the inversion tracking), a name (diag's check), a
thread's end or the end of ``muos.run()`` (outcome.py) or an error
(moreerrors.py) needs."""

import sys

import muos
from muos.compat import MICROPYTHON, cold_part, computed, computed_attrs

COLD = ("muos.threadapi", "muos.kernelapi", "muos.statsapi",
        "muos.mutexapi")


def loaded():
    return [m for m in COLD if m in sys.modules]


# (muos.run() is not used before this point: its end loads outcome.py,
# and its kernel's close the kernel's cold part; nor run(until=...),
# whose absolute time is the cold part's too)
order = []


async def poster(s, never):
    order.append(("post", muos.now()))
    s.post()
    await muos.sleep_for(2)
    await never.wait()            # (a thread that ends loads statsapi)


async def forever(s, m, never):
    muos.spawn(poster, s, never)  # (same priority: it runs when we wait)
    await s.wait()                # blocks until poster posts, at tick 0
    order.append(("got", muos.now()))
    async with m:                 # no one holds it: no wait
        await muos.sleep_for(3)
    order.append(("unlocked", muos.now()))
    await never.wait()            # nothing left to happen: run() returns


k0 = muos.Kernel()
k0.spawn(forever, muos.Semaphore(), muos.Mutex(), muos.Semaphore())
print(k0.run(), k0.now, order)
if MICROPYTHON:
    for mod in ("muos.inversion", "muos.diag", "muos.outcome",
                "muos.moreerrors", "muos.statsapi") + COLD:
        assert mod not in sys.modules, mod

log = []


async def worker(m):
    await m.lock()
    log.append(("worker holds", muos.now()))
    await muos.sleep_for(2)
    m.unlock()
    return 7


async def main():
    m = muos.Mutex("m")
    muos.spawn(worker, m, priority=muos.Priority.HIGH)
    await muos.sleep_for(1)
    await m.lock()                  # waits for worker: tick 2
    log.append(("main holds", muos.now()))
    m.unlock()


k = muos.Kernel()
k.spawn(main)
k.run()
print(log)
# (the worker ended: Stats.retire, a cold method called by the kernel;
# main waited on a Mutex: the inversion tracking)
if MICROPYTHON:
    assert loaded() == ["muos.statsapi"], loaded()
    assert "muos.inversion" in sys.modules
print("inversion", k.stats.inversion_time,
      sorted(k.stats.inversion_by_object.items()))



async def joiner():
    t = muos.spawn(lambda: worker(m))
    if MICROPYTHON:
        assert "muos.threadapi" not in sys.modules
    v = await t.join()                         # a cold method
    return v, t.result, t.alive                # cold computed attributes


m = muos.Mutex("m2")
if MICROPYTHON:
    assert "muos.mutexapi" not in sys.modules
print("locked", m.locked, "waiters", m.waiters)   # Mutex's cold part
k2 = muos.Kernel()
t = k2.spawn(joiner)
k2.run()
print("joined", t.result, "now", k2.now, "threads", len(k2.threads))
print("load", k.stats.cpu_load, "switches", k.stats.context_switches)
for obj, name in ((t, "no_such"), (k2, "no_such"), (k.stats, "no_such"),
                  (m, "no_such")):
    try:
        getattr(obj, name)
        print("found", name)
    except AttributeError:
        print("AttributeError", type(obj).__name__, name)
if MICROPYTHON:
    assert loaded() == list(COLD), loaded()
    # merged, the parts' classes are dropped (their functions live on
    # the classes that own them): no second table of them on the heap
    for mod, part in (("muos.threadapi", "ThreadApi"),
                      ("muos.kernelapi", "KernelApi"),
                      ("muos.statsapi", "StatsApi"),
                      ("muos.mutexapi", "MutexApi")):
        assert not hasattr(sys.modules[mod], part), part
    # no interrupt line, timer nor critical section: the controller's
    # work never loaded (irqcontrol.py)
    assert "muos.irqcontrol" not in sys.modules


async def hand_over():
    s = muos.Semaphore()

    async def taker():
        await s.wait()
        return muos.now()

    t = muos.spawn(taker)
    await muos.sleep_for(3)
    s.post()                              # taker gets it at tick 3
    await muos.sleep_for(1)
    if MICROPYTHON:                       # a hand-over: no cold part
        assert "muos.semaphoreapi" not in sys.modules
    return t.result, s.value, s.try_wait()   # (value: the cold part)

print("hand-over", muos.run(hand_over).value)
if MICROPYTHON:
    assert "muos.semaphoreapi" in sys.modules


async def masked():
    with muos.interrupts_disabled():
        return muos.in_isr()

print("masked", muos.run(masked).value)
if MICROPYTHON:
    assert "muos.irqcontrol" in sys.modules


# the mechanism on a class of its own: a part in this very script,
# registered as the module muos._cold_test (MicroPython's main module is
# not in sys.modules: a class stands for the module there)
class PartBase:
    def own(self):
        return "own"


class Part(PartBase):
    def cold(self):
        return "cold " + self.own()

    @computed
    def doubled(self):
        return self.x * 2


computed_attrs(Part)
if MICROPYTHON:
    class ColdTest:
        Part = Part
    sys.modules["muos._cold_test"] = ColdTest
    Base = PartBase
else:
    Base = Part


class Hot(Base):       # (the pattern of compat.cold_part's doc)
    def __init__(self, x):
        self.x = x

    def own(self):
        return "hot own"


computed_attrs(Hot)
cold_part(Hot, "_cold_test", "Part", ("cold", "doubled"))


class Sub(Hot):          # (a table of its own: computed_attrs)
    @computed
    def tripled(self):
        return self.x * 3


computed_attrs(Sub)


print(Sub(4).doubled, Hot(5).cold(), Sub(1).cold(), Hot(3).doubled,
      Sub(2).tripled)


# an inversion, with the tracking loaded at its first wait above: low
# holds m (no inheritance) and computes 0..2, high waits on it from tick
# 1, mid computes 2..5 above low, low ends its 4 ticks 5..7 and unlocks:
# high waits 1..7 behind a lower owner, 6 ticks
async def low(m):
    async with m:
        await muos.busy(4)


async def high(m):
    await muos.sleep_for(1)
    async with m:
        return muos.now()


async def mid():
    await muos.sleep_for(2)
    await muos.busy(3)

m3 = muos.Mutex("inv", protocol=muos.Mutex.NONE)
k3 = muos.Kernel()
k3.spawn(low, m3, priority=muos.Priority.LOW)
th = k3.spawn(high, m3, priority=muos.Priority.HIGH)
k3.spawn(mid, priority=muos.Priority.NORMAL)
k3.run()
print("inverted", th.result, k3.stats.inversion_time,
      sorted(k3.stats.inversion_by_object.items()),
      [w[2:] for w in k3.stats.inversion_windows])
